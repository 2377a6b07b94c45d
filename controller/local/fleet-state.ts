import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterextError } from '../errors/clusterext-error.js';
import { isProcessAlive } from './is-process-alive.js';
import type { LocalFleet } from './local-fleet.js';

/** What `clusterext local up` writes for `local down` and for people: how to reach each piece. */
export interface FleetState {
  /** The `local up` process that owns the fleet; `local down` signals it. */
  pid: number;
  startedAt: string;
  dir: string;
  clusters: { name: string; server: string; kubeconfigPath: string }[];
  git: { url: string; username: string; password: string };
  charts: { url: string };
}

export function fleetStatePath(dir: string): string {
  return join(dir, 'state.json');
}

export function describeFleet(fleet: LocalFleet, pid: number): FleetState {
  return {
    pid,
    startedAt: new Date().toISOString(),
    dir: fleet.dir,
    clusters: fleet.clusters.map((c) => ({ name: c.name, server: c.server, kubeconfigPath: c.kubeconfigPath })),
    git: { url: fleet.git.url, username: fleet.git.auth.username, password: fleet.git.auth.password },
    charts: { url: fleet.charts.url },
  };
}

/** Written readable by the owner only: it holds the git password of the local fleet. */
export function writeFleetState(state: FleetState): void {
  writeFileSync(fleetStatePath(state.dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function readFleetState(dir: string): FleetState | undefined {
  const path = fleetStatePath(dir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as FleetState) : undefined;
}

/**
 * Throws `LocalFleetRunning` when a live process owns the fleet in `dir`. Returns whether a dead
 * fleet left its state behind there (the caller may clear the folder).
 */
export function assertNoRunningFleet(dir: string): boolean {
  const previous = readFleetState(dir);
  if (previous && isProcessAlive(previous.pid)) {
    throw new ClusterextError(
      'LocalFleetRunning',
      `A local fleet is already running in "${dir}" (process ${previous.pid}); stop it with "clusterext local down --dir ${dir}" or pick another --dir.`,
      { dir, pid: previous.pid },
    );
  }
  return previous !== undefined;
}
