import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { hubDriftTargets } from '../../../controller/cli/drift-targets.js';
import type { HubConnection } from '../../../controller/cli/hub-options.js';
import { createKubeClient, type KubeRest } from '../../../controller/cluster/kube-client.js';
import { checkClusterDrift } from '../../../controller/drift/check-cluster-drift.js';
import { buildDriftReport } from '../../../controller/drift/build-drift-report.js';
import type { DriftReport } from '../../../controller/drift/drift-report.js';
import { HelmCli } from '../../../controller/helm/helm-cli.js';
import { createNodeExec } from '../../../controller/helm/node-exec.js';
import { startLocalFleet, type LocalFleet } from '../../../controller/local/local-fleet.js';
import { sampleChartPath } from '../../../controller/local/sample-chart-path.js';
import { toolPath } from '../../../controller/local/tool-path.js';
import { systemClock } from '../../../controller/runtime/clock.js';
import { ControllerManager } from '../../../controller/runtime/controller-manager.js';
import { CrStore } from '../../../controller/runtime/cr-store.js';
import type { Logger } from '../../../controller/runtime/logger.js';
import { createHttpChartIndexReader, DEFAULT_CHART_INDEX_LIMITS } from '../../../controller/source/chart-index.js';
import { HUB_NAMESPACE, setUpHub } from '../../support/hub-setup.js';
import { helmEnv } from '../../support/test-fleet.js';
import { createControllerMetrics } from '../../../controller/runtime/metrics.js';
import { REQUESTED_AT_ANNOTATION } from '../../../controller/status/requested-at-annotation.js';
import { median, type BenchSection, type Figure } from '../figure.js';

/**
 * `clusterext drift` in hub mode over 100 releases on 4 real clusters (25 namespace-scoped
 * instances each, BENCH_DRIFT_PER_CLUSTER changes it; the config-values chart: one ConfigMap per release), installed by the controller, which is then stopped so only
 * the drift check runs: wall time, CPU of this process (the check runs in it, as the command runs
 * it: hub read, desired state, every cluster checked at the command's default concurrency of 4)
 * and API requests per release (hub and clusters), median of RUNS checks, without drift and after
 * a field of every ConfigMap was changed by hand. BENCH_DRIFT_RUNS changes the count.
 *
 * Then the controller's steady-state cost with drift detection on: the same 100 releases, no drift,
 * the controller (ControllerManager.run in this process, --resync-interval 1m as the command's
 * default, --drift-interval STEADY_DRIFT_INTERVAL_MS) left at rest for a fixed window, once with
 * every Extension's driftDetection `warn` and once `disabled` (switched in git): CPU of this process
 * (the controller; the apiservers and etcd are other processes), API requests to the hub (counted
 * by its client) and to the clusters by drift checks (clusterext_drift_check_api_requests_total),
 * requests served by all apiservers (apiserver_request_total, everything they served), status
 * writes and drift checks; per release and per check, ratio warn / disabled. BENCH_DRIFT_STEADY_SECONDS
 * (default 90) sets the window, BENCH_DRIFT_STEADY_RUNS (default 2) the windows per mode (medians).
 */
const CLUSTERS = 4;
const STEADY_DRIFT_INTERVAL_MS = 30_000;
const PER_CLUSTER = Math.max(1, Number(process.env.BENCH_DRIFT_PER_CLUSTER ?? 25) || 25);
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => quiet };

