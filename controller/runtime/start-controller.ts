import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedKubeconfig } from '../cluster/kubeconfig.js';
import { HelmCli } from '../helm/helm-cli.js';
import { HelmHelper } from '../helm/helm-helper.js';
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
import { ShardCoordinator } from '../shard/shard-coordinator.js';
import { ClusterextError } from '../errors/clusterext-error.js';
import { CrStore } from './cr-store.js';
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
  /**
   * The clusterext-helm-helper binary: when given, helm operations run in that one long-lived
   * process (Helm 4 SDK) instead of one helm process each (issue 12).
   */
  helmHelperPath?: string;
  helmEnv?: Record<string, string>;
  installCrds: boolean;
  crdDir?: string;
  leaderElect: boolean;
  /**
   * Several hub replicas share the ConnectedClusters (`--shards auto`): each reconciles the clusters
   * it holds the claim Lease of; the holder of the controller Lease also mirrors the repositories.
   * Hub mode only. Supersedes leaderElect.
   */
  shards?: boolean;
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
  /** Lease duration of leader election (default 15 s); renewed every fifth, given up after two thirds unrenewed. */
  leaseDurationMs?: number;
  /**
   * On stop, how long helm operations already running may take to finish (default 60 s); then they
   * are cancelled (helm marks them failed; the next leader remediates). Keep it below the pod's
   * terminationGracePeriodSeconds.
   */
  drainTimeoutMs?: number;
  logger: Logger;
  clock?: Clock;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 60_000;
/** After cancelling helm on a drain timeout: how long it gets to record the release failed. */
const CANCEL_GRACE_MS = 10_000;

export interface RunningController {
  manager: ControllerManager;
  hub: KubeRest;
  metrics: ControllerMetrics;
  helmProcesses: ProcessCounter;
  /** With shards: this replica's share (owned clusters, writer or not). */
  shard?: ShardCoordinator;
  /** Base URL of the webhook receiver, when started. */
  webhookUrl?: string;
  /** Resolves when the loop has ended after `stop`. */
  done: Promise<void>;
  /**
   * A bounded drain: no new helm operation starts; those running get up to the drain timeout,
   * then are cancelled; then the Lease is given up. Resolves within about drainTimeout + 15 s.
   */
  stop(): Promise<void>;
}

/**
 * Wires the real adapters (hub API, helm CLI, git, chart indexes, clock) into a ControllerManager and
 * runs it: CRDs installed, leader elected, passes until stopped. The one place that does so; the
 * `controller` command and `npm start` call it.
 */
