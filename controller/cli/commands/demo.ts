import { DEFAULT_CONTROLLER_NAMESPACE } from '../../manifest/validation-limits.js';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { pino } from 'pino';
import { loadKubeconfig } from '../../cluster/kubeconfig.js';
import { ClusterextError, ExitError } from '../../errors/clusterext-error.js';
import { locateHelmHelper } from '../../local/helm-helper-binary.js';
import { assertNoRunningFleet, describeFleet, fleetStatePath, writeFleetState } from '../../local/fleet-state.js';
import { renderKubeconfig } from '../../local/kubeconfig.js';
import { startLocalFleet, type LocalFleet } from '../../local/local-fleet.js';
import type { SimulatedNode } from '../../local/workload-controllers.js';
import { projectRoot } from '../../local/project-root.js';
import { toolPath } from '../../local/tool-path.js';
import type { ExtensionSpec, Fleet } from '../../manifest/fleet.js';
import { loadFleetFromDirectory } from '../../manifest/load-fleet.js';
import { expandPolicies } from '../../plan/expand-policies.js';
import type { Condition } from '../../status/condition.js';
import { isCrReady, renderCrTable } from '../../render/render-cr-table.js';
import type { ExtensionStatus } from '../../status/extension-status.js';
import { systemClock } from '../../runtime/clock.js';
import { chooseHelmDriver, DEFAULT_HELM_DRIVER } from '../helm-driver-option.js';
import type { PassSummary } from '../../runtime/controller-manager.js';
import { CrStore, type CustomResource } from '../../runtime/cr-store.js';
import { PROTECTED_SETTINGS_LABEL } from '../../runtime/protected-settings-secret.js';
import { formatDuration, parseDuration } from '../../runtime/duration.js';
import { installCrds } from '../../runtime/install-crds.js';
import { createKubeRest, expectOk, type KubeRest } from '../../runtime/kube-rest.js';
import type { Logger } from '../../runtime/logger.js';
import { REPOSITORY_LABEL } from '../../runtime/mirrored-resources.js';
import type { ExtensionRepositoryStatus } from '../../runtime/repository-status.js';
import type { ExtensionTypeStatus } from '../../runtime/resource-statuses.js';
import { startController, type RunningController } from '../../runtime/start-controller.js';

const DEFAULT_DIR = join(tmpdir(), 'clusterext-demo');
const NAMESPACE = DEFAULT_CONTROLLER_NAMESPACE;
const REPOSITORY = 'fleet';
const GIT_SECRET = 'fleet-git';
/** The chart repository URL samples/fleet is written against (see samples/fleet/README.md). */
const PLACEHOLDER_CHART_URL = 'http://127.0.0.1:8879/charts';
/** Published for every sample chart: a pinned-only old one, the stable newest, a preview. */
const CHART_VERSIONS = ['0.1.0', '0.2.0', '0.3.0-preview.1'];
/** An index entry that is not strict SemVer, so the ignored-version reporting has something to show. */
const INVALID_ENTRY = { chart: 'config-values', version: '1.0.029903' };
const DEFAULT_READY_TIMEOUT = '5m';
const POLL_MS = 2_000;

interface DemoOptions {
  dir: string;
  keep: boolean;
  build: boolean;
  exitWhenReady?: string | true;
  logLevel: string;
}

type ExtensionCr = CustomResource<ExtensionSpec, ExtensionStatus>;

