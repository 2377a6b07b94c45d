import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKubeClient, type KubeRest } from '../../../controller/cluster/kube-client.js';
import { ensureFluxControllers, type FluxControllers } from '../../../controller/local/flux-controllers.js';
import { freePort } from '../../../controller/local/free-port.js';
import { startLocalFleet, type LocalFleet } from '../../../controller/local/local-fleet.js';
import { logTail } from '../../../controller/local/log-tail.js';
import { sampleChartPath } from '../../../controller/local/sample-chart-path.js';
import { startSupervisedProcess, type SupervisedProcess } from '../../../controller/local/supervised-process.js';
import { ensureHelmHelper } from '../../../controller/local/helm-helper-binary.js';
import { toolPath } from '../../../controller/local/tool-path.js';
import { systemClock } from '../../../controller/runtime/clock.js';
import { expectOk } from '../../../controller/runtime/kube-rest.js';
import { installCrds } from '../../../controller/runtime/install-crds.js';
import type { ReconcilePolicy } from '../../../controller/reconcile/reconcile-release.js';
import type { ControllerProcessInput } from '../clusterext-controller-process.js';
import { median, type BenchSection, type Figure } from '../figure.js';
import { sampleProcessTree, snapshotProcessTree, statusMiB } from '../process-tree.js';
import { apiserverRequestTotal, generateFleetFiles, prepareFleet } from './controller.js';

/**
 * `npm run bench flux` (opt-in, never in a plain `npm run bench`, `npm test` or CI): clusterext
 * next to its peer, Flux (source-controller + helm-controller, built from the Go module proxy), on
 * the same local cluster set-up, the same chart (config-values from the local chart repository),
 * the same N releases (one per namespace) and the same helm concurrency (4). The two sides run in
 * turn, each on a fresh cluster, at least two runs each; every figure is the median of a side's
 * runs, and the ratio is clusterext's over Flux's.
 *
 * Per run: the objects are created first (Flux: a HelmRepository and N HelmReleases; clusterext: a
 * git repository of N Extensions and an ExtensionRepository), then the controllers start; "time to
 * all Ready" runs from their start until every HelmRelease / Extension is Ready. CPU is the
 * controllers' process tree (for clusterext the helm processes it starts; Flux runs Helm in
 * process), from /proc. Then 15 s to settle and 2 minutes of rest, measured the same way.
 * apiserver requests are the kube-apiserver's own count (apiserver_request_total), less the
 * bench's own reads and less the idle cluster's rate (kube-controller-manager, scheduler, KWOK)
 * measured before the controllers start.
 *
 * After the install (unless BENCH_FLUX_UPGRADE=0), 15 s to settle, then one value of every release
 * changes — Flux: the bench patches each HelmRelease; clusterext: one git commit announced by a
 * signed push webhook — and the same figures are taken until every release is Ready at its new
 * generation.
 *
 * BENCH_FLUX_SCENARIOS=1x100,1x1000,4x100 (clusters x releases per cluster; with several clusters
 * Flux reaches each through a kubeconfig Secret, clusterext through its ConnectedClusters),
 * BENCH_FLUX_RELEASES=100 (one cluster, N releases; when SCENARIOS is not set), BENCH_FLUX_RUNS=2
 * (runs per side), BENCH_FLUX_WAIT=1 (helm waits for the workloads on both sides; default off on
 * both), BENCH_FLUX_REST_SECONDS=120 (0: no rest window), BENCH_FLUX_HELM_DRIVER=helper
 * (clusterext's helm driver, as the image runs it; `cli` for one helm
 * process per operation).
 */
const NS = 'clusterext-system';
const FLUX_NS = 'flux-bench';
const HELM_CONCURRENCY = 4;
const SETTLE_MS = 15_000;
const IDLE_BASELINE_MS = 20_000;
/** How often the bench reads the HelmReleases / Extensions for Ready: fine enough next to runs of seconds, coarser for lists of hundreds. */
const pollMsFor = (releases: number) => (releases > 300 ? 1_000 : 500);
const READY_LIMIT_MS = 20 * 60_000;

