import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { FleetFileCache } from '../../../controller/manifest/fleet-file-cache.js';
import { validateFleetFiles, type FleetFile } from '../../../controller/manifest/load-fleet.js';
import { chartKey, type ChartCatalog, type ChartVersions } from '../../../controller/plan/chart-catalog.js';
import { classifyIndexVersions } from '../../../controller/plan/classify-index-versions.js';
import { computePlan } from '../../../controller/plan/compute-plan.js';
import { planHasChanges } from '../../../controller/plan/plan.js';
import { median, type BenchSection, type Figure } from '../figure.js';

/**
 * validate + desired state + plan for a generated fleet of 1,000 clusters × 20 extensions (20,000
 * instances: 18 explicit per cluster, 2 from DeployIfNotExists policies), base and a slightly
 * modified head, from YAML text in memory; then the same number of instances on one cluster (the
 * rules between the instances of a cluster must not compare every pair). Runs in a child process
 * so peak RSS is this work's alone.
 */
const CLUSTERS = 1_000;
const TYPES = 20;
const EXPLICIT_PER_CLUSTER = 18;
const RUNS = 3;
const ONE_CLUSTER_INSTANCES = 20_000;
const REPOSITORY = 'https://charts.bench.example/charts';
const CHILD_FLAG = '--plan-bench-child';

const section: BenchSection = {
  name: 'plan',
  async run(): Promise<Figure[]> {
    const self = fileURLToPath(import.meta.url);
    const stdout = await new Promise<string>((ok, fail) => {
      execFile(process.execPath, [self, CHILD_FLAG], { maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => (error ? fail(new Error(`${error.message}\n${err}`)) : ok(out)));
    });
    return JSON.parse(stdout) as Figure[];
  },
};
export default section;

function measure(): Figure[] {
  const base = generateFleet({ modified: false });
  const head = generateFleet({ modified: true });
  const catalog = syntheticCatalog();
  const totals: number[] = [];
  const validates: number[] = [];
  const plans: number[] = [];
  const cpus: number[] = [];
  let instances = 0;
  let changes = 0;
  let firstRunRssMiB = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    // As `clusterext plan` does: one cache for both revisions, new for each run.
    const cache = new FleetFileCache();
    const baseResult = validateFleetFiles(base, { cache });
    const headResult = validateFleetFiles(head, { cache });
    const validated = performance.now();
    if (!baseResult.fleet || !headResult.fleet) {
      const first = [...baseResult.diagnostics, ...headResult.diagnostics].find((d) => d.severity === 'error');
      throw new Error(`The generated fleet is invalid: ${first?.file}:${first?.line} ${first?.message}`);
    }
    const plan = computePlan({ base: baseResult.fleet, head: headResult.fleet, catalog });
    const end = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    cpus.push((cpu.user + cpu.system) / 1000);
    if (!planHasChanges(plan)) throw new Error('The generated head should change something.');
    totals.push(end - start);
    validates.push(validated - start);
    plans.push(end - validated);
    // The first run's peak is one plan's, as clusterext plan runs it; later runs add the garbage of
    // earlier ones that V8 has not collected yet.
    if (run === 0) firstRunRssMiB = process.resourceUsage().maxRSS / 1024;
    instances = plan.summary.releasesAfter;
    changes = plan.clusters.reduce((n, c) => n + c.changes.length, 0);
  }
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  const oneCluster = measureOneCluster();
  return [
    { name: `validate + desired state + plan, ${CLUSTERS} clusters × ${TYPES} extensions`, value: median(totals) / 1000, unit: 's', note: `median of ${RUNS}; goal < 2 s` },
    { name: '  CPU time (user + sys) of the same', value: median(cpus) / 1000, unit: 's', note: `median of ${RUNS}; less affected by a busy machine` },
    { name: '  of which validate (base and head)', value: median(validates) / 1000, unit: 's', note: `median of ${RUNS}` },
    { name: '  of which desired state of both + plan', value: median(plans) / 1000, unit: 's', note: `median of ${RUNS}` },
    { name: 'peak RSS of one run', value: firstRunRssMiB, unit: 'MiB', note: 'the first run; goal < 300 MiB' },
    { name: `peak RSS after ${RUNS} runs in one process`, value: maxRssMiB, unit: 'MiB', note: 'includes earlier runs\' uncollected garbage' },
    { name: 'instances in head', value: instances, unit: '' },
    { name: 'release changes in the plan', value: changes, unit: '' },
    { name: `validate + desired state + plan, ${ONE_CLUSTER_INSTANCES.toLocaleString('en')} on one cluster`, value: oneCluster.seconds, unit: 's', note: `median of ${RUNS}; near-linear: about the 1,000 × 20 figure` },
  ];
}