const section: BenchSection = {
  name: 'drift',
  async run(): Promise<Figure[]> {
    const runs = Math.max(1, Number(process.env.BENCH_DRIFT_RUNS ?? 5) || 5);
    const fleet = await startLocalFleet({ clusters: CLUSTERS });
    const clients: KubeRest[] = [];
    try {
      await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
      const seed = join(fleet.dir, 'drift-seed');
      mkdirSync(seed, { recursive: true });
      writeFileSync(join(seed, 'fleet.yaml'), fleetYaml(fleet));
      await fleet.git.createRepository('fleet', seed);
      const { hub } = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '1h' });
      clients.push(hub);
      const installStarted = performance.now();
      await installAll(fleet, hub);
      const installSeconds = (performance.now() - installStarted) / 1000;

      const clean = await measure(hub, runs);
      const steady = await measureSteadyState(fleet, hub);
      for (const c of fleet.clusters) {
        const kube = createKubeClient(c.kubeconfig);
        clients.push(kube);
        await Promise.all(
          Array.from({ length: PER_CLUSTER }, (_, i) =>
            kube.request({ method: 'PATCH', path: `/api/v1/namespaces/drift-${i}/configmaps/cfg-${i}-config`, contentType: 'application/merge-patch+json', body: { data: { greeting: 'edited by hand' } } }),
          ),
        );
      }
      const drifted = await measure(hub, runs);
      const releases = CLUSTERS * PER_CLUSTER;
      const figures: Figure[] = [{ name: `install of ${releases} releases by the controller (set-up)`, value: installSeconds, unit: 's' }];
      for (const [label, m, state] of [['no drift', clean, 'in-sync'], ['all drifted', drifted, 'drifted']] as const) {
        if (m.states[state] !== releases) figures.push({ name: `drift check, ${label}: FAILED`, value: m.states[state] ?? 0, unit: state, note: `expected ${releases}: ${JSON.stringify(m.states)}` });
        figures.push(
          { name: `drift check, ${label}: wall time`, value: m.wallMs, unit: 'ms', note: `median of ${runs}, ${releases} releases on ${CLUSTERS} clusters` },
          { name: `drift check, ${label}: CPU`, value: m.cpuMs, unit: 'ms', note: `median of ${runs}` },
          { name: `drift check, ${label}: CPU per release`, value: m.cpuMs / releases, unit: 'ms' },
          { name: `drift check, ${label}: API requests per release`, value: m.requests / releases, unit: 'req', note: `${m.requests} in all, hub included` },
        );
      }
      figures.push(
        { name: 'drift / no drift: wall time', value: drifted.wallMs / clean.wallMs, unit: 'x' },
        { name: 'drift / no drift: CPU', value: drifted.cpuMs / clean.cpuMs, unit: 'x' },
      );
      figures.push(...steady);
      return figures;
    } finally {
      for (const c of clients) c.close();
      await fleet.stop();
    }
  },
};
export default section;

interface Measured {
  wallMs: number;
  cpuMs: number;
  requests: number;
  states: Partial<Record<string, number>>;
}

/** RUNS checks as `clusterext drift --kubeconfig hub` makes one; medians. */
async function measure(hub: KubeRest, runs: number): Promise<Measured> {
  const walls: number[] = [];
  const cpus: number[] = [];
  const requests: number[] = [];
  let report: DriftReport | undefined;
  for (let i = 0; i < runs; i++) {
    const before = hub.requestCount;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const connection: HubConnection = { kube: hub, store: new CrStore(hub, HUB_NAMESPACE), namespace: HUB_NAMESPACE, server: hub.server, close: () => {} };
    const targets = await hubDriftTargets(connection, { chartIndex: DEFAULT_CHART_INDEX_LIMITS });
    const clusterKubes: KubeRest[] = [];
    const limit = pLimit(4);
    const clusters = await Promise.all(
      targets.targets.map((t) =>
        limit(async () => {
          const c = await t.connect();
          if ('unreachable' in c) return { cluster: t.cluster, reachable: false, message: c.unreachable, extensions: [], policies: [] };
          clusterKubes.push(c.kube);
          return checkClusterDrift({ cluster: t.cluster, kube: c.kube, desired: t.desired, protectedValues: t.protectedValues, compliance: t.compliance });
        }),
      ),
    );
    report = buildDriftReport(targets.source, clusters);
    walls.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
    requests.push(hub.requestCount - before + clusterKubes.reduce((n, k) => n + k.requestCount, 0));
    targets.close();
  }
  return { wallMs: median(walls), cpuMs: median(cpus), requests: median(requests), states: report!.summary.byState };
}

/** A controller as the `controller` command builds it, on the hub, with helm's environment of the fleet. */
function newManager(fleet: LocalFleet, hub: KubeRest, logger: Logger, extra: { metrics?: ReturnType<typeof createControllerMetrics>; driftIntervalMs?: number }): ControllerManager {
  const env = Object.fromEntries(Object.entries(helmEnv(fleet)).filter((e): e is [string, string] => e[1] !== undefined));
  return new ControllerManager({
    hub,
    namespace: HUB_NAMESPACE,
    cacheDir: join(fleet.dir, 'drift-controller-cache'),
    helm: new HelmCli({ helmPath: toolPath('helm'), exec: createNodeExec().exec, env }),
    chartIndex: createHttpChartIndexReader(),
    clock: systemClock,
    logger,
    fleet: {
      concurrency: 8,
      clusterConcurrency: 4,
      maxUninstallShare: 0.5,
      contactIntervalMs: 5 * 60_000,
      reconcilePolicy: { helmTimeoutMs: 5 * 60_000, lockTimeoutMs: 60_000, retry: { maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 5000 } },
      ...(extra.driftIntervalMs !== undefined ? { driftIntervalMs: extra.driftIntervalMs } : {}),
    },
    chartIndexTtlMs: 60_000,
    resyncIntervalMs: 60_000,
    requestPollIntervalMs: 1000,
    ...(extra.metrics ? { metrics: extra.metrics } : {}),
  });
}

