import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalFleet, type LocalFleet, type LocalFleetOptions } from '../../controller/local/local-fleet.js';

/**
 * Starts the local fleet for an integration test. Under CI (CI=true) a missing kube-apiserver or etcd
 * is an error, never a multi-minute build and never a skip: CI prepares them with
 * `npm run testbed:prepare`. Locally they are built on first use.
 */
export function startTestFleet(options: Omit<LocalFleetOptions, 'buildMissing'> = {}): Promise<LocalFleet> {
  return startLocalFleet({ ...options, buildMissing: !isCi() });
}

export function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * Environment for helm calls in tests: helm's caches and config stay inside the fleet's folder.
 * Only set variables, so it serves a child process and the helm adapters' `env` alike.
 */
export function helmEnv(fleet: Pick<LocalFleet, 'dir'>): Record<string, string> {
  const home = join(fleet.dir, 'helm-home');
  mkdirSync(home, { recursive: true });
  return {
    ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}
