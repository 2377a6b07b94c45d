import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalFleet, type LocalFleet } from '../../../controller/local/local-fleet.js';
import { projectRoot } from '../../../controller/local/project-root.js';
import { sampleChartPath } from '../../../controller/local/sample-chart-path.js';
import { toolPath } from '../../../controller/local/tool-path.js';
import { systemClock } from '../../../controller/runtime/clock.js';
import { CrStore } from '../../../controller/runtime/cr-store.js';
import type { FleetSyncOptions } from '../../../controller/runtime/fleet-sync.js';
import { installCrds } from '../../../controller/runtime/install-crds.js';
import { createKubeClient, type KubeRest } from '../../../controller/cluster/kube-client.js';
import type { MeasuredPass, WorkerInput, WorkerOutput } from '../controller-worker.js';
import { median, type BenchSection, type Figure } from '../figure.js';

/**
 * The controller's figures of issue 4, on the real local fleet (DESIGN.md §5):
 * - steady state: 2 clusters × 60 releases, settled, then MEASURED_PASSES passes, each one resync
 *   interval after the last (repository fetched and chart index read again, as every minute with the
 *   defaults): helm processes, status writes, CPU per release, API requests per pass;
 * - install of 100, 500 and 1,000 releases on one cluster: time to all Ready and the controller's
 *   peak RSS (when 1,000 is not among the sizes run, extrapolated linearly from the two largest).
 * The controller runs with the `controller` command's defaults, alone in a child Node process
 * (controller-worker.ts), so CPU and RSS are its own. BENCH_CONTROLLER_INSTALLS=100,500,1000 picks the sizes
 * (`none`: steady state only); BENCH_CONTROLLER_PROFILE=<file.cpuprofile> profiles the measured
 * steady-state passes.
 */
const NS = 'clusterext-system';
const STEADY_CLUSTERS = 2;
const STEADY_PER_CLUSTER = 60;
const MEASURED_PASSES = 5;
const SCENARIO_LIMIT_MS = 15 * 60_000;
const RESYNC_INTERVAL_MS = 60_000;
const CHART_INDEX_TTL_MS = 60_000;

/** As `clusterext controller` defaults them (controller/cli/commands/controller.ts). */
const DEFAULT_FLEET_OPTIONS: FleetSyncOptions = {
  concurrency: 8,
  clusterConcurrency: 4,
  maxUninstallShare: 0.5,
  contactIntervalMs: 5 * 60_000,
  reconcilePolicy: {
    pendingTimeoutMs: 48 * 3600_000,
    helmTimeoutMs: 5 * 60_000,
    lockTimeoutMs: 10 * 60_000,
    retry: { maxRetries: 5, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000 },
  },
};