/**
 * `clusterext demo` (what `npm start` runs): the sample fleet of samples/fleet reconciled for real
 * on the embedded local fleet — one local cluster per ConnectedCluster, the sample charts in a
 * loopback chart repository, the fleet pushed to the loopback git server, and the controller
 * following it — until Ctrl-C, or with --exit-when-ready until every Extension is Ready.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the controller on the sample fleet (samples/fleet) on local clusters, with a live status table')
    .option('-d, --dir <dir>', 'folder for kubeconfigs, data, logs and state.json (removed on stop unless --keep)', DEFAULT_DIR)
    .option('--keep', 'keep the folder (logs, kubeconfigs, the controller log) after stopping', false)
    .option('--no-build', 'fail instead of building kube-apiserver and etcd when they are missing')
    .addOption(
      new Option('--exit-when-ready [timeout]', `stop and exit once every Extension is Ready: 0 when all are, 1 with the reasons when the timeout (default ${DEFAULT_READY_TIMEOUT}) passes first`),
    )
    .option('--log-level <level>', 'level of the controller log written to <dir>/controller.log: debug, info, warn or error', 'info')
    .addHelpText(
      'after',
      `
What runs (all on loopback, nothing outside this machine is touched):
  - one real kube-apiserver per ConnectedCluster of samples/fleet (dev-eu, prod-eu, prod-us), all on
    one etcd; the first one (dev-eu) is also the hub, where the controller keeps its CRs in namespace
    ${NAMESPACE}. Each cluster also runs kube-controller-manager, kube-scheduler and KWOK, which
    keeps one simulated Node Ready (labelled with the ConnectedCluster's "arch" label) and "runs"
    the pods scheduled there without containers: Deployments become available and Jobs complete,
    and no image is ever pulled.
  - a Helm chart repository with the charts of samples/charts at versions ${CHART_VERSIONS.join(', ')}, plus an
    invalid index entry ${INVALID_ENTRY.chart} ${INVALID_ENTRY.version} (ignored, and reported on the ExtensionTypes).
  - a git server holding samples/fleet as repository "fleet" (its placeholder chart URL
    ${PLACEHOLDER_CHART_URL} replaced by the local chart repository's address).
  - the controller, following that repository every 30s; push a change and watch it act.

The command prints ready-to-paste kubectl, helm and git commands, then a line per controller pass
and a table of the Extensions whenever it changes. Ctrl-C stops everything and removes the folder.

Examples:
  npm start                                     the same as: clusterext demo
  clusterext demo --exit-when-ready 5m          CI smoke test: exit 0 once all Extensions are Ready
  clusterext demo --keep --dir /tmp/demo        keep logs and kubeconfigs after Ctrl-C
  clusterext local down --dir ${DEFAULT_DIR}    stop a running demo from another shell`,
    )
    .action(async (options: DemoOptions) => {
      await runDemo(options);
    });
}

async function runDemo(options: DemoOptions): Promise<void> {
  const dir = resolve(options.dir);
  const readyTimeoutMs = options.exitWhenReady === undefined ? undefined : parseDuration(options.exitWhenReady === true ? DEFAULT_READY_TIMEOUT : options.exitWhenReady, '--exit-when-ready');
  refuseRunningFleet(dir);
  const sampleDir = join(projectRoot(), 'samples', 'fleet');
  const fleetManifests = await loadSampleFleet(sampleDir);
  const expected = expandPolicies(fleetManifests).instances.length;

  const stop = stopSignal();
  const started = Date.now();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`Starting ${fleetManifests.clusters.length} clusters, a git server and a chart repository in "${dir}"…`);
  const fleet = await startLocalFleet({
    clusters: fleetManifests.clusters.length,
    dir,
    keepDir: options.keep,
    buildMissing: options.build,
    nodes: (localName) => demoNodes(fleetManifests, localName),
    log: (line) => say(`  ${line}`),
  });
  let controller: RunningController | undefined;
  let hub: KubeRest | undefined;
  try {
    const clusters = mapClusters(fleetManifests, fleet);
    say('Publishing the sample charts…');
    await publishSampleCharts(fleet);
    say('Pushing samples/fleet to the git server…');
    const repositoryUrl = await pushSampleFleet(fleet, sampleDir);
    const head = await fleet.git.headOf(REPOSITORY);
    say('Preparing the hub: namespace, Secrets, CRDs, ExtensionRepository…');
    const hubKubeconfig = loadKubeconfig(clusters[0]!.kubeconfig);
    hub = createKubeRest(hubKubeconfig.rest);
    await seedHub(hub, { fleet: fleetManifests, clusters, git: fleet.git.auth });
    await installCrds(hub, join(projectRoot(), 'manifests', 'crds'), systemClock);
    const store = new CrStore(hub, NAMESPACE);
    await store.apply('ExtensionRepository', REPOSITORY, {
      metadata: {},
      spec: { url: repositoryUrl, branch: 'main', path: '.', interval: '30s', secretRef: { name: GIT_SECRET } },
    });
    writeFleetState(describeFleet(fleet, process.pid));
    if (stop.requested()) return;

    const logFile = join(dir, 'controller.log');
    const progress = createProgress(expected);
    // The controller's default helm driver, with the same fallback as `clusterext controller`.
    const helm = chooseHelmDriver({ requested: DEFAULT_HELM_DRIVER, explicit: false, helper: locateHelmHelper() });
    if (helm.driver === 'cli' && helm.fallback) say(helm.fallback);
    controller = await startController({
      hubKubeconfig,
      namespace: NAMESPACE,
      cacheDir: join(dir, 'controller-cache'),
      helmPath: toolPath('helm'),
      ...(helm.driver === 'helper' ? { helmHelperPath: helm.helmHelperPath } : {}),
      helmEnv: helmEnvIn(dir),
      installCrds: false,
      leaderElect: false,
      fleet: {
        // Two cores: a few helm processes at once is what this machine can take.
        concurrency: 4,
        clusterConcurrency: 2,
        maxUninstallShare: 0.5,
        contactIntervalMs: 60_000,
        reconcilePolicy: { pendingTimeoutMs: 10 * 60_000, helmTimeoutMs: 2 * 60_000, retry: { maxRetries: 5, baseDelayMs: 5_000, maxDelayMs: 60_000 } },
      },
      chartIndexTtlMs: 10_000,
      resyncIntervalMs: 10_000,
      logger: demoLogger(pino({ level: options.logLevel, base: { component: 'clusterext' } }, pino.destination({ dest: logFile, sync: true, mkdir: true })), progress),
    });
    process.stdout.write(describeDemo({ fleet, clusters, logFile, keep: options.keep, head, expected }));

    const outcome = await watchUntil({ store, head, expected, progress, stop, readyTimeoutMs, started });
    if (outcome.kind === 'ready') {
      process.stdout.write(`\nAll ${expected} Extensions are Ready after ${seconds(Date.now() - started)} (revision ${head.slice(0, 12)}).\n`);
    }
    say('Stopping the controller and the local fleet…');
    if (outcome.kind === 'timeout') {
      throw new ExitError(1, renderNotReady(outcome.extensions, expected, readyTimeoutMs ?? 0));
    }
  } finally {
    await controller?.stop().catch((err: unknown) => say(`The controller did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`));
    hub?.close();
    await fleet.stop();
    say(options.keep ? `Stopped; no server is left running. The folder "${dir}" was kept.` : 'Stopped; no server is left running.');
  }
}

function refuseRunningFleet(dir: string): void {
  assertNoRunningFleet(dir);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

async function loadSampleFleet(dir: string): Promise<Fleet> {
  const { fleet, diagnostics } = await loadFleetFromDirectory(dir);
  if (!fleet) {
    const first = diagnostics.find((d) => d.severity === 'error');
    throw new ClusterextError(
      'SampleFleetInvalid',
      `The sample fleet "${dir}" does not validate (${diagnostics.length} diagnostic(s)${first ? `, first: ${first.file}:${first.line} ${first.message}` : ''}); run "clusterext validate ${dir}".`,
      { dir },
    );
  }
  return fleet;
}

/** Resolves on SIGINT / SIGTERM; installed before anything starts so a early Ctrl-C still cleans up. */
function stopSignal(): { requested(): boolean; promise: Promise<void> } {
  let requested = false;
  const promise = new Promise<void>((done) => {
    const onSignal = () => {
      requested = true;
      process.stderr.write('\nStop requested (Ctrl-C again quits at once; the servers still end with this process).\n');
      done();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  return { requested: () => requested, promise };
}

interface DemoCluster {
  /** The ConnectedCluster's name in samples/fleet. */
  name: string;
  local: string;
  server: string;
  arch: string;
  /** A kubeconfig whose context is named after the ConnectedCluster. */
  kubeconfig: string;
  kubeconfigPath: string;
  secretRef?: { name: string; key: string };
}

/**
 * The simulated node of local cluster `local-<i>`, labelled with the architecture that the i-th
 * ConnectedCluster's "arch" label asks for (the pairing of mapClusters), so architecture
 * requirements have something real to check and pods something to run on.
 */
function demoNodes(manifests: Fleet, localName: string): SimulatedNode[] {
  const manifest = manifests.clusters[Number(localName.slice(localName.lastIndexOf('-') + 1)) - 1];
  if (!manifest) return [];
  return [{ name: `${manifest.metadata.name}-node-1`, architecture: manifest.metadata.labels.arch ?? 'amd64', os: 'linux' }];
}

/** Pairs each ConnectedCluster (in name order) with a local cluster; the first is the hub. */
function mapClusters(manifests: Fleet, fleet: LocalFleet): DemoCluster[] {
  const dir = join(fleet.dir, 'kubeconfigs');
  mkdirSync(dir, { recursive: true });
  return manifests.clusters.map((manifest, i) => {
    const local = fleet.clusters[i]!;
    const name = manifest.metadata.name;
    const kubeconfig = renderKubeconfig({ name, server: local.server, caPem: local.caPem, token: local.token });
    const kubeconfigPath = join(dir, `${name}.yaml`);
    writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
    return {
      name,
      local: local.name,
      server: local.server,
      arch: manifest.metadata.labels.arch ?? 'amd64',
      kubeconfig,
      kubeconfigPath,
      ...(manifest.spec.kubeconfigSecretRef ? { secretRef: manifest.spec.kubeconfigSecretRef } : {}),
    };
  });
}

async function publishSampleCharts(fleet: LocalFleet): Promise<void> {
  const chartsDir = join(projectRoot(), 'samples', 'charts');
  const charts = readdirSync(chartsDir)
    .filter((name) => existsSync(join(chartsDir, name, 'Chart.yaml')))
    .sort();
  for (const chart of charts) {
    for (const version of CHART_VERSIONS) await fleet.charts.publish(join(chartsDir, chart), { version });
  }
  await fleet.charts.addRawIndexEntry({ name: INVALID_ENTRY.chart, version: INVALID_ENTRY.version });
}

/** A copy of samples/fleet pointed at the local chart repository, pushed as repository "fleet". */
async function pushSampleFleet(fleet: LocalFleet, sampleDir: string): Promise<string> {
  const copy = join(fleet.dir, 'fleet-source');
  cpSync(sampleDir, copy, { recursive: true });
  for (const file of filesUnder(copy)) {
    const text = readFileSync(file, 'utf8');
    if (text.includes(PLACEHOLDER_CHART_URL)) writeFileSync(file, text.split(PLACEHOLDER_CHART_URL).join(fleet.charts.url));
  }
  return fleet.git.createRepository(REPOSITORY, copy);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The namespace and the Secrets the sample fleet refers to: kubeconfigs, protected settings, git credentials. */
async function seedHub(hub: KubeRest, input: { fleet: Fleet; clusters: readonly DemoCluster[]; git: { username: string; password: string } }): Promise<void> {
  await apply(hub, `/api/v1/namespaces/${NAMESPACE}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  const secrets = new Map<string, Record<string, string>>();
  const protectedSecrets = new Set<string>();
  for (const cluster of input.clusters) {
    if (cluster.secretRef) secrets.set(cluster.secretRef.name, { ...secrets.get(cluster.secretRef.name), [cluster.secretRef.key]: cluster.kubeconfig });
  }
  for (const instance of expandPolicies(input.fleet).instances) {
    const ref = instance.spec.configurationProtectedSettingsRef;
    // Harmless demo values; in real life these come from a vault and never from git.
    if (ref) secrets.set(ref.secretName, { clientId: `demo-${instance.name}-client`, clientSecret: 'demo-only-not-a-secret' });
    if (ref) protectedSecrets.add(ref.secretName);
  }
  secrets.set(GIT_SECRET, { username: input.git.username, password: input.git.password });
  for (const [name, data] of secrets) {
    await apply(hub, `/api/v1/namespaces/${NAMESPACE}/secrets/${name}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'clusterext-demo', ...(protectedSecrets.has(name) ? { [PROTECTED_SETTINGS_LABEL]: 'true' } : {}) } },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    });
  }
}