type Side = 'flux' | 'clusterext';

interface Settings {
  /** Clusters the releases go to (the first is also the one the controllers run against). */
  clusters: number;
  perCluster: number;
  /** clusters × perCluster. */
  releases: number;
  runs: number;
  wait: boolean;
  restMs: number;
  /** After the install: change one value of every release and measure until all are Ready again. */
  upgrade: boolean;
  /** clusterext's helm helper binary; absent: the helm CLI. */
  helmHelperPath?: string;
}

interface Window {
  wallMs: number;
  cpuMs: number;
  peakTreeRssMiB: number;
  /** Served by the apiserver in the window, less the bench's own requests. */
  apiserverRequests: number;
  /** The same less the idle cluster's rate over the window. */
  netApiserverRequests: number;
}

interface RunResult {
  side: Side;
  install: Window;
  /** Absent when BENCH_FLUX_REST_SECONDS=0. */
  rest?: Window;
  /** Every release upgraded with a new value (absent when BENCH_FLUX_UPGRADE=0). */
  upgrade?: Window;
  /** The kernel's peak RSS (VmHWM) of each controller process, summed. */
  controllersPeakRssMiB: number;
}

const section: BenchSection = {
  name: 'flux',
  optIn: true,
  async run(): Promise<Figure[]> {
    const common = {
      runs: Math.max(2, positive(process.env.BENCH_FLUX_RUNS, 2)),
      wait: process.env.BENCH_FLUX_WAIT === '1',
      upgrade: process.env.BENCH_FLUX_UPGRADE !== '0',
      restMs: nonNegative(process.env.BENCH_FLUX_REST_SECONDS, 120) * 1000,
      ...(process.env.BENCH_FLUX_HELM_DRIVER === 'cli' ? {} : { helmHelperPath: (await ensureHelmHelper({ build: true }))?.path }),
    };
    const flux = await ensureFluxControllers({ log: (line) => process.stderr.write(`  [flux] ${line}\n`) });
    const figures: Figure[] = [];
    for (const { clusters, perCluster } of scenariosOf(process.env)) {
      const settings: Settings = { ...common, clusters, perCluster, releases: clusters * perCluster };
      const results: RunResult[] = [];
      // Alternating, so a change in the machine's load (other users) falls on both sides alike.
      for (let run = 0; run < settings.runs; run++) {
        for (const side of (run % 2 === 0 ? ['flux', 'clusterext'] : ['clusterext', 'flux']) as Side[]) {
          process.stderr.write(`  [flux] ${scenarioLabel(settings)}, run ${run + 1}/${settings.runs}: ${side}, waits ${settings.wait ? 'on' : 'off'}\n`);
          const result = await runOnce(side, settings, flux);
          process.stderr.write(`  [flux] ${side}: all Ready in ${(result.install.wallMs / 1000).toFixed(1)} s, CPU ${(result.install.cpuMs / 1000).toFixed(1)} s\n`);
          if (result.upgrade) process.stderr.write(`  [flux] ${side}: all upgraded in ${(result.upgrade.wallMs / 1000).toFixed(1)} s, CPU ${(result.upgrade.cpuMs / 1000).toFixed(1)} s\n`);
          results.push(result);
        }
      }
      figures.push(...comparisonFigures(results, settings));
    }
    return figures;
  },
};
export default section;

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

function nonNegative(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/**
 * BENCH_FLUX_SCENARIOS, e.g. `1x100,1x1000,4x100` (clusters x releases per cluster); without it one
 * cluster with BENCH_FLUX_RELEASES (100) releases.
 */
function scenariosOf(env: NodeJS.ProcessEnv): { clusters: number; perCluster: number }[] {
  const text = env.BENCH_FLUX_SCENARIOS ?? `1x${positive(env.BENCH_FLUX_RELEASES, 100)}`;
  return text.split(',').map((item) => {
    const m = /^(\d+)x(\d+)$/.exec(item.trim());
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`BENCH_FLUX_SCENARIOS: "${item}" is not CLUSTERSxRELEASES (e.g. 4x100).`);
    return { clusters: Number(m[1]), perCluster: Number(m[2]) };
  });
}

