import { join } from 'node:path';
import { HelmCli } from '../../controller/helm/helm-cli.js';
import { HelmHelper } from '../../controller/helm/helm-helper.js';
import { createNodeExec } from '../../controller/helm/node-exec.js';
import type { LocalFleet } from '../../controller/local/local-fleet.js';
import { toolPath } from '../../controller/local/tool-path.js';
import type { KubeRest } from '../../controller/runtime/kube-rest.js';
import { systemClock } from '../../controller/runtime/clock.js';
import { ControllerManager, type ControllerManagerOptions } from '../../controller/runtime/controller-manager.js';
import type { Logger } from '../../controller/runtime/logger.js';
import { createHttpChartIndexReader } from '../../controller/source/chart-index.js';
import { DEFAULT_TEST_HELM_DRIVER, requireHelmHelper, type HelmDriver } from './helm-drivers.js';
import { HUB_NAMESPACE } from './hub-setup.js';
import { helmEnv } from './test-fleet.js';

export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => quietLogger };

export interface TestControllerOptions {
  /**
   * How helm runs (`controller --helm-driver`); default DEFAULT_TEST_HELM_DRIVER, the controller's
   * own default. With the helper, the manager's close() also stops its helper process.
   */
  helmDriver?: HelmDriver;
}

/**
 * A hub controller on the local fleet as the integration tests run it: helm through the
 * controller's default driver (the helm helper) with its caches inside the fleet's folder, the real
 * chart index reader, the system clock, a quiet logger, one quick retry and short timeouts.
 * `overrides` replaces any option (a clock, metrics, other fleet options, a helm adapter of its
 * own) for a test that is about it.
 */
export function createTestController(fleet: LocalFleet, hub: KubeRest, overrides: Partial<ControllerManagerOptions> = {}, options: TestControllerOptions = {}): ControllerManager {
  const env = Object.fromEntries(Object.entries(helmEnv(fleet)).filter((e): e is [string, string] => e[1] !== undefined));
  const driver = options.helmDriver ?? DEFAULT_TEST_HELM_DRIVER;
  const helper = overrides.helm === undefined && driver === 'helper' ? new HelmHelper({ helperPath: requireHelmHelper(), env }) : undefined;
  const manager = new ControllerManager({
    hub,
    namespace: HUB_NAMESPACE,
    cacheDir: join(fleet.dir, 'controller-cache'),
    helm: helper ?? new HelmCli({ helmPath: toolPath('helm'), exec: createNodeExec().exec, env }),
    chartIndex: createHttpChartIndexReader(),
    clock: systemClock,
    logger: quietLogger,
    fleet: { concurrency: 2, clusterConcurrency: 2, maxUninstallShare: 1, contactIntervalMs: 60_000, reconcilePolicy: { helmTimeoutMs: 60_000, lockTimeoutMs: 1_000, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } } },
    chartIndexTtlMs: 1,
    resyncIntervalMs: 60_000,
    requestPollIntervalMs: 200,
    ...overrides,
  });
  if (helper) {
    // The helper lives as long as the manager: close() ends it (it finishes what is under way).
    const close = manager.close.bind(manager);
    manager.close = () => {
      close();
      void helper.stop();
    };
  }
  return manager;
}