export async function startController(config: ControllerConfig): Promise<RunningController> {
  const clock = config.clock ?? systemClock;
  if (config.shards && config.clusterName) {
    throw new ClusterextError('ShardsInAgentMode', `Sharding (--shards auto) shares a hub's clusters among its replicas; an agent (--cluster-name "${config.clusterName}") acts on its own cluster only. Leave out one of the two.`);
  }
  const hub = createKubeRest(config.hubKubeconfig.rest);
  const metrics = createControllerMetrics();
  const { exec, counter, terminateAll } = createNodeExec();
  // A controller killed mid-call (SIGKILL, OOM) cannot remove its helm adapter's private directory.
  const leftovers = await removeHelmLeftovers(tmpdir(), isProcessAlive);
  if (leftovers.length > 0) config.logger.info({ removed: leftovers.length }, 'removed private helm directories left by an earlier controller');
  const helper = config.helmHelperPath ? new HelmHelper({ helperPath: config.helmHelperPath, ...(config.helmEnv ? { env: config.helmEnv } : {}) }) : undefined;
  const helm = helper ?? new HelmCli({ helmPath: config.helmPath, exec, ...(config.helmEnv ? { env: config.helmEnv } : {}) });
  const helmProcesses: ProcessCounter = helper ? { get spawned() { return helper.spawned; } } : counter;
  if (config.installCrds) {
    const names = await installCrds(hub, config.crdDir ?? join(projectRoot(), 'manifests', 'crds'), clock);
    config.logger.info({ crds: names.length }, 'CRDs installed');
  }
  await ensureNamespace(hub, config.namespace);
  const identity = `${hostname()}-${process.pid}`;
  const leaseDurationMs = config.leaseDurationMs ?? 15_000;
  const clusterStore = new CrStore(hub, config.namespace);
  const coordinator = config.shards
    ? new ShardCoordinator({
        kube: hub,
        namespace: config.namespace,
        identity,
        leaseDurationMs,
        clock,
        logger: config.logger,
        metrics,
        listClusters: async () => (await clusterStore.list('ConnectedCluster')).map((c) => c.metadata.name),
        onGained: () => manager.wakeUp(),
      })
    : undefined;
  const manager: ControllerManager = new ControllerManager({
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
    ...(coordinator ? { shard: coordinator } : {}),
  });
  const abort = new AbortController();
  const elector =
    config.leaderElect && !coordinator
      ? new LeaderElector({ kube: hub, namespace: config.namespace, name: config.clusterName ? `clusterext-agent-${config.clusterName}` : 'clusterext-controller', identity, leaseDurationMs, clock })
      : undefined;
  coordinator?.start();
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
          await clock.sleep(Math.max(200, Math.floor(leaseDurationMs / 5)), abort.signal);
          continue;
        }
        config.logger.info({}, 'acquired the Lease; acting');
        // Renew every fifth of the lease while passes run; a failed renewal ends this term at once.
        // A renewal that does not come back in time counts as lost too (client-go's renew
        // deadline): before each helm operation the last successful renewal must be younger than
        // two thirds of the lease, so a paused or partitioned leader never starts one after another
        // replica may have taken over.
        const term = new AbortController();
        const endTerm = () => term.abort();
        abort.signal.addEventListener('abort', endTerm);
        let renewedAt = clock.now();
        const renewDeadlineMs = Math.floor((leaseDurationMs * 2) / 3);
        const holdsLease = () => leading && clock.now() - renewedAt < renewDeadlineMs;
        const renew = setInterval(() => {
          if (!holdsLease()) {
            leading = false;
            endTerm();
            return;
          }
          void elector.tryAcquireOrRenew().then(
            (ok) => {
              if (ok) renewedAt = clock.now();
              else {
                leading = false;
                endTerm();
              }
            },
            () => undefined,
          );
        }, Math.max(200, Math.floor(leaseDurationMs / 5)));
        try {
          await manager.run(term.signal, holdsLease);
        } finally {
          clearInterval(renew);
          abort.signal.removeEventListener('abort', endTerm);
        }
        if (!abort.signal.aborted) config.logger.warn({}, 'lost the Lease; standing by');
      } else {
        await manager.run(abort.signal);
      }
    }
  })();

  return {
    manager,
    hub,
    metrics,
    helmProcesses,
    ...(coordinator ? { shard: coordinator } : {}),
    ...(webhooks ? { webhookUrl: webhooks.url } : {}),
    done,
    async stop() {
      abort.abort();
      // Idle clusters are given up at once, so other replicas take them over while this one drains.
      coordinator?.beginStop();
      const drainTimeoutMs = config.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      if (!(await settlesWithin(done, drainTimeoutMs))) {
        config.logger.warn({ drainTimeoutMs }, 'helm operations still running after the drain timeout; cancelling them');
        terminateAll();
        // The helper cancels its operations on SIGTERM (helm records them failed) and then exits.
        helper?.close('SIGTERM');
        await settlesWithin(done, CANCEL_GRACE_MS);
      }
      await elector?.release().catch(() => undefined);
      await coordinator?.close();
      await health?.close();
      await webhooks?.close();
      manager.close();
      await helper?.stop();
      hub.close();
    },
  };
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function ensureNamespace(hub: KubeRest, namespace: string): Promise<void> {
  await hub.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}?fieldManager=clusterext`,
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    contentType: 'application/apply-patch+yaml',
  });
}
