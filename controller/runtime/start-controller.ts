import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedKubeconfig } from '../cluster/kubeconfig.js';
import { HelmCli } from '../helm/helm-cli.js';
import { removeHelmLeftovers } from '../helm/remove-helm-leftovers.js';
import { createNodeExec, type ProcessCounter } from '../helm/node-exec.js';
import { isProcessAlive } from '../local/is-process-alive.js';
import { projectRoot } from '../local/project-root.js';
import type { ValidationLimits } from '../manifest/validation-limits.js';
import { createHttpChartIndexReader, type ChartIndexLimits } from '../source/chart-index.js';
import { systemClock, type Clock } from './clock.js';
import { ControllerManager } from './controller-manager.js';
import type { FleetSyncOptions } from './fleet-sync.js';
import { startHealthServer } from './health-server.js';
import { startWebhookServer, type WebhookLimits } from './webhook-server.js';
import { installCrds } from './install-crds.js';
import { createKubeRest, type KubeRest } from './kube-rest.js';
import { LeaderElector } from './leader-election.js';
import type { Logger } from './logger.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';

export interface ControllerConfig {
  /**
   * Kubeconfig of the hub (the cluster the controller runs in / records CRs in), reduced to the
   * context in use; in agent mode its text also reaches the agent's own cluster (and helm).
   */
  hubKubeconfig: LoadedKubeconfig;
  namespace: string;
  /** Agent mode. */
  clusterName?: string;
  cacheDir: string;
  helmPath: string;
  helmEnv?: Record<string, string>;
  installCrds: boolean;
  crdDir?: string;
  leaderElect: boolean;
  healthAddr?: string;
  /** Serve POST /hook/<repository> here (push notifications, signed with the repository's webhook token). */
  webhookAddr?: string;
  /** Bounds of the webhook receiver; DEFAULT_WEBHOOK_LIMITS for what is not given. */
  webhookLimits?: Partial<WebhookLimits>;
  fleet: FleetSyncOptions;
  chartIndexTtlMs: number;
  /** Default DEFAULT_CHART_INDEX_LIMITS. */
  chartIndexLimits?: ChartIndexLimits;
  /** Default DEFAULT_VALIDATION_LIMITS; give validate and plan the same. */
  validationLimits?: ValidationLimits;
  resyncIntervalMs: number;
  logger: Logger;
  clock?: Clock;
}

export interface RunningController {
  manager: ControllerManager;
  hub: KubeRest;
  metrics: ControllerMetrics;
  helmProcesses: ProcessCounter;
  /** Base URL of the webhook receiver, when started. */
  webhookUrl?: string;
  /** Resolves when the loop has ended after `stop`. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Wires the real adapters (hub API, helm CLI, git, chart indexes, clock) into a ControllerManager and
 * runs it: CRDs installed, leader elected, passes until stopped. The one place that does so; the
 * `controller` command and `npm start` call it.
 */
export async function startController(config: ControllerConfig): Promise<RunningController> {
  const clock = config.clock ?? systemClock;
  const hub = createKubeRest(config.hubKubeconfig.rest);
  const metrics = createControllerMetrics();
  const { exec, counter } = createNodeExec();
  // A controller killed mid-call (SIGKILL, OOM) cannot remove its helm adapter's private directory.
  const leftovers = await removeHelmLeftovers(tmpdir(), isProcessAlive);
  if (leftovers.length > 0) config.logger.info({ removed: leftovers.length }, 'removed private helm directories left by an earlier controller');
  const helm = new HelmCli({ helmPath: config.helmPath, exec, ...(config.helmEnv ? { env: config.helmEnv } : {}) });
  if (config.installCrds) {
    const names = await installCrds(hub, config.crdDir ?? join(projectRoot(), 'manifests', 'crds'), clock);
    config.logger.info({ crds: names.length }, 'CRDs installed');
  }
  await ensureNamespace(hub, config.namespace);
  const manager = new ControllerManager({
    hub,
    namespace: config.namespace,
    cacheDir: config.cacheDir,
    ...(config.clusterName ? { agent: { clusterName: config.clusterName, kubeconfig: config.hubKubeconfig.text } } : {}),
    helm,
    chartIndex: createHttpChartIndexReader(config.chartIndexLimits ?? {}),
    ...(config.validationLimits ? { validationLimits: config.validationLimits } : {}),
    clock,
    logger: config.logger,
    metrics,
    fleet: config.fleet,
    chartIndexTtlMs: config.chartIndexTtlMs,
    resyncIntervalMs: config.resyncIntervalMs,
  });
  const abort = new AbortController();
  const elector = config.leaderElect
    ? new LeaderElector({ kube: hub, namespace: config.namespace, name: config.clusterName ? `clusterext-agent-${config.clusterName}` : 'clusterext-controller', identity: `${hostname()}-${process.pid}`, leaseDurationMs: 15_000, clock })
    : undefined;
  const health = config.healthAddr ? await startHealthServer({ address: config.healthAddr, registry: metrics.registry, ready: () => manager.ready || (elector !== undefined && !leading) }) : undefined;
  let leading = elector === undefined;
  const webhooks = config.webhookAddr
    ? await startWebhookServer({ address: config.webhookAddr, tokenFor: (name) => manager.webhookToken(name), onPush: (name) => {
          manager.requestSync(name);
          void manager.announceSync(name).catch((err: unknown) => config.logger.warn({ repository: name, err: err instanceof Error ? err.message : String(err) }, 'could not record the webhook on the repository'));
        }, logger: config.logger, ...(config.webhookLimits ? { limits: config.webhookLimits } : {}) })
    : undefined;

  const done = (async () => {
    while (!abort.signal.aborted) {
      if (elector) {
        leading = await elector.tryAcquireOrRenew().catch(() => false);
        if (!leading) {
          await clock.sleep(5_000, abort.signal);
          continue;
        }
        // Renew every third of the lease while passes run; losing the Lease ends this term at once.
        const term = new AbortController();
        const endTerm = () => term.abort();
        abort.signal.addEventListener('abort', endTerm);
        const renew = setInterval(() => {
          void elector.tryAcquireOrRenew().then(
            (ok) => {
              leading = ok;
              if (!ok) endTerm();
            },
            () => {
              leading = false;
              endTerm();
            },
          );
        }, 5_000);
        try {
          await manager.run(term.signal);
        } finally {
          clearInterval(renew);
          abort.signal.removeEventListener('abort', endTerm);
        }
      } else {
        await manager.run(abort.signal);
      }
    }
  })();

  return {
    manager,
    hub,
    metrics,
    helmProcesses: counter,
    ...(webhooks ? { webhookUrl: webhooks.url } : {}),
    done,
    async stop() {
      abort.abort();
      await done;
      await elector?.release().catch(() => undefined);
      await health?.close();
      await webhooks?.close();
      manager.close();
      hub.close();
    },
  };
}

async function ensureNamespace(hub: KubeRest, namespace: string): Promise<void> {
  await hub.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}?fieldManager=clusterext`,
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    contentType: 'application/apply-patch+yaml',
  });
}