function scenarioLabel(s: Pick<Settings, 'clusters' | 'perCluster'>): string {
  return s.clusters === 1 ? `${s.perCluster} releases on 1 cluster` : `${s.clusters} clusters x ${s.perCluster}`;
}

async function runOnce(side: Side, settings: Settings, flux: FluxControllers): Promise<RunResult> {
  const fleet = await startLocalFleet({ clusters: settings.clusters, realWorldCharts: false });
  const kube = createKubeClient(fleet.clusters[0]!.kubeconfig);
  const processes: SupervisedProcess[] = [];
  let benchRequests = 0;
  const served = async () => {
    benchRequests += fleet.clusters.length; // the /metrics reads themselves, one per cluster
    return apiserverRequestTotal(fleet);
  };
  try {
    if (side === 'flux') await prepareFlux(fleet, kube, settings, flux);
    else await prepareFleet(fleet, kube, settings.perCluster, { webhookToken: WEBHOOK_TOKEN });
    const webhookAddr = `127.0.0.1:${await freePort()}`;

    const idleStart = await served();
    await sleep(IDLE_BASELINE_MS);
    const idlePerMs = ((await served()) - idleStart - 1) / IDLE_BASELINE_MS;

    const startBench = benchRequests;
    const before = await served();
    const started = performance.now();
    if (side === 'flux') processes.push(...(await startFlux(fleet, flux)));
    else processes.push(await startClusterext(fleet, settings, webhookAddr));
    const roots = processes.map((p) => serverPid(p));
    const sampler = sampleProcessTree(roots);
    try {
      const readyCount = side === 'flux' ? () => readyHelmReleases(kube) : () => readyExtensions(kube);
      for (;;) {
        benchRequests += 1;
        const ready = await readyCount();
        if (ready >= settings.releases) break;
        const exited = processes.find((p) => p.hasExited());
        if (exited) throw new Error(`A ${side} controller exited before all releases were Ready (${ready} of ${settings.releases}).`);
        if (performance.now() - started > READY_LIMIT_MS) throw new Error(`${side}: only ${ready} of ${settings.releases} releases were Ready after ${READY_LIMIT_MS / 60_000} minutes.`);
        await sleep(pollMsFor(settings.releases));
      }
      const wallMs = performance.now() - started;
      const atReady = snapshotProcessTree(roots);
      const afterInstall = await served();
      const ownInstall = benchRequests - startBench;
      const install: Window = {
        wallMs,
        cpuMs: atReady.cpuMs,
        peakTreeRssMiB: sampler.peakRssMiB(),
        apiserverRequests: afterInstall - before - ownInstall,
        netApiserverRequests: afterInstall - before - ownInstall - idlePerMs * wallMs,
      };

      /** `during` as one window: wall time, the tree's CPU and peak RSS, apiserver requests less the bench's own and less the idle rate. */
      const measureWindow = async (during: () => Promise<void>): Promise<Window> => {
        const startOwn = benchRequests;
        const servedBefore = await served();
        const cpuBefore = snapshotProcessTree(roots).cpuMs;
        sampler.resetPeak();
        const windowStarted = performance.now();
        await during();
        const windowMs = performance.now() - windowStarted;
        const cpuAfter = snapshotProcessTree(roots).cpuMs;
        const servedAfter = await served();
        const own = benchRequests - startOwn;
        return {
          wallMs: windowMs,
          cpuMs: cpuAfter - cpuBefore,
          peakTreeRssMiB: sampler.peakRssMiB(),
          apiserverRequests: servedAfter - servedBefore - own,
          netApiserverRequests: servedAfter - servedBefore - own - idlePerMs * windowMs,
        };
      };

      let upgrade: Window | undefined;
      if (settings.upgrade) {
        await sleep(SETTLE_MS);
        // Every release's generation now: an upgraded one is Ready at a later generation.
        const generations = side === 'flux' ? await generationsOf(kube, HELM_RELEASES) : await generationsOf(kube, EXTENSIONS);
        benchRequests += 1;
        upgrade = await measureWindow(async () => {
          const upgradeStarted = performance.now();
          // What a user does: Flux's HelmReleases are edited in place (one patch each, by the bench);
          // clusterext's come from one git commit, brought in by a signed push webhook.
          if (side === 'flux') benchRequests += await patchHelmReleaseValues(kube, [...generations.keys()], 'upgraded');
          else await pushUpgrade(fleet, settings, `http://${webhookAddr}`);
          for (;;) {
            benchRequests += 1;
            const upgraded = await upgradedCount(kube, side === 'flux' ? HELM_RELEASES : EXTENSIONS, generations);
            if (upgraded >= settings.releases) break;
            if (processes.some((p) => p.hasExited())) throw new Error(`A ${side} controller exited before all releases were upgraded (${upgraded} of ${settings.releases}).`);
            if (performance.now() - upgradeStarted > READY_LIMIT_MS) throw new Error(`${side}: only ${upgraded} of ${settings.releases} releases were upgraded after ${READY_LIMIT_MS / 60_000} minutes.`);
            await sleep(pollMsFor(settings.releases));
          }
        });
      }

      let rest: Window | undefined;
      if (settings.restMs > 0) {
        await sleep(SETTLE_MS);
        rest = await measureWindow(() => sleep(settings.restMs));
      }
      const controllersPeakRssMiB = roots.reduce((sum, pid) => sum + statusMiB(pid, 'VmHWM'), 0);
      return { side, install, ...(upgrade ? { upgrade } : {}), ...(rest ? { rest } : {}), controllersPeakRssMiB };
    } finally {
      sampler.stop();
    }
  } catch (err) {
    const files = side === 'flux' ? ['source-controller.log', 'helm-controller.log'] : ['clusterext.log'];
    const logs = files.map((f) => `${f} ends with:\n${logTail(join(fleet.dir, 'bench-logs', f), 5)}`);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logs.join('\n')}`);
  } finally {
    await Promise.all(processes.map((p) => p.stop(30_000)));
    kube.close();
    await fleet.stop();
  }
}

function serverPid(p: SupervisedProcess): number {
  const pid = p.serverPid();
  if (pid === undefined) throw new Error('A controller exited at start.');
  return pid;
}

/** CRDs of both controllers, a namespace, a HelmRepository on the local chart repository and N HelmReleases. */
async function prepareFlux(fleet: LocalFleet, kube: KubeRest, settings: Settings, flux: FluxControllers): Promise<void> {
  await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
  for (const c of Object.values(flux.controllers)) await installCrds(kube, c.crdDir, systemClock);
  const create = async (path: string, body: object) => expectOk(await kube.request({ method: 'POST', path, body }), `Creating ${path}`);
  await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: FLUX_NS } });
  await create(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${FLUX_NS}/helmrepositories`, {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name: 'charts', namespace: FLUX_NS },
    spec: { url: fleet.charts.url, interval: '1m' },
  });
  // Several clusters: every HelmRelease reaches its cluster through a kubeconfig Secret (spec.kubeConfig),
  // as clusterext's ConnectedClusters do; the first cluster is also where both controllers run.
  const multi = settings.clusters > 1;
  if (multi) {
    for (const c of fleet.clusters) {
      await create(`/api/v1/namespaces/${FLUX_NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${c.name}-kubeconfig` }, stringData: { value: c.kubeconfig } });
    }
  }
  for (const [c, i] of fleet.clusters.flatMap((cl) => Array.from({ length: settings.perCluster }, (_, k) => [cl, k + 1] as const))) {
    const name = `cfg-${String(i).padStart(4, '0')}`;
    // As clusterext's generateFleetFiles: one release per namespace, the same values.
    await create(`/apis/helm.toolkit.fluxcd.io/v2/namespaces/${FLUX_NS}/helmreleases`, {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: multi ? `${c.name}.${name}` : name, namespace: FLUX_NS },
      spec: {
        ...(multi ? { kubeConfig: { secretRef: { name: `${c.name}-kubeconfig` } } } : {}),
        interval: '1m',
        releaseName: name,
        targetNamespace: name,
        storageNamespace: name,
        chart: { spec: { chart: 'config-values', version: '1.0.0', interval: '1m', sourceRef: { kind: 'HelmRepository', name: 'charts' } } },
        install: { createNamespace: true, disableWait: !settings.wait, disableWaitForJobs: !settings.wait },
        upgrade: { disableWait: !settings.wait, disableWaitForJobs: !settings.wait },
        values: { data: { greeting: `hello from ${name}` } },
      },
    });
  }
}

