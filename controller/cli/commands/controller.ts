import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadDefaultKubeconfig, loadKubeconfigFile } from '../../cluster/load-kubeconfig-file.js';
import { locateHelmHelper } from '../../local/helm-helper-binary.js';
import { toolPath } from '../../local/tool-path.js';
import { parseDuration } from '../../runtime/duration.js';
import { createLogger } from '../../runtime/logger.js';
import { startController } from '../../runtime/start-controller.js';
import { DEFAULT_FLEET_CONCURRENCY } from '../../runtime/fleet-sync.js';
import { addChartIndexOptions, chartIndexLimitsFrom, type ChartIndexOptionValues } from '../chart-index-options.js';
import { chooseHelmDriver, DEFAULT_HELM_DRIVER } from '../helm-driver-option.js';
import { addValidationLimitOptions, validationLimitsFrom, type ValidationLimitOptionValues } from '../validation-limit-options.js';
import { DEFAULT_WEBHOOK_LIMITS } from '../../runtime/webhook-server.js';
import { DEFAULT_CONTROLLER_NAMESPACE } from '../../manifest/validation-limits.js';

interface ControllerOptions extends ValidationLimitOptionValues, ChartIndexOptionValues {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  clusterName?: string;
  concurrency: number;
  clusterConcurrency: number;
  maxUninstallShare: number;
  pendingTimeout: string;
  resyncInterval: string;
  driftInterval: string;
  chartIndexTtl: string;
  maxRetries: number;
  helmTimeout: string;
  helmDriver: string;
  stuckReleaseTimeout: string;
  installCrds: boolean;
  leaderElect: boolean;
  shards: 'off' | 'auto';
  leaseDuration: string;
  drainTimeout: string;
  healthAddr?: string;
  webhookAddr?: string;
  webhookMaxBodyBytes: number;
  webhookRequestTimeout: string;
  webhookMaxConnections: number;
  webhookReplayWindow: string;
  cacheDir: string;
  logLevel: string;
}

/**
 * `clusterext controller`: the long-running reconciler (DESIGN.md §3), in hub or agent mode.
 * Stops on SIGINT / SIGTERM with a bounded drain: no new helm operation starts, those running get
 * up to --drain-timeout and are then cancelled, and the Lease is released.
 */
