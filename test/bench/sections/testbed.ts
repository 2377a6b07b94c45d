import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  clusterextCacheDir,
  ensureControlPlaneBinaries,
  ETCD_VERSION,
  KUBERNETES_VERSION,
  KWOK_VERSION,
  type TestBedBinaries,
} from '../../../controller/local/control-plane-binaries.js';
import type { GoBuildRecord } from '../../../controller/local/go-binary.js';
import { ensureRealWorldCharts } from '../../../controller/local/real-world-charts.js';
import { WORKLOAD_CONTROLLERS } from '../../../controller/local/workload-controllers.js';
import { startLocalFleet, type LocalFleet } from '../../../controller/local/local-fleet.js';
import { runCommand } from '../../../controller/local/run-command.js';
import { sampleChartPath } from '../../../controller/local/sample-chart-path.js';
import { toolPath } from '../../../controller/local/tool-path.js';
import { median, type BenchSection, type Figure } from '../figure.js';

const RUNS = 3;

/**
 * The test bed's own costs: `local prepare` warm, starting clusters (each a kube-apiserver,
 * kube-controller-manager, kube-scheduler and KWOK), their memory, one helm call against them, and
 * the cold `local prepare` (every Go build and chart fetch from nothing). The cold one takes tens
 * of minutes, so it runs only with BENCH_COLD_BUILD=1; otherwise the figures recorded by the last
 * such run are printed, labelled so.
 */
const section: BenchSection = {
  name: 'testbed',
  async run() {
    const binaries = await ensureControlPlaneBinaries({ build: true });
    await ensureRealWorldCharts({ build: true });
    const figures: Figure[] = [];
    figures.push(...(await warmPrepareFigures()));
    figures.push(...(await startFigures(binaries, 1)));
    figures.push(...(await startFigures(binaries, 4, { memory: true })));
    figures.push(...(await helmFigures(binaries)));
    figures.push(...(await coldBuildFigures()));
    return figures;
  },
};
export default section;

type Binaries = TestBedBinaries;

async function startFigures(binaries: Binaries, clusters: number, options: { memory?: boolean } = {}): Promise<Figure[]> {
  const times: number[] = [];
  const figures: Figure[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const fleet = await startLocalFleet({ clusters, binaries });
    times.push(performance.now() - started);
    try {
      if (options.memory && run === RUNS - 1) {
        const apiservers = fleet.clusters.map((c) => rssMiB(c.apiserverPid()));
        const perCluster = fleet.clusters.map((c) => rssMiB(c.apiserverPid()) + Object.values(c.workloadControllerPids()).reduce<number>((sum, pid) => sum + rssMiB(pid), 0));
        figures.push({ name: 'RSS of one idle cluster (kube-apiserver, controller-manager, scheduler, KWOK)', value: median(perCluster), unit: 'MiB', note: `median of ${clusters}` });
        figures.push({ name: 'RSS of one idle kube-apiserver', value: median(apiservers), unit: 'MiB', note: `median of ${clusters}` });
        for (const name of WORKLOAD_CONTROLLERS) {
          const values = fleet.clusters.map((c) => rssMiB(c.workloadControllerPids()[name]));
          figures.push({ name: `RSS of one idle ${name}`, value: median(values), unit: 'MiB', note: `median of ${clusters}` });
        }
        figures.push({ name: `RSS of the etcd shared by ${clusters} clusters`, value: rssMiB(fleet.etcd.pid()), unit: 'MiB' });
      }
    } finally {
      await fleet.stop();
    }
  }
  return [
    {
      name: `start ${clusters} cluster${clusters > 1 ? 's' : ''} (nodes Ready, default ServiceAccount) + git + chart repo`,
      value: median(times) / 1000,
      unit: 's',
      note: `median of ${RUNS}`,
    },
    ...figures,
  ];
}

async function helmFigures(binaries: Binaries): Promise<Figure[]> {
  const fleet: LocalFleet = await startLocalFleet({ clusters: 1, binaries });
  try {
    const cluster = fleet.clusters[0]!;
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    const home = join(fleet.dir, 'helm-home');
    const env = { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
    const helm = (args: string[]) => runCommand(toolPath('helm'), [...args, '--kubeconfig', cluster.kubeconfigPath, '--namespace', 'bench'], { env });
    const install = (release: string) =>
      helm(['upgrade', '--install', release, 'config-values', '--repo', fleet.charts.url, '--version', '1.0.0', '--create-namespace', '--set', 'data.greeting=bench']);

    const installs = [];
    for (let i = 0; i < RUNS; i++) installs.push(await install(`bench-${i}`));
    const noChange = [];
    for (let i = 0; i < RUNS; i++) noChange.push(await install('bench-0'));
    const status = [];
    for (let i = 0; i < RUNS; i++) status.push(await helm(['status', 'bench-0']));

    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await core.readNamespacedSecret({ name: 'sh.helm.release.v1.bench-0.v1', namespace: 'bench' }); // warm the connection
    const reads: { wallMs: number; cpuMs: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await core.readNamespacedSecret({ name: `sh.helm.release.v1.bench-0.v${RUNS + 1}`, namespace: 'bench' });
      const used = process.cpuUsage(cpu);
      reads.push({ wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 });
    }
    const pair = (name: string, runs: { wallMs: number; cpuMs: number }[], note: string): Figure[] => [
      { name: `${name}: wall`, value: median(runs.map((r) => r.wallMs)), unit: 'ms', note },
      { name: `${name}: CPU`, value: median(runs.map((r) => r.cpuMs)), unit: 'ms', note },
    ];
    return [
      ...pair('helm upgrade --install (new release, chart from repo)', installs, `median of ${RUNS}`),
      ...pair('helm upgrade --install, no change', noChange, `median of ${RUNS}`),
      ...pair('helm status', status, `median of ${RUNS}`),
      ...pair('read the release Secret through the API', reads, 'median of 5, in-process client'),
    ];
  } finally {
    await fleet.stop();
  }
}

/** `local prepare` with everything cached: the version checks of six pieces and the chart records. */
async function warmPrepareFigures(): Promise<Figure[]> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const binaries = await ensureControlPlaneBinaries({ build: false });
    await ensureRealWorldCharts({ build: false });
    times.push(performance.now() - started);
    if (binaries.builds.length > 0) throw new Error('The warm local prepare built something.');
  }
  return [{ name: 'local prepare, everything cached (warm)', value: median(times) / 1000, unit: 's', note: `median of ${RUNS}` }];
}