const section: BenchSection = {
  name: 'controller',
  async run(): Promise<Figure[]> {
    const figures: Figure[] = [];
    const loadAtStart = loadAverage();
    if (process.env.BENCH_CONTROLLER_STEADY !== 'none') {
      figures.push(...(await orFailure('steady', async () => steadyFigures(await runScenario({ mode: 'steady', clusters: STEADY_CLUSTERS, perCluster: STEADY_PER_CLUSTER })))));
    }
    const sizes = (process.env.BENCH_CONTROLLER_INSTALLS ?? '100,500,1000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
    const installs: { n: number; result: ScenarioResult }[] = [];
    for (const n of sizes) {
      figures.push(
        ...(await orFailure(`install ${n}`, async () => {
          const result = await runScenario({ mode: 'install', clusters: 1, perCluster: n });
          installs.push({ n, result });
          return installFigures(n, result);
        })),
      );
    }
    figures.push(...extrapolated(installs));
    figures.push({ name: 'load average (1 min) at start / at end, 2 cores', value: loadAtStart, unit: '', note: `at end ${loadAverage().toFixed(2)}; shared machine` });
    return figures;
  },
};
export default section;

export interface ScenarioResult {
  worker: WorkerOutput;
  releases: number;
  clusterNames: string[];
  /** Requests counted by the kube-apiservers themselves (controller + helm + their own), summed. */
  apiserverRequests: number;
  /** Whole-machine CPU busy during the worker, in cores (of os.cpus()). */
  machineBusyCores: number;
  loadAfter: number;
}

/** One scenario on a fresh local fleet; `helmHelperPath` runs helm operations in the helm helper instead of helm processes. */
export async function runScenario(s: { mode: 'steady' | 'install'; clusters: number; perCluster: number; helmHelperPath?: string }): Promise<ScenarioResult> {
  const fleet = await startLocalFleet({ clusters: s.clusters });
  const hub = createKubeClient(fleet.clusters[0]!.kubeconfig);
  try {
    await prepareFleet(fleet, hub, s.perCluster);
    const input: WorkerInput = {
      mode: s.mode,
      hubKubeconfig: fleet.clusters[0]!.kubeconfig,
      namespace: NS,
      cacheDir: join(fleet.dir, 'controller-cache'),
      helmPath: toolPath('helm'),
      ...(s.helmHelperPath ? { helmHelperPath: s.helmHelperPath } : {}),
      helmEnv: helmHome(fleet),
      fleet: DEFAULT_FLEET_OPTIONS,
      chartIndexTtlMs: CHART_INDEX_TTL_MS,
      resyncIntervalMs: RESYNC_INTERVAL_MS,
      releases: s.clusters * s.perCluster,
      measuredPasses: MEASURED_PASSES,
      endpoints: {
        ...Object.fromEntries(fleet.clusters.map((c) => [c.name, new URL(c.server).host])),
        git: new URL(fleet.git.url).host,
        charts: new URL(fleet.charts.url).host,
      },
      deadline: Date.now() + SCENARIO_LIMIT_MS,
      ...(s.mode === 'steady' && process.env.BENCH_CONTROLLER_PROFILE ? { profilePath: process.env.BENCH_CONTROLLER_PROFILE } : {}),
    };
    const inputPath = join(fleet.dir, `controller-bench-${s.mode}.json`);
    writeFileSync(inputPath, JSON.stringify(input), { mode: 0o600 });
    const apiBefore = await apiserverRequestTotal(fleet);
    const cpuBefore = machineCpu();
    const worker = await runWorker(inputPath, SCENARIO_LIMIT_MS + 60_000);
    const cpuAfter = machineCpu();
    const apiAfter = await apiserverRequestTotal(fleet);
    const busy = (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total);
    return {
      worker,
      releases: input.releases,
      clusterNames: fleet.clusters.map((c) => c.name),
      apiserverRequests: apiAfter - apiBefore,
      machineBusyCores: busy * cpuAfter.cores,
      loadAfter: loadAverage(),
    };
  } finally {
    hub.close();
    await fleet.stop();
  }
}

/** A scenario that fails (or runs out of time) is reported as such; the others still run. */
export async function orFailure(scenario: string, run: () => Promise<Figure[]>): Promise<Figure[]> {
  try {
    return await run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`  [controller ${scenario}] FAILED: ${message}\n`);
    return [{ name: `${scenario}: FAILED`, value: Number.NaN, unit: '', note: message.split('\n')[0]!.slice(0, 300) }];
  }
}