/** The same work for one cluster carrying every instance: namespace-scoped instances of one type. */
function measureOneCluster(): { seconds: number } {
  const base = generateOneClusterFleet({ modified: false });
  const head = generateOneClusterFleet({ modified: true });
  const catalog = syntheticCatalog();
  const totals: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const cache = new FleetFileCache();
    const baseResult = validateFleetFiles(base, { cache });
    const headResult = validateFleetFiles(head, { cache });
    if (!baseResult.fleet || !headResult.fleet) {
      const first = [...baseResult.diagnostics, ...headResult.diagnostics].find((d) => d.severity === 'error');
      throw new Error(`The generated one-cluster fleet is invalid: ${first?.file}:${first?.line} ${first?.message}`);
    }
    const plan = computePlan({ base: baseResult.fleet, head: headResult.fleet, catalog });
    totals.push(performance.now() - start);
    if (plan.summary.releasesAfter !== ONE_CLUSTER_INSTANCES) throw new Error(`The one-cluster head should have ${ONE_CLUSTER_INSTANCES} instances, not ${plan.summary.releasesAfter}.`);
  }
  return { seconds: median(totals) / 1000 };
}

/** One cluster, one namespace-scoped type, ONE_CLUSTER_INSTANCES Extensions in files of 200; the head changes 1% of their settings. */
export function generateOneClusterFleet({ modified }: { modified: boolean }): FleetFile[] {
  const type = typeName(0);
  const files: FleetFile[] = [
    {
      path: 'fleet.yaml',
      content: [
        doc('ExtensionType', type, { chart: { repository: REPOSITORY, name: type }, scopes: ['namespace'], releaseTrains: { stable: {} } }),
        doc('ConnectedCluster', 'big', { kubeconfigSecretRef: { name: 'kc-big', key: 'kubeconfig' } }),
      ].join('---\n'),
    },
  ];
  for (let f = 0; f < ONE_CLUSTER_INSTANCES / 200; f++) {
    const extensions: string[] = [];
    for (let i = f * 200; i < (f + 1) * 200; i++) {
      extensions.push(
        doc('Extension', `tenant-${String(i).padStart(5, '0')}`, {
          clusterName: 'big',
          extensionType: type,
          scope: 'namespace',
          targetNamespace: `tenant-${i}`,
          configurationSettings: { 'log.level': modified && i % 100 === 7 ? 'debug' : 'info' },
        }),
      );
    }
    files.push({ path: `tenants/${String(f).padStart(3, '0')}.yaml`, content: extensions.join('---\n') });
  }
  return files;
}

function doc(kind: string, name: string, spec: object, labels?: Record<string, string>): string {
  return stringify({ apiVersion: 'clusterext.io/v1alpha1', kind, metadata: { name, ...(labels ? { labels } : {}) }, spec });
}

const typeName = (t: number) => `ext-${String(t).padStart(2, '0')}`;
const clusterName = (c: number) => `cluster-${String(c).padStart(4, '0')}`;