/** Both controllers out of cluster with the cluster's admin kubeconfig, leader election off, as the bench's children. */
async function startFlux(fleet: LocalFleet, flux: FluxControllers): Promise<SupervisedProcess[]> {
  const logs = join(fleet.dir, 'bench-logs');
  mkdirSync(logs, { recursive: true });
  const home = join(fleet.dir, 'flux-home');
  // source-controller refuses a storage path that does not exist yet.
  mkdirSync(join(home, 'artifacts'), { recursive: true });
  const env = {
    ...process.env,
    KUBECONFIG: fleet.clusters[0]!.kubeconfigPath,
    RUNTIME_NAMESPACE: FLUX_NS,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const [storage, m1, h1, m2, h2] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const source = startSupervisedProcess({
    command: flux.controllers['source-controller'].binary,
    args: [
      `--storage-path=${join(home, 'artifacts')}`,
      `--storage-addr=127.0.0.1:${storage}`,
      `--storage-adv-addr=127.0.0.1:${storage}`,
      `--metrics-addr=127.0.0.1:${m1}`,
      `--health-addr=127.0.0.1:${h1}`,
      '--log-level=info',
    ],
    logFile: join(logs, 'source-controller.log'),
    env,
    cwd: home,
  });
  const helm = startSupervisedProcess({
    command: flux.controllers['helm-controller'].binary,
    args: [`--concurrent=${HELM_CONCURRENCY}`, `--metrics-addr=127.0.0.1:${m2}`, `--health-addr=127.0.0.1:${h2}`, '--log-level=info'],
    logFile: join(logs, 'helm-controller.log'),
    env,
    cwd: home,
  });
  await waitForServerPids([source, helm]);
  return [source, helm];
}

/** The clusterext controller (startController) in its own Node process, concurrency 4. */
async function startClusterext(fleet: LocalFleet, settings: Settings, webhookAddr: string): Promise<SupervisedProcess> {
  const logs = join(fleet.dir, 'bench-logs');
  mkdirSync(logs, { recursive: true });
  const home = join(fleet.dir, 'helm-home');
  mkdirSync(home, { recursive: true });
  const wait: ReconcilePolicy['wait'] = settings.wait ? 'watcher' : 'hookOnly';
  const input: ControllerProcessInput = {
    hubKubeconfig: fleet.clusters[0]!.kubeconfig,
    namespace: NS,
    cacheDir: join(fleet.dir, 'controller-cache'),
    helmPath: toolPath('helm'),
    ...(settings.helmHelperPath ? { helmHelperPath: settings.helmHelperPath } : {}),
    helmEnv: { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
    // The `controller` command's defaults, but helm concurrency 4 as Flux's and the wait chosen.
    fleet: {
      concurrency: HELM_CONCURRENCY,
      clusterConcurrency: HELM_CONCURRENCY,
      maxUninstallShare: 0.5,
      contactIntervalMs: 5 * 60_000,
      reconcilePolicy: {
        pendingTimeoutMs: 48 * 3600_000,
        helmTimeoutMs: 5 * 60_000,
        lockTimeoutMs: 10 * 60_000,
        retry: { maxRetries: 5, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000 },
        ...(wait ? { wait } : {}),
      },
    },
    chartIndexTtlMs: 60_000,
    resyncIntervalMs: 60_000,
    webhookAddr,
  };
  const inputPath = join(fleet.dir, 'clusterext-controller.json');
  writeFileSync(inputPath, JSON.stringify(input), { mode: 0o600 });
  const script = fileURLToPath(new URL('../clusterext-controller-process.js', import.meta.url));
  const controller = startSupervisedProcess({ command: process.execPath, args: [script, inputPath], logFile: join(logs, 'clusterext.log') });
  await waitForServerPids([controller]);
  return controller;
}

async function waitForServerPids(processes: SupervisedProcess[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (processes.some((p) => p.serverPid() === undefined)) {
    if (Date.now() > deadline || processes.some((p) => p.hasExited())) throw new Error('A controller did not start.');
    await sleep(50);
  }
}

interface Conditioned {
  status?: { conditions?: { type: string; status: string }[] };
}

const isReady = (o: Conditioned) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

const HELM_RELEASES = `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${FLUX_NS}/helmreleases`;
const EXTENSIONS = `/apis/clusterext.io/v1alpha1/namespaces/${NS}/extensions`;
const WEBHOOK_TOKEN = 'flux-bench-webhook-token';

interface Generational extends Conditioned {
  metadata: { name: string; generation?: number };
  status?: Conditioned['status'] & { observedGeneration?: number };
}

async function generationsOf(kube: KubeRest, path: string): Promise<Map<string, number>> {
  const list = expectOk(await kube.request<{ items: Generational[] }>({ method: 'GET', path }), `Listing ${path}`);
  return new Map(list.items.map((o) => [o.metadata.name, o.metadata.generation ?? 0]));
}

/** Objects Ready at a generation later than the one recorded before the upgrade, and observed at it. */
async function upgradedCount(kube: KubeRest, path: string, before: ReadonlyMap<string, number>): Promise<number> {
  const res = await kube.request<{ items: Generational[] }>({ method: 'GET', path });
  if (res.status !== 200) return 0;
  return res.body.items.filter((o) => {
    const generation = o.metadata.generation ?? 0;
    return generation > (before.get(o.metadata.name) ?? Infinity) && o.status?.observedGeneration === generation && isReady(o);
  }).length;
}

/** One merge patch per HelmRelease (8 at a time) setting a new greeting; returns the requests sent. */
async function patchHelmReleaseValues(kube: KubeRest, names: string[], greeting: string): Promise<number> {
  const limit = pLimit(8);
  await Promise.all(
    names.map((name) =>
      limit(async () =>
        expectOk(
          await kube.request({ method: 'PATCH', path: `${HELM_RELEASES}/${name}`, contentType: 'application/merge-patch+json', body: { spec: { values: { data: { greeting: `${greeting} ${name}` } } } } }),
          `Patching HelmRelease ${name}`,
        ),
      ),
    ),
  );
  return names.length;
}

/** One commit that changes every Extension's greeting, pushed, and announced by a signed (GitHub) push webhook. */
async function pushUpgrade(fleet: LocalFleet, settings: Settings, webhookUrl: string): Promise<void> {
  const files = generateFleetFiles({ charts: fleet.charts.url, clusters: fleet.clusters.map((c) => c.name), perCluster: settings.perCluster, greeting: 'upgraded' });
  const sha = await fleet.git.commitAndPush('fleet', { files, message: 'upgrade every release' });
  const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { full_name: 'platform/fleet' } });
  const res = await fetch(`${webhookUrl}/hook/fleet`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': randomUUID(), 'X-Hub-Signature-256': `sha256=${createHmac('sha256', WEBHOOK_TOKEN).update(body).digest('hex')}` },
  });
  if (res.status !== 202) throw new Error(`The webhook answered ${res.status}: ${await res.text()}`);
}