interface ColdBuildRecord {
  measuredAt: string;
  /** Wall time of the whole cold `local prepare`, builds and chart fetches. */
  totalWallMs: number;
  builds: GoBuildRecord[];
}

async function coldBuildFigures(): Promise<Figure[]> {
  const recordPath = join(clusterextCacheDir(), 'bench', `cold-local-prepare-${KUBERNETES_VERSION}-${ETCD_VERSION}-${KWOK_VERSION}.json`);
  let label: string;
  let record: ColdBuildRecord | undefined;
  if (process.env.BENCH_COLD_BUILD === '1') {
    record = await measureColdPrepare();
    mkdirSync(join(clusterextCacheDir(), 'bench'), { recursive: true });
    writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
    label = 'measured now: empty GOCACHE, GOMODCACHE and clusterext cache';
  } else if (existsSync(recordPath)) {
    record = JSON.parse(readFileSync(recordPath, 'utf8')) as ColdBuildRecord;
    label = `RECORDED ${record.measuredAt.slice(0, 16)}, not measured now (BENCH_COLD_BUILD=1 to measure)`;
  } else {
    // No figure rather than a NaN one: nothing was measured.
    process.stderr.write('  [testbed] cold local prepare: never measured on this machine; BENCH_COLD_BUILD=1 npm run bench testbed measures it (about half an hour)\n');
    return [];
  }
  for (const build of record.builds) {
    if (!Number.isFinite(build.wallMs) || !Number.isFinite(build.cpuMs)) {
      throw new Error(`The cold local prepare has no timing for ${build.name} ${build.version} (it was not built from nothing: ${JSON.stringify(build)}); run it again with BENCH_COLD_BUILD=1.`);
    }
  }
  return [
    { name: 'cold local prepare (every build and chart): wall', value: record.totalWallMs / 1000, unit: 's', note: label },
    ...record.builds.flatMap((build): Figure[] => [
      { name: `cold go build ${build.name} ${build.version}: wall`, value: build.wallMs / 1000, unit: 's', note: label },
      { name: `cold go build ${build.name} ${build.version}: CPU`, value: build.cpuMs / 1000, unit: 's', note: label },
    ]),
  ];
}

/**
 * `local prepare` from nothing: a fresh GOCACHE, GOMODCACHE (modules come from the proxy again) and
 * clusterext cache, in the order and with the cache sharing that CI gets.
 */
async function measureColdPrepare(): Promise<ColdBuildRecord> {
  const scratch = mkdtempSync(join(tmpdir(), 'clusterext-cold-build-'));
  const { KUBEBUILDER_ASSETS: _assets, ...inherited } = process.env;
  const env = { ...inherited, GOCACHE: join(scratch, 'gocache'), GOMODCACHE: join(scratch, 'gomodcache'), CLUSTEREXT_CACHE_DIR: join(scratch, 'cache') };
  try {
    const started = performance.now();
    const binaries = await ensureControlPlaneBinaries({ build: true, env, log: (line) => process.stderr.write(`  [testbed cold] ${line}\n`) });
    await ensureRealWorldCharts({ build: true, env });
    // From nothing, every piece is built here: a missing one (KUBEBUILDER_ASSETS holds etcd and
    // kube-apiserver) would make the total a different measurement.
    if (binaries.source !== 'built' || binaries.builds.length !== 5) {
      throw new Error(`The cold local prepare built ${binaries.builds.map((b) => b.name).join(', ') || 'nothing'} (source ${binaries.source}); unset KUBEBUILDER_ASSETS to measure every build.`);
    }
    return { measuredAt: new Date().toISOString(), totalWallMs: performance.now() - started, builds: binaries.builds };
  } finally {
    // The module cache is read-only by design; go itself knows how to remove it.
    await runCommand('go', ['clean', '-modcache'], { env, allowFailure: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
