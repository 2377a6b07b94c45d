console.error(`TRACE ${new Date().toISOString()} process start`);
import { readFileSync } from 'node:fs';
import { loadKubeconfig } from '../../controller/cluster/kubeconfig.js';
import type { FleetSyncOptions } from '../../controller/runtime/fleet-sync.js';
import { createLogger } from '../../controller/runtime/logger.js';
import { startController } from '../../controller/runtime/start-controller.js';

/**
 * The clusterext controller as `clusterext controller` runs it (startController: its own passes at
 * the resync interval, repository intervals, webhooks), alone in a process so the `flux` bench
 * section can measure it and the helm processes it starts as one process tree, exactly as it
 * measures Flux's controllers. What the command does not expose (helm's wait strategy) comes from
 * the input file: `node clusterext-controller-process.js <input.json>`. Stops on SIGTERM.
 */
export interface ControllerProcessInput {
  hubKubeconfig: string;
  namespace: string;
  cacheDir: string;
  helmPath: string;
  /** Run helm operations in the helm helper (the image's default driver) instead of helm processes. */
  helmHelperPath?: string;
  helmEnv: Record<string, string>;
  fleet: FleetSyncOptions;
  chartIndexTtlMs: number;
  resyncIntervalMs: number;
  /** host:port of the push webhook server, when the bench pushes commits through it. */
  webhookAddr?: string;
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ControllerProcessInput;
const logger = createLogger({ level: process.env.CLUSTEREXT_BENCH_LOG_LEVEL ?? 'warn' });
const running = await startController({
  hubKubeconfig: loadKubeconfig(input.hubKubeconfig),
  namespace: input.namespace,
  cacheDir: input.cacheDir,
  helmPath: input.helmPath,
  ...(input.helmHelperPath ? { helmHelperPath: input.helmHelperPath } : {}),
  helmEnv: input.helmEnv,
  installCrds: false,
  leaderElect: false,
  fleet: input.fleet,
  chartIndexTtlMs: input.chartIndexTtlMs,
  resyncIntervalMs: input.resyncIntervalMs,
  ...(input.webhookAddr ? { webhookAddr: input.webhookAddr } : {}),
  logger,
});
await new Promise<void>((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});
await running.stop();
process.exit(0);
