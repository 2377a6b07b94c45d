import { join } from 'node:path';
import { HelmCli } from '../../controller/helm/helm-cli.js';
import { createNodeExec } from '../../controller/helm/node-exec.js';
import type { LocalFleet } from '../../controller/local/local-fleet.js';
import { toolPath } from '../../controller/local/tool-path.js';
import type { KubeRest } from '../../controller/runtime/kube-rest.js';
import { systemClock } from '../../controller/runtime/clock.js';
import { ControllerManager, type ControllerManagerOptions } from '../../controller/runtime/controller-manager.js';
import type { Logger } from '../../controller/runtime/logger.js';
import { createHttpChartIndexReader } from '../../controller/source/chart-index.js';
import { HUB_NAMESPACE } from './hub-setup.js';
import { helmEnv } from './test-fleet.js';

export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => quietLogger };

/**
 * A hub controller on the local fleet as the integration tests run it: the real helm binary with
 * its caches inside the fleet's folder, the real chart index reader, the system clock, a quiet
 * logger, one quick retry and short timeouts. `overrides` replaces any option (a clock, metrics,
 * other fleet options) for a test that is about it.
 */
export function createTestController(fleet: LocalFleet, hub: KubeRest, overrides: Partial<ControllerManagerOptions> = {}): ControllerManager {
  const env = Object.fromEntries(Object.entries(helmEnv(fleet)).filter((e): e is [string, string] => e[1] !== undefined));
  return new ControllerManager({
    hub,
    namespace: HUB_NAMESPACE,
    cacheDir: join(fleet.dir, 'controller-cache'),
    helm: new HelmCli({ helmPath: toolPath('helm'), exec: createNodeExec().exec, env }),
    chartIndex: createHttpChartIndexReader(),
    clock: systemClock,
    logger: quietLogger,
    fleet: { concurrency: 2, clusterConcurrency: 2, maxUninstallShare: 1, contactIntervalMs: 60_000, reconcilePolicy: { helmTimeoutMs: 60_000, lockTimeoutMs: 1_000, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } } },
    chartIndexTtlMs: 1,
    resyncIntervalMs: 60_000,
    requestPollIntervalMs: 200,
    ...overrides,
  });
}
