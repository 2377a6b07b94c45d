import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../local/is-process-alive.js';
import { helmDirsInUse, removeHelmLeftovers } from './remove-helm-leftovers.js';

describe('removeHelmLeftovers', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'helm-leftovers-test-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes the directories of dead processes, its own pid and the old format, and keeps those in use', async () => {
    // A pid that certainly belonged to a process that has ended.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const make = (name: string) => {
      mkdirSync(join(root, name), { mode: 0o700 });
      writeFileSync(join(root, name, 'values.json'), '{"token":"canary"}', { mode: 0o600 });
    };
    make(`clusterext-helm-${dead}-abc123`);
    make(`clusterext-helm-${process.pid}-def456`);
    make('clusterext-helm-Xy12Zq');
    make(`clusterext-helm-${process.ppid}-live99`);
    make('someone-else');
    make(`clusterext-helm-${process.pid}-inuse1`);
    helmDirsInUse.add(join(root, `clusterext-helm-${process.pid}-inuse1`));

    const removed = await removeHelmLeftovers(root, isProcessAlive).finally(() => helmDirsInUse.clear());
    expect(removed.sort()).toEqual([`clusterext-helm-${dead}-abc123`, `clusterext-helm-${process.pid}-def456`, 'clusterext-helm-Xy12Zq'].sort());
    expect(readdirSync(root).sort()).toEqual([`clusterext-helm-${process.pid}-inuse1`, `clusterext-helm-${process.ppid}-live99`, 'someone-else'].sort());
  });

  it('does nothing when the root does not exist', async () => {
    expect(await removeHelmLeftovers(join(root, 'missing'), isProcessAlive)).toEqual([]);
  });
});