async function installAll(fleet: LocalFleet, hub: KubeRest): Promise<void> {
  const manager = newManager(fleet, hub, quiet, {});
  try {
    for (let i = 0; i < 10; i++) {
      const pass = await manager.runOnce();
      if (pass.helmActions === 0 && pass.statusWrites === 0) break;
    }
  } finally {
    manager.close();
  }
  const store = new CrStore(hub, HUB_NAMESPACE);
  const installed = (await store.list<Record<string, unknown>, { installedVersion?: string }>('Extension')).filter((cr) => cr.status?.installedVersion !== undefined).length;
  if (installed !== CLUSTERS * PER_CLUSTER) {
    const repository = await store.get('ExtensionRepository', 'fleet');
    throw new Error(`The controller installed ${installed} of ${CLUSTERS * PER_CLUSTER} releases; repository status: ${JSON.stringify(repository?.status).slice(0, 1500)}`);
  }
}

interface SteadyWindow {
  cpuMs: number;
  hubRequests: number;
  driftCheckRequests: number;
  servedRequests: number;
  statusWrites: number;
  checks: number;
}

/** Windows at rest with driftDetection warn (as installed), then disabled; figures per mode and the ratio. */
async function measureSteadyState(fleet: LocalFleet, hub: KubeRest): Promise<Figure[]> {
  const seconds = Math.max(10, Number(process.env.BENCH_DRIFT_STEADY_SECONDS ?? 90) || 90);
  const runs = Math.max(1, Number(process.env.BENCH_DRIFT_STEADY_RUNS ?? 2) || 2);
  const releases = CLUSTERS * PER_CLUSTER;
  const byMode: Record<'warn' | 'disabled', SteadyWindow[]> = { warn: [], disabled: [] };
  for (const mode of ['warn', 'disabled'] as const) {
    if (mode === 'disabled') await switchToDisabled(fleet, hub);
    for (let i = 0; i < runs; i++) byMode[mode].push(await steadyWindow(fleet, hub, seconds * 1000));
  }
  const med = (mode: 'warn' | 'disabled', k: keyof SteadyWindow) => median(byMode[mode].map((w) => w[k]));
  const where = `${releases} releases on ${CLUSTERS} clusters, ${seconds} s at rest, --drift-interval ${STEADY_DRIFT_INTERVAL_MS / 1000}s, --resync-interval 1m, median of ${runs}`;
  const figures: Figure[] = [];
  for (const mode of ['disabled', 'warn'] as const) {
    const label = `controller at rest, driftDetection ${mode}`;
    const checks = med(mode, 'checks');
    figures.push(
      { name: `${label}: CPU per release per minute`, value: (med(mode, 'cpuMs') / releases) * (60 / seconds), unit: 'ms', note: where },
      { name: `${label}: drift checks`, value: checks, unit: 'checks' },
      { name: `${label}: hub API requests per release per minute`, value: (med(mode, 'hubRequests') / releases) * (60 / seconds), unit: 'req' },
      { name: `${label}: cluster API requests of drift checks`, value: med(mode, 'driftCheckRequests'), unit: 'req', note: checks > 0 ? `${(med(mode, 'driftCheckRequests') / checks).toFixed(2)} per check` : 'no checks' },
      { name: `${label}: requests served by all apiservers per minute`, value: med(mode, 'servedRequests') * (60 / seconds), unit: 'req', note: 'hub and clusters, everything they served' },
      { name: `${label}: status writes`, value: med(mode, 'statusWrites'), unit: 'writes' },
    );
    if (checks > 0) figures.push({ name: `${label}: CPU per drift check (above disabled)`, value: Math.max(0, med(mode, 'cpuMs') - med('disabled', 'cpuMs')) / checks, unit: 'ms' });
  }
  if (med('disabled', 'checks') !== 0 || med('warn', 'checks') < releases) {
    figures.push({ name: 'controller at rest: FAILED', value: med('warn', 'checks'), unit: 'checks', note: `expected at least ${releases} checks with warn and none with disabled (disabled: ${med('disabled', 'checks')})` });
  }
  figures.push(
    { name: 'controller at rest, warn / disabled: CPU', value: med('warn', 'cpuMs') / med('disabled', 'cpuMs'), unit: 'x' },
    { name: 'controller at rest, warn / disabled: requests served', value: med('warn', 'servedRequests') / med('disabled', 'servedRequests'), unit: 'x' },
  );
  return figures;
}