async function apply(kube: KubeRest, path: string, body: { kind: string; metadata: { name: string; [field: string]: unknown }; [field: string]: unknown }): Promise<void> {
  const res = await kube.request({ method: 'PATCH', path: `${path}?fieldManager=clusterext-demo&force=true`, body, contentType: 'application/apply-patch+yaml' });
  expectOk(res, `Applying ${body.kind} "${body.metadata.name}"`);
}

function helmEnvIn(dir: string): Record<string, string> {
  const home = join(dir, 'helm-home');
  return { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
}

/** Pass lines and problems from the controller, printed as they happen; everything else goes to the log file. */
interface Progress {
  onPass(summary: PassSummary): void;
  onProblem(message: string): void;
}

function createProgress(expected: number): Progress {
  let pass = 0;
  const seen = new Set<string>();
  return {
    onPass(summary) {
      pass += 1;
      process.stdout.write(
        `pass ${pass}: ${summary.ready}/${summary.releases || expected} Extensions Ready, ${summary.helmActions} helm action${summary.helmActions === 1 ? '' : 's'}, ${summary.statusWrites} status write${summary.statusWrites === 1 ? '' : 's'}, ${summary.apiRequests} hub API requests\n`,
      );
    },
    onProblem(message) {
      if (seen.has(message)) return;
      seen.add(message);
      process.stdout.write(`  ! ${message}\n`);
    },
  };
}

/**
 * The controller's logger for the demo: everything to the log file, and the pass summaries and
 * warnings to the terminal. Log fields never hold values or credentials (see runtime/logger.ts).
 */
function demoLogger(base: Logger, progress: Progress, bindings: Record<string, unknown> = {}): Logger {
  const where = [bindings.repository, bindings.extension].filter((v) => typeof v === 'string').join(' ');
  const problem = (obj: object, msg?: string) => {
    const err = (obj as { err?: unknown }).err;
    progress.onProblem(`${where ? `${where}: ` : ''}${msg ?? ''}${typeof err === 'string' ? ` (${err})` : ''}`);
  };
  return {
    info(obj, msg) {
      base.info(obj, msg);
      if (msg === 'pass finished') progress.onPass(obj as PassSummary);
    },
    warn(obj, msg) {
      base.warn(obj, msg);
      problem(obj, msg);
    },
    error(obj, msg) {
      base.error(obj, msg);
      problem(obj, msg);
    },
    debug: (obj, msg) => base.debug(obj, msg),
    child: (more) => demoLogger(base.child(more), progress, { ...bindings, ...more }),
  };
}

type WatchOutcome = { kind: 'ready' } | { kind: 'stopped' } | { kind: 'timeout'; extensions: ExtensionCr[] };

/**
 * Polls the hub's CRs and prints the Extension table (and the repository's state, and chart
 * versions the controller ignored) whenever they change. Ends on a stop signal, or with
 * `readyTimeoutMs` once every expected Extension of the pushed revision is Ready or time is up.
 */
async function watchUntil(input: { store: CrStore; head: string; expected: number; progress: Progress; stop: { promise: Promise<void> }; readyTimeoutMs: number | undefined; started: number }): Promise<WatchOutcome> {
  const { store } = input;
  let stopped = false;
  void input.stop.promise.then(() => (stopped = true));
  const deadline = input.readyTimeoutMs === undefined ? undefined : input.started + input.readyTimeoutMs;
  let lastTable = '';
  let lastRepository = '';
  const ignoredShown = new Set<string>();
  let extensions: ExtensionCr[] = [];
  while (!stopped) {
    try {
      extensions = await store.list<ExtensionSpec, ExtensionStatus>('Extension', `${REPOSITORY_LABEL}=${REPOSITORY}`);
      const repository = await store.get<unknown, ExtensionRepositoryStatus>('ExtensionRepository', REPOSITORY);
      const repositoryLine = describeRepository(repository?.status);
      if (repositoryLine !== lastRepository) {
        process.stdout.write(`repository ${REPOSITORY}: ${repositoryLine}\n`);
        lastRepository = repositoryLine;
      }
      // No AGE column: the table is printed again only when something in it changed.
      const table = renderCrTable('Extension', extensions);
      if (extensions.length > 0 && table !== lastTable) {
        process.stdout.write(`\n${table}\n\n`);
        lastTable = table;
      }
      for (const line of await ignoredVersions(store)) {
        if (ignoredShown.has(line)) continue;
        ignoredShown.add(line);
        process.stdout.write(`${line}\n`);
      }
      if (deadline !== undefined && allReady(extensions, input.expected) && repository?.status?.lastAppliedRevision === input.head) return { kind: 'ready' };
    } catch (err) {
      input.progress.onProblem(`reading status from the hub failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (deadline !== undefined && Date.now() > deadline) return { kind: 'timeout', extensions };
    await Promise.race([systemClock.sleep(POLL_MS), input.stop.promise]);
  }
  return { kind: 'stopped' };
}

function describeRepository(status: ExtensionRepositoryStatus | undefined): string {
  const ready = condition(status?.conditions, 'Ready');
  if (!ready) return 'waiting for the first fetch';
  return `Ready ${ready.status} (${ready.reason}) ${ready.message}`;
}

async function ignoredVersions(store: CrStore): Promise<string[]> {
  const types = await store.list<unknown, ExtensionTypeStatus>('ExtensionType', `${REPOSITORY_LABEL}=${REPOSITORY}`);
  const byVersion = new Map<string, Set<string>>();
  for (const type of types) {
    for (const ignored of type.status?.ignoredVersions ?? []) {
      const key = `chart version "${ignored.version}" ignored: ${ignored.reason}`;
      byVersion.set(key, (byVersion.get(key) ?? new Set()).add(type.metadata.name));
    }
  }
  return [...byVersion].map(([line, names]) => `${line} (ExtensionTypes ${[...names].sort().join(', ')})`);
}

function allReady(extensions: readonly ExtensionCr[], expected: number): boolean {
  return extensions.length === expected && extensions.every(isCrReady);
}

function condition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

function renderNotReady(extensions: readonly ExtensionCr[], expected: number, timeoutMs: number): string {
  const notReady = extensions.filter((cr) => !isCrReady(cr));
  const lines = [`Not every Extension became Ready within ${formatDuration(timeoutMs)}: ${extensions.length - notReady.length} of ${expected} are Ready.`];
  if (extensions.length < expected) lines.push(`Only ${extensions.length} of the ${expected} expected Extension CRs exist; see the ExtensionRepository's status.`);
  if (notReady.length > 0) lines.push('', renderCrTable('Extension', notReady, { wide: true }));
  return lines.join('\n');
}

function describeDemo(input: { fleet: LocalFleet; clusters: readonly DemoCluster[]; logFile: string; keep: boolean; head: string; expected: number }): string {
  const { fleet, clusters } = input;
  const kubectl = shortPath(toolPath('kubectl'));
  const helm = shortPath(toolPath('helm'));
  const hub = clusters[0]!;
  const state = fleetStatePath(fleet.dir);
  const repoUrl = new URL(fleet.git.repositoryUrl(REPOSITORY));
  const lines = [
    '',
    `clusterext is running on the sample fleet (${clusters.length} clusters, ${input.expected} Extensions expected):`,
    '',
    ...clusters.map((c, i) => `  cluster ${c.name.padEnd(10)} ${c.server}  arch ${c.arch}${i === 0 ? '  (hub: the controller\'s CRs live here)' : ''}\n    kubeconfig ${c.kubeconfigPath}`),
    '',
    `  git server      ${fleet.git.repositoryUrl(REPOSITORY)}  (revision ${input.head.slice(0, 12)}; user "${fleet.git.auth.username}", password in ${state} under git.password)`,
    `  chart repo      ${fleet.charts.url}  (${CHART_VERSIONS.join(', ')} of each sample chart; ${INVALID_ENTRY.chart} ${INVALID_ENTRY.version} is invalid on purpose)`,
    `  controller      namespace ${NAMESPACE} on ${hub.name}, resync 10s, repository interval 30s; log ${input.logFile}`,
    '',
    'Try:',
    `  ${kubectl} --kubeconfig ${hub.kubeconfigPath} -n ${NAMESPACE} get extensions`,
    `  ${kubectl} --kubeconfig ${hub.kubeconfigPath} -n ${NAMESPACE} get extensionrepositories,extensiontypes,connectedclusters,extensionpolicies`,
    `  ${kubectl} --kubeconfig ${hub.kubeconfigPath} -n ${NAMESPACE} wait --for=condition=Ready extension/prod-eu.monitoring`,
    `  ${helm} --kubeconfig ${clusters[1]?.kubeconfigPath ?? hub.kubeconfigPath} list -A`,
    `  ${kubectl} --kubeconfig ${clusters[clusters.length - 1]!.kubeconfigPath} get nodes,namespaces`,
    `  git clone "http://${fleet.git.auth.username}:$(node -p "require('${state}').git.password")@${repoUrl.host}${repoUrl.pathname}" /tmp/fleet`,
    '    then edit a manifest (say an Extension\'s configurationSettings), commit, git push, and watch the next passes',
    '',
    `Stop with Ctrl-C (or from another shell: clusterext local down --dir ${fleet.dir})${input.keep ? '' : '; the folder is removed then'}.`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** A tool path relative to the working folder when it is inside it (`.tools/bin/kubectl` under npm start). */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

