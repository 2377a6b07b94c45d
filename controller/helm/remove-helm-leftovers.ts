import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The name of every private directory the helm adapter makes: the prefix, then its pid and a dash. */
export const HELM_TEMP_PREFIX = 'clusterext-helm-';

/**
 * The private directories helm adapters of this process are using right now: several controllers
 * can run in one process (tests, the demo), and one starting must not take another's files.
 */
export const helmDirsInUse = new Set<string>();

/**
 * Removes the private directories that helm adapters of earlier controller processes left in
 * `root` when they were killed between making one and removing it (a SIGKILL). A directory whose
 * pid is this process's own is a leftover too: at start this process has made none yet, and in a
 * container a restarted controller often gets its predecessor's pid (a directory in helmDirsInUse
 * is kept). A directory of a live other process is kept. Returns the names removed.
 */
export async function removeHelmLeftovers(root: string, isAlive: (pid: number) => boolean): Promise<string[]> {
  const entries = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of entries) {
    if (!name.startsWith(HELM_TEMP_PREFIX)) continue;
    const pid = /^clusterext-helm-(\d+)-/.exec(name)?.[1];
    // A name without a pid is from a version that did not record one; none of those runs on.
    if (pid !== undefined && Number(pid) !== process.pid && isAlive(Number(pid))) continue;
    if (helmDirsInUse.has(join(root, name))) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