export function registerControllerCommand(program: Command): void {
  const command = program
    .command('controller')
    .description('run the controller: follow ExtensionRepositories, reconcile every cluster\'s Helm releases, record status')
    .option('--kubeconfig <path>', 'kubeconfig of the hub cluster (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'context of the kubeconfig to use')
    .option('-n, --namespace <ns>', 'namespace of the ExtensionRepositories and Secrets (kubeconfigs, protected settings, git credentials); give validate and plan the same as --controller-namespace', DEFAULT_CONTROLLER_NAMESPACE)
    .option('--cluster-name <name>', 'agent mode: act only on this cluster (the one the kubeconfig points at); no credentials for other clusters needed')
    .option('--concurrency <n>', 'helm operations at once across all clusters (each holds its slot while helm waits for the rollout)', positiveInt, DEFAULT_FLEET_CONCURRENCY.concurrency)
    .option('--cluster-concurrency <n>', 'helm operations at once on one cluster: one commit\'s changes to up to this many Extensions of a cluster roll out together, not in waves', positiveInt, DEFAULT_FLEET_CONCURRENCY.clusterConcurrency)
    .option('--max-uninstall-share <fraction>', 'blast-radius guard: the largest share of releases one revision may uninstall at once (0-1)', share, 0.5)
    .option('--pending-timeout <duration>', 'how long an Extension on an unreachable cluster stays Pending before it is Failed', '48h')
    .option('--resync-interval <duration>', 'the longest time between two passes over every release', '1m')
    .option('--drift-interval <duration>', 'time between two drift checks of one Extension (driftDetection warn or enabled; Ready releases only); the requested-at annotation forces one', '5m')
    .option('--chart-index-ttl <duration>', 'how long chart repository indexes are reused before they are read again', '1m')
    .option('--max-retries <n>', 'failed attempts of one configuration before the Extension is Stalled', positiveInt, 5)
    .addOption(
      new Option(
        '--helm-driver <driver>',
        'how helm operations run: "helper" (one long-lived Helm 4 SDK process, clusterext-helm-helper; when it is not built and no driver is given, the controller warns and runs with "cli") or "cli" (one helm process per operation)',
      )
        .default(DEFAULT_HELM_DRIVER)
        .env('CLUSTEREXT_HELM_DRIVER'),
    )
    .option('--helm-timeout <duration>', "helm's --timeout for each install, upgrade, rollback and uninstall", '5m')
    .option('--stuck-release-timeout <duration>', 'a release left pending-install/upgrade/rollback this long (e.g. by a killed controller) is recovered; keep it above --helm-timeout', '10m')
    .option('--no-install-crds', 'do not install or update the clusterext CRDs at start')
    .option('--leader-elect', 'take part in leader election on a Lease, so only one replica acts', false)
    .option('--shards <mode>', 'auto: several hub replicas share the ConnectedClusters, each reconciling the clusters it holds a claim Lease of (rebalanced when a replica comes or goes); off: one replica acts (with --leader-elect)', shardsMode, 'off')
    .option('--lease-duration <duration>', 'leader election and shards: a Lease (leader, replica, cluster claim) not renewed for this long is taken over', '15s')
    .option('--drain-timeout <duration>', 'on SIGTERM, how long running helm operations may take to finish before they are cancelled (helm marks them failed; the next leader remediates); keep it below the pod\'s terminationGracePeriodSeconds', '60s')
    .option('--health-addr <host:port>', 'serve /healthz, /readyz and /metrics here, e.g. :8081')
    .option('--metrics-addr <host:port>', 'alias of --health-addr (one server serves both)')
    .option('--webhook-addr <host:port>', 'receive push webhooks at POST /hook/<repository>, e.g. :9292 (GitHub/Gitea signature, GitLab token or bearer token from the Secret in spec.webhookSecretRef, key "token")')
    .option('--webhook-max-body-bytes <n>', 'a webhook request with a larger body is refused (413) before or while it is read', positiveInt, DEFAULT_WEBHOOK_LIMITS.maxBodyBytes)
    .option('--webhook-request-timeout <duration>', 'a webhook request whose headers and body have not arrived within this time is refused and closed', `${DEFAULT_WEBHOOK_LIMITS.requestTimeoutMs / 1000}s`)
    .option('--webhook-max-connections <n>', 'webhook connections beyond this many at once are closed at once', positiveInt, DEFAULT_WEBHOOK_LIMITS.maxConnections)
    .option('--webhook-replay-window <duration>', 'an accepted webhook delivery id is refused when it comes again within this time', `${DEFAULT_WEBHOOK_LIMITS.replayWindowMs / 60_000}m`)
    .option('--cache-dir <dir>', 'where fetched git repositories are kept', join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clusterext', 'controller'))
    .option('--log-level <level>', 'debug, info, warn or error', 'info');
  addChartIndexOptions(addValidationLimitOptions(command))
    .addHelpText(
      'after',
      `
Hub mode (default): one controller reaches every ConnectedCluster through the kubeconfig in the Secret
its spec.kubeconfigSecretRef names. Agent mode (--cluster-name): one controller per cluster, acting on
its own cluster only.

Helm operations run in one long-lived clusterext-helm-helper process (the Helm 4 SDK) by default.
"npm run testbed:prepare" builds it into the cache; the image ships it ($CLUSTEREXT_HELM_HELPER).
When it is missing and no driver was asked for, the controller logs one warning and runs one helm
process per operation (--helm-driver cli); an explicit --helm-driver helper without it is an error.

Start following a repository by creating an ExtensionRepository in the namespace:
  kubectl -n clusterext-system create secret generic fleet-git --from-literal=username=… --from-literal=password=…
  kubectl apply -f - <<EOF
  apiVersion: clusterext.io/v1alpha1
  kind: ExtensionRepository
  metadata: {name: fleet, namespace: clusterext-system}
  spec: {url: https://git.example.com/platform/fleet.git, branch: main, path: fleet, interval: 1m, secretRef: {name: fleet-git}}
  EOF
  kubectl -n clusterext-system get extensions
  kubectl -n clusterext-system wait --for=condition=Ready extension/prod-eu.monitoring

Examples:
  clusterext controller --kubeconfig hub.yaml
  clusterext controller --cluster-name prod-eu --leader-elect --health-addr :8081
  clusterext controller --shards auto --health-addr :8081     # in each of several hub replicas`,
    )
    .action(async (options: ControllerOptions & { metricsAddr?: string }, cmd: Command) => {
      const logger = createLogger({ level: options.logLevel });
      // Given on the command line or in $CLUSTEREXT_HELM_DRIVER: a missing helper is then an error.
      const helm = chooseHelmDriver({ requested: options.helmDriver, explicit: cmd.getOptionValueSource('helmDriver') !== 'default', helper: locateHelmHelper() });
      if (helm.driver === 'cli' && helm.fallback) logger.warn({ helmDriver: 'cli' }, helm.fallback);
      const context = options.context !== undefined ? { context: options.context } : {};
      const hubKubeconfig = options.kubeconfig ? loadKubeconfigFile(options.kubeconfig, context) : loadDefaultKubeconfig(context);
      const pendingTimeoutMs = parseDuration(options.pendingTimeout, '--pending-timeout');
      const healthAddr = options.healthAddr ?? options.metricsAddr;
      const running = await startController({
        hubKubeconfig,
        namespace: options.namespace,
        ...(options.clusterName ? { clusterName: options.clusterName } : {}),
        cacheDir: options.cacheDir,
        helmPath: toolPath('helm'),
        ...(helm.driver === 'helper' ? { helmHelperPath: helm.helmHelperPath } : {}),
        installCrds: options.installCrds,
        leaderElect: options.leaderElect,
        shards: options.shards === 'auto',
        ...(healthAddr ? { healthAddr } : {}),
        ...(options.webhookAddr ? { webhookAddr: options.webhookAddr } : {}),
        webhookLimits: {
          maxBodyBytes: options.webhookMaxBodyBytes,
          requestTimeoutMs: parseDuration(options.webhookRequestTimeout, '--webhook-request-timeout'),
          maxConnections: options.webhookMaxConnections,
          replayWindowMs: parseDuration(options.webhookReplayWindow, '--webhook-replay-window'),
        },
        fleet: {
          concurrency: options.concurrency,
          clusterConcurrency: options.clusterConcurrency,
          maxUninstallShare: options.maxUninstallShare,
          contactIntervalMs: 5 * 60_000,
          driftIntervalMs: parseDuration(options.driftInterval, '--drift-interval'),
          reconcilePolicy: {
            pendingTimeoutMs,
            helmTimeoutMs: parseDuration(options.helmTimeout, '--helm-timeout'),
            lockTimeoutMs: parseDuration(options.stuckReleaseTimeout, '--stuck-release-timeout'),
            retry: { maxRetries: options.maxRetries, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000 },
          },
        },
        chartIndexTtlMs: parseDuration(options.chartIndexTtl, '--chart-index-ttl'),
        chartIndexLimits: chartIndexLimitsFrom(options),
        validationLimits: validationLimitsFrom({ ...options, controllerNamespace: options.namespace }),
        resyncIntervalMs: parseDuration(options.resyncInterval, '--resync-interval'),
        leaseDurationMs: parseDuration(options.leaseDuration, '--lease-duration'),
        drainTimeoutMs: parseDuration(options.drainTimeout, '--drain-timeout'),
        logger,
      });
      logger.info({ namespace: options.namespace, helmDriver: helm.driver, mode: options.clusterName ? `agent:${options.clusterName}` : options.shards === 'auto' ? 'hub:shards' : 'hub' }, 'controller started');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      logger.info({}, 'stopping');
      await running.stop();
    });
}

function shardsMode(value: string): 'off' | 'auto' {
  if (value !== 'off' && value !== 'auto') throw new InvalidArgumentError('give auto (replicas share the clusters) or off (one replica acts).');
  return value;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number of 1 or more.');
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('give a fraction from 0 to 1, e.g. 0.5.');
  return n;
}