async function readyHelmReleases(kube: KubeRest): Promise<number> {
  const list = expectOk(await kube.request<{ items: Conditioned[] }>({ method: 'GET', path: `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${FLUX_NS}/helmreleases` }), 'Listing HelmReleases');
  return list.items.filter(isReady).length;
}

async function readyExtensions(kube: KubeRest): Promise<number> {
  const res = await kube.request<{ items: Conditioned[] }>({ method: 'GET', path: `/apis/clusterext.io/v1alpha1/namespaces/${NS}/extensions` });
  return res.status === 200 ? res.body.items.filter(isReady).length : 0;
}

function comparisonFigures(results: RunResult[], settings: Settings): Figure[] {
  const of = (side: Side) => results.filter((r) => r.side === side);
  const runs = (side: Side, pick: (r: RunResult) => number, digits: number) => of(side).map((r) => pick(r).toFixed(digits)).join(', ');
  const scope = `${scenarioLabel(settings)}, helm concurrency ${HELM_CONCURRENCY}, waits ${settings.wait ? 'on' : 'off'} on both, clusterext helm driver ${settings.helmHelperPath ? 'helper' : 'cli'}`;
  const rows: { name: string; unit: string; pick: (r: RunResult) => number; digits: number; note?: string }[] = [
    { name: 'install: time to all Ready', unit: 's', pick: (r) => r.install.wallMs / 1000, digits: 1, note: 'from the controllers\' start' },
    { name: 'install: CPU, controllers + children', unit: 's', pick: (r) => r.install.cpuMs / 1000, digits: 1, note: 'from the controllers\' start; clusterext: node + helm processes' },
    { name: 'peak RSS of the controllers', unit: 'MiB', pick: (r) => r.controllersPeakRssMiB, digits: 0, note: 'VmHWM; Flux: both controllers summed' },
    { name: 'install: peak RSS of the process tree', unit: 'MiB', pick: (r) => r.install.peakTreeRssMiB, digits: 0, note: 'sampled every 250 ms, sum over the tree' },
    { name: 'install: apiserver requests', unit: '', pick: (r) => r.install.apiserverRequests, digits: 0, note: 'apiserver_request_total less the bench\'s own reads; net of idle: less the idle cluster\'s rate too' },
    { name: 'install: apiserver requests net of idle', unit: '', pick: (r) => r.install.netApiserverRequests, digits: 0 },
  ];
  if (settings.upgrade) {
    const upgrade = (r: RunResult) => r.upgrade!;
    rows.push(
      { name: 'upgrade: time to all Ready', unit: 's', pick: (r) => upgrade(r).wallMs / 1000, digits: 1, note: 'one value of every release changed (Flux: a patch of each HelmRelease; clusterext: one commit and a signed push webhook) → every one Ready at its new generation' },
      { name: 'upgrade: CPU, controllers + children', unit: 's', pick: (r) => upgrade(r).cpuMs / 1000, digits: 1 },
      { name: 'upgrade: apiserver requests', unit: '', pick: (r) => upgrade(r).apiserverRequests, digits: 0, note: 'less the bench\'s own (Flux: the patches)' },
    );
  }
  if (settings.restMs > 0) {
    const rest = (r: RunResult) => r.rest!;
    rows.push(
      { name: `rest ${settings.restMs / 1000} s: CPU, controllers + children`, unit: 's', pick: (r) => rest(r).cpuMs / 1000, digits: 2 },
      { name: `rest ${settings.restMs / 1000} s: peak RSS of the process tree`, unit: 'MiB', pick: (r) => rest(r).peakTreeRssMiB, digits: 0 },
      { name: `rest ${settings.restMs / 1000} s: apiserver requests`, unit: '', pick: (r) => rest(r).apiserverRequests, digits: 0 },
      { name: `rest ${settings.restMs / 1000} s: apiserver requests net of idle`, unit: '', pick: (r) => rest(r).netApiserverRequests, digits: 0 },
    );
  }
  const figures: Figure[] = [];
  const label = `${settings.clusters}x${settings.perCluster}`;
  for (const row of rows) {
    const flux = median(of('flux').map(row.pick));
    const ours = median(of('clusterext').map(row.pick));
    figures.push({ name: `${label}: Flux ${row.name}`, value: flux, unit: row.unit, note: `median of ${of('flux').length} (${runs('flux', row.pick, row.digits)}); ${row.note ?? scope}` });
    figures.push({ name: `${label}: clusterext ${row.name}`, value: ours, unit: row.unit, note: `median of ${of('clusterext').length} (${runs('clusterext', row.pick, row.digits)})` });
    figures.push({ name: `  ratio clusterext / Flux`, value: ours / flux, unit: '×', note: row.name });
  }
  figures.push({ name: 'set-up', value: settings.releases, unit: 'rel.', note: scope });
  return figures;
}