/** Chart repository, git repository, CRDs, Secrets and the ExtensionRepository, as an operator sets them up. */
export async function prepareFleet(fleet: LocalFleet, hub: KubeRest, perCluster: number, options: { webhookToken?: string } = {}): Promise<void> {
  await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
  const seed = join(fleet.dir, 'fleet-seed');
  mkdirSync(join(seed, 'fleet'), { recursive: true });
  for (const [path, content] of Object.entries(generateFleetFiles({ charts: fleet.charts.url, clusters: fleet.clusters.map((c) => c.name), perCluster }))) {
    writeFileSync(join(seed, path), content);
  }
  await fleet.git.createRepository('fleet', seed);

  await installCrds(hub, join(projectRoot(), 'manifests', 'crds'), systemClock);
  await hub.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
  const secret = (name: string, data: Record<string, string>) =>
    hub.request({ method: 'POST', path: `/api/v1/namespaces/${NS}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data } });
  for (const c of fleet.clusters) await secret(`${c.name}-kubeconfig`, { kubeconfig: c.kubeconfig });
  await secret('git-auth', { username: fleet.git.auth.username, password: fleet.git.auth.password });
  if (options.webhookToken) await secret('fleet-webhook', { token: options.webhookToken });
  await new CrStore(hub, NS).apply('ExtensionRepository', 'fleet', {
    metadata: {},
    spec: { url: fleet.git.repositoryUrl('fleet'), branch: 'main', path: 'fleet', interval: '1m', secretRef: { name: 'git-auth' }, ...(options.webhookToken ? { webhookSecretRef: { name: 'fleet-webhook' } } : {}) },
  });
}

/**
 * `perCluster` cluster-scoped ExtensionTypes `cfg-0001…` (a cluster-scoped type has at most one
 * instance per cluster), all on the config-values chart, each releasing into its own namespace as
 * cluster extensions do; one Extension of each type on every cluster.
 */
export function generateFleetFiles(input: { charts: string; clusters: string[]; perCluster: number; greeting?: string }): Record<string, string> {
  const names = Array.from({ length: input.perCluster }, (_, i) => `cfg-${String(i + 1).padStart(4, '0')}`);
  const types = names.map(
    (name) => `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: {name: ${name}}
spec:
  chart: {repository: "${input.charts}", name: config-values}
  scopes: [cluster]
  defaultReleaseNamespace: ${name}
  releaseTrains: {stable: {}}
`,
  );
  const clusters = input.clusters.map(
    (c) => `apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: {name: ${c}, labels: {env: bench}}
spec: {kubeconfigSecretRef: {name: ${c}-kubeconfig, key: kubeconfig}}
`,
  );
  const extensions = input.clusters.flatMap((c) =>
    names.map(
      (name) => `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${name}}
spec:
  clusterName: ${c}
  extensionType: ${name}
  scope: cluster
  configurationSettings: {data.greeting: "${input.greeting ?? 'hello from'} ${name}"}
`,
    ),
  );
  return {
    'fleet/types.yaml': types.join('---\n'),
    'fleet/clusters.yaml': clusters.join('---\n'),
    'fleet/extensions.yaml': extensions.join('---\n'),
  };
}

function helmHome(fleet: LocalFleet): Record<string, string> {
  const home = join(fleet.dir, 'helm-home');
  mkdirSync(home, { recursive: true });
  return { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
}

/** Runs the worker; its per-pass lines go to stderr as progress. Killed (and the bench failed) past `limitMs`. */
function runWorker(inputPath: string, limitMs: number): Promise<WorkerOutput> {
  const script = fileURLToPath(new URL('../controller-worker.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, inputPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderrTail = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => {
      process.stderr.write(c);
      stderrTail = (stderrTail + c.toString('utf8')).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`The controller worker did not finish within ${Math.round(limitMs / 60_000)} minutes and was killed.\n${stderrTail}`));
      if (code !== 0) return reject(new Error(`The controller worker exited with code ${code}:\n${stderrTail}`));
      resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as WorkerOutput);
    });
  });
}

/** Sum of apiserver_request_total over every cluster's kube-apiserver (its own count of what it served). */
export async function apiserverRequestTotal(fleet: LocalFleet): Promise<number> {
  let total = 0;
  for (const c of fleet.clusters) {
    const kube = createKubeClient(c.kubeconfig);
    try {
      const res = await kube.request<string>({ method: 'GET', path: '/metrics' });
      for (const line of String(res.body).split('\n')) {
        if (line.startsWith('apiserver_request_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    } finally {
      kube.close();
    }
  }
  return total;
}

function machineCpu(): { busy: number; total: number; cores: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const fields = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
}

export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Requests of a pass to the clusters, split: the hub client's, and the per-cluster clients' (hub is cluster 1 too). */
export function apiRequestsOf(p: Pick<MeasuredPass, 'requests'>, clusterLabels: string[]): { hub: number; clusters: number } {
  const toApiservers = clusterLabels.reduce((sum, l) => sum + (p.requests.byEndpoint[l] ?? 0), 0);
  return { hub: p.requests.hub, clusters: toApiservers - p.requests.hub };
}

function steadyFigures(r: ScenarioResult): Figure[] {
  const m = r.worker.measured;
  const n = r.releases;
  const labels = r.clusterNames;
  const note = `median of ${m.length} passes; ${n} releases on ${STEADY_CLUSTERS} clusters`;
  const api = m.map((p) => apiRequestsOf(p, labels));
  const others = m.map((p) => (p.requests.byEndpoint.git ?? 0) + (p.requests.byEndpoint.charts ?? 0));
  const unknown = m.map((p) => p.requests.byEndpoint.other ?? 0);
  const max = (xs: number[]) => Math.max(...xs);
  return [
    { name: `steady: releases settled (Ready) before measuring`, value: m[0]?.summary.ready ?? 0, unit: '', note: `of ${n}; settled in ${r.worker.settlePasses.length} passes` },
    { name: 'steady: helm processes spawned per resync', value: median(m.map((p) => p.helmProcesses)), unit: '', note: `${note}; max ${max(m.map((p) => p.helmProcesses))}; goal 0` },
    { name: 'steady: status writes per resync', value: median(m.map((p) => p.summary.statusWrites)), unit: '', note: `${note}; goal 0; ${writesNote(m)}` },
    {
      name: 'steady: controller CPU per release per resync',
      value: median(m.map((p) => p.cpuMs / n)),
      unit: 'ms',
      note: `${note}; goal <= 2 ms; controller process only (apiservers are other processes, not counted)`,
    },
    { name: 'steady: controller CPU per resync', value: median(m.map((p) => p.cpuMs)), unit: 'ms', note },
    { name: 'steady: wall time per resync', value: median(m.map((p) => p.wallMs)), unit: 'ms', note },
    { name: 'steady: API requests per resync, total', value: median(api.map((a) => a.hub + a.clusters)), unit: '', note: `${note}; per release ${(median(api.map((a) => a.hub + a.clusters)) / n).toFixed(2)}` },
    { name: 'steady: API requests per resync, hub client', value: median(api.map((a) => a.hub)), unit: '', note: 'CR lists, status; PassSummary.apiRequests' },
    { name: 'steady: API requests per resync, managed-cluster clients', value: median(api.map((a) => a.clusters)), unit: '', note: 'release reads, cluster facts' },
    { name: 'steady: git + chart-repository HTTP requests per resync', value: median(others), unit: '', note: `repository interval and chart index TTL elapsed each pass${max(unknown) > 0 ? `; ${max(unknown)} to other hosts` : ''}` },
    { name: 'steady: controller peak RSS', value: r.worker.maxRssMiB, unit: 'MiB', note: `maxRSS of the controller process; ${r.worker.baselineRssMiB.toFixed(0)} MiB before the controller was built` },
    ...errorFigure('steady', r),
  ];
}

/** Which kinds the status writes of the measured passes went to, e.g. "pass 5: ConnectedCluster 2". */
function writesNote(m: MeasuredPass[]): string {
  const passes = m
    .map((p, i) => ({ i, kinds: Object.entries(p.statusWritesByKind).map(([k, v]) => `${k} ${v}`) }))
    .filter((p) => p.kinds.length > 0)
    .map((p) => `pass ${p.i + 1}: ${p.kinds.join(', ')}`);
  if (passes.length === 0) return 'none in any pass';
  const onlyClusters = m.every((p) => Object.keys(p.statusWritesByKind).every((k) => k === 'ConnectedCluster'));
  return `${passes.join('; ')}${onlyClusters ? ' (lastContactTime, refreshed every 5 min by design; passes are 1 min apart)' : ''}`;
}

function installFigures(n: number, r: ScenarioResult): Figure[] {
  const w = r.worker;
  const api = apiRequestsOf(w, r.clusterNames);
  const prefix = `install ${n} on 1 cluster`;
  return [
    { name: `${prefix}: time to all Ready`, value: (w.timeToReadyMs ?? Number.NaN) / 1000, unit: 's', note: `${w.settlePasses.length} pass(es) back to back; concurrency 8, 4 per cluster` },
    { name: `${prefix}: controller peak RSS`, value: w.maxRssMiB, unit: 'MiB', note: `maxRSS; sampled peak ${w.peakRssMiB.toFixed(0)} MiB; ${w.baselineRssMiB.toFixed(0)} MiB before the controller was built` },
    { name: `${prefix}: helm processes per release`, value: w.helmProcesses / n, unit: '', note: `${w.helmProcesses} in all` },
    { name: `${prefix}: controller API requests`, value: api.hub + api.clusters, unit: '', note: `hub ${api.hub}, cluster clients ${api.clusters}; ${((api.hub + api.clusters) / n).toFixed(1)} per release` },
    { name: `${prefix}: requests served by the kube-apiserver`, value: r.apiserverRequests, unit: '', note: `apiserver_request_total: controller + helm + its own; ${(r.apiserverRequests / n).toFixed(1)} per release` },
    { name: `${prefix}: controller CPU per release`, value: w.cpuMs / n, unit: 'ms', note: 'controller process only' },
    { name: `${prefix}: helm CPU per release`, value: w.childCpuMs / n, unit: 'ms', note: 'helm processes (children of the controller)' },
    { name: `${prefix}: machine CPU busy during the install`, value: r.machineBusyCores, unit: 'cores', note: `of 2; includes apiservers, etcd and other users; load after ${r.loadAfter.toFixed(2)}` },
    ...errorFigure(prefix, r),
  ];
}

function errorFigure(prefix: string, r: ScenarioResult): Figure[] {
  if (r.worker.errorLogs.length === 0) return [];
  return [{ name: `${prefix}: errors logged by the controller`, value: r.worker.errorLogs.length, unit: '', note: r.worker.errorLogs[0]!.slice(0, 300) }];
}

/** Linear in the number of releases, through the two largest measured sizes. */
function extrapolated(installs: { n: number; result: ScenarioResult }[]): Figure[] {
  const sorted = [...installs].filter((i) => i.result.worker.timeToReadyMs !== undefined).sort((a, b) => a.n - b.n);
  if (sorted.length < 2 || sorted.some((i) => i.n >= 1000)) return [];
  const a = sorted[sorted.length - 2]!;
  const b = sorted[sorted.length - 1]!;
  const at = (ya: number, yb: number) => yb + ((yb - ya) / (b.n - a.n)) * (1000 - b.n);
  const note = `EXTRAPOLATED linearly from ${a.n} and ${b.n}, not measured`;
  return [
    { name: 'install 1000 on 1 cluster: time to all Ready', value: at(a.result.worker.timeToReadyMs!, b.result.worker.timeToReadyMs!) / 1000, unit: 's', note: `${note}; goal < 240 s` },
    { name: 'install 1000 on 1 cluster: controller peak RSS', value: at(a.result.worker.maxRssMiB, b.result.worker.maxRssMiB), unit: 'MiB', note: `${note}; goal < 150 MiB` },
  ];
}