/** One window: a fresh controller (so its first pass checks every release) running `ms` at rest. */
async function steadyWindow(fleet: LocalFleet, hub: KubeRest, ms: number): Promise<SteadyWindow> {
  const metrics = createControllerMetrics();
  let statusWrites = 0;
  const counting: Logger = {
    ...quiet,
    info: (fields: unknown, msg?: string) => {
      if (msg === 'pass finished') statusWrites += (fields as { statusWrites: number }).statusWrites;
    },
    child: () => counting,
  } as Logger;
  const manager = newManager(fleet, hub, counting, { metrics, driftIntervalMs: STEADY_DRIFT_INTERVAL_MS });
  const served = await servedRequests(fleet);
  const hubBefore = hub.requestCount;
  const cpu = process.cpuUsage();
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    await manager.run(stop.signal);
  } finally {
    clearTimeout(timer);
    manager.close();
  }
  const used = process.cpuUsage(cpu);
  const hubRequests = hub.requestCount - hubBefore;
  const servedAfter = await servedRequests(fleet);
  const sum = async (name: string) => ((await metrics.registry.getSingleMetric(name)?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
  return {
    cpuMs: (used.user + used.system) / 1000,
    hubRequests,
    driftCheckRequests: await sum('clusterext_drift_check_api_requests_total'),
    servedRequests: servedAfter - served,
    statusWrites,
    checks: await sum('clusterext_drift_checks_total'),
  };
}

/** Sum of apiserver_request_total over every apiserver of the fleet (the hub is the first cluster's). */
async function servedRequests(fleet: LocalFleet): Promise<number> {
  let total = 0;
  for (const c of fleet.clusters) {
    const kube = createKubeClient(c.kubeconfig);
    try {
      const res = await kube.request<string>({ method: 'GET', path: '/metrics', accept: 'text/plain' });
      if (res.status !== 200) return Number.NaN;
      const text = String(res.body);
      for (const line of text.split('\n')) if (line.startsWith('apiserver_request_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    } finally {
      kube.close();
    }
  }
  return total;
}

/** Every Extension to driftDetection disabled in git; passes until the controller has applied it. */
async function switchToDisabled(fleet: LocalFleet, hub: KubeRest): Promise<void> {
  await fleet.git.commitAndPush('fleet', { message: 'drift detection disabled', files: { 'fleet.yaml': fleetYaml(fleet, 'disabled') } });
  const manager = newManager(fleet, hub, quiet, {});
  try {
    await hub.request({
      method: 'PATCH',
      path: `/apis/clusterext.io/v1alpha1/namespaces/${HUB_NAMESPACE}/extensionrepositories/fleet`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: new Date().toISOString() } } },
    });
    for (let i = 0; i < 10; i++) {
      const pass = await manager.runOnce();
      if (pass.helmActions === 0 && pass.statusWrites === 0 && i > 0) break;
    }
  } finally {
    manager.close();
  }
  const store = new CrStore(hub, HUB_NAMESPACE);
  const left = (await store.list<{ driftDetection?: string }, unknown>('Extension')).filter((cr) => cr.spec.driftDetection !== 'disabled').length;
  if (left > 0) throw new Error(`${left} Extensions still have drift detection on after the switch to disabled in git.`);
}

function fleetYaml(fleet: LocalFleet, driftDetection?: 'disabled'): string {
  const docs = [
    `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: {name: config}
spec:
  chart: {repository: "${fleet.charts.url}", name: config-values}
  scopes: [namespace]
  releaseTrains: {stable: {}}`,
  ];
  for (const c of fleet.clusters) {
    docs.push(`apiVersion: clusterext.io/v1alpha1\nkind: ConnectedCluster\nmetadata: {name: ${c.name}}\nspec: {kubeconfigSecretRef: {name: ${c.name}-kubeconfig, key: kubeconfig}}`);
    for (let i = 0; i < PER_CLUSTER; i++) {
      docs.push(
        `apiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: {name: cfg-${i}}\nspec: {clusterName: ${c.name}, extensionType: config, scope: namespace, targetNamespace: drift-${i}, configurationSettings: {data.greeting: hello, data.index: "${i}"}${driftDetection ? `, driftDetection: ${driftDetection}` : ''}}`,
      );
    }
  }
  return `${docs.join('\n---\n')}\n`;
}