/** Base, or a head that changes ~1% of instances: settings, pins, removals, additions, one policy template. */
export function generateFleet({ modified }: { modified: boolean }): FleetFile[] {
  const files: FleetFile[] = [];
  files.push({
    path: 'types.yaml',
    content: Array.from({ length: TYPES }, (_, t) =>
      doc('ExtensionType', typeName(t), {
        chart: { repository: REPOSITORY, name: typeName(t) },
        scopes: ['cluster'],
        defaultReleaseNamespace: `${typeName(t)}-system`,
        releaseTrains: { stable: {}, preview: { includePrereleases: true } },
      }),
    ).join('---\n'),
  });
  for (let c = 0; c < CLUSTERS; c++) {
    const name = clusterName(c);
    const cluster = doc('ConnectedCluster', name, { kubeconfigSecretRef: { name: `kc-${name}`, key: 'kubeconfig' } }, { env: c % 10 === 0 ? 'dev' : 'prod', region: `region-${c % 7}` });
    const extensions: string[] = [];
    for (let t = 0; t < EXPLICIT_PER_CLUSTER; t++) {
      if (modified && c % 100 === 1 && t === 17) continue; // 10 removals
      const pinned = t % 3 === 0;
      const bump = modified && c % 50 === 2 && pinned; // pin bumps on 20 clusters
      const settingsChange = modified && c % 20 === 3 && t === 5; // 50 settings changes
      extensions.push(
        doc('Extension', typeName(t), {
          clusterName: name,
          extensionType: typeName(t),
          scope: 'cluster',
          ...(pinned ? { autoUpgradeMinorVersion: false, version: bump ? '1.4.0' : '1.3.0' } : { releaseTrain: t % 5 === 1 ? 'preview' : 'stable' }),
          configurationSettings: {
            'replicaCount': 1 + (c % 3),
            'log.level': settingsChange ? 'debug' : 'info',
            'resources.limits.memory': '256Mi',
            'feature.enabled': t % 2 === 0,
            [`ext${t}.tuning\\.value`]: c % 11,
          },
        }),
      );
    }
    files.push({ path: `clusters/${name}.yaml`, content: [cluster, ...extensions].join('---\n') });
  }
  const policies = [18, 19].map((t) =>
    doc('ExtensionPolicy', `deploy-${typeName(t)}`, {
      clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] },
      effect: 'DeployIfNotExists',
      extension: { name: typeName(t), extensionType: typeName(t), scope: 'cluster', configurationSettings: { 'log.level': modified && t === 19 ? 'warn' : 'info' } },
    }),
  );
  policies.push(doc('ExtensionPolicy', 'audit-ext-00', { clusterSelector: { matchLabels: { env: 'prod' } }, effect: 'Audit', extension: { name: 'ext-00', extensionType: 'ext-00', scope: 'cluster', configurationSettings: { 'log.level': 'info' } } }));
  files.push({ path: 'policies.yaml', content: policies.join('---\n') });
  if (modified) {
    // 10 additions: a new type on ten clusters.
    files.push({
      path: 'new-type.yaml',
      content: [
        doc('ExtensionType', 'ext-new', { chart: { repository: REPOSITORY, name: 'ext-new' }, scopes: ['cluster'], defaultReleaseNamespace: 'ext-new-system', releaseTrains: { stable: {} } }),
        ...Array.from({ length: 10 }, (_, i) => doc('Extension', 'ext-new', { clusterName: clusterName(i * 97), extensionType: 'ext-new', scope: 'cluster' })),
      ].join('---\n'),
    });
  }
  return files;
}

/** 40 versions per chart across two majors, a prerelease, and an invalid one that must be ignored. */
export function syntheticCatalog(): ChartCatalog {
  const catalog = new Map<string, ChartVersions>();
  const versions = ['1.0.029903', '2.0.0-rc.1'];
  for (let minor = 0; minor < 20; minor++) versions.push(`1.${minor}.0`, `2.${minor}.1`);
  for (const name of [...Array.from({ length: TYPES }, (_, t) => typeName(t)), 'ext-new']) {
    catalog.set(chartKey({ repository: REPOSITORY, name }), classifyIndexVersions({ entries: { [name]: versions.map((version) => ({ version })) } }, name));
  }
  return catalog;
}

if (process.argv[2] === CHILD_FLAG && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(JSON.stringify(measure()));
}
