import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalFleet } from '../../../controller/local/local-fleet.js';
import { sampleChartPath } from '../../../controller/local/sample-chart-path.js';
import type { CrStore } from '../../../controller/runtime/cr-store.js';
import type { KubeRest } from '../../../controller/runtime/kube-rest.js';
import { CLAIM_CLUSTER_ANNOTATION, SHARD_ROLE_LABEL, type ShardLease } from '../../../controller/shard/shard-leases.js';
import type { ExtensionStatus } from '../../../controller/status/extension-status.js';
import { ControllerProcesses } from '../../support/controller-processes.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents } from '../../support/fleet-yaml.js';
import { HUB_NAMESPACE, setUpHub } from '../../support/hub-setup.js';
import type { BenchSection, Figure } from '../figure.js';

/**
 * Per-replica load of a sharded hub (`--shards auto`) with 1, 2 and 3 replicas: 6 ConnectedClusters
 * × 10 releases (config-values, no waiting), installed from scratch and then all upgraded by one
 * commit. For each replica: clusters owned, helm operations run, CPU of the controller and the helm
 * processes it ran (from /proc, utime + stime of itself and its waited-for children). The six
 * clusters are one kube-apiserver (each release in a namespace of its own cluster), so the figures
 * show how the controllers share the work, not how six apiservers would scale: on a 2-core machine
 * the helm processes are the bottleneck whatever the number of replicas, so wall time does not drop.
 * BENCH_SHARDS_REPLICAS=1,2,3 picks the replica counts.
 */
const CLUSTERS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
const PER_CLUSTER = 10;
const LIMIT_MS = 10 * 60_000;

const section: BenchSection = {
  name: 'shards',
  async run(): Promise<Figure[]> {
    const counts = (process.env.BENCH_SHARDS_REPLICAS ?? '1,2,3').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
    const figures: Figure[] = [];
    for (const n of counts) {
      try {
        figures.push(...(await runScenario(n)));
      } catch (err) {
        figures.push({ name: `${n} replica(s): FAILED`, value: 0, unit: '', note: err instanceof Error ? err.message.split('\n')[0] : String(err) });
      }
    }
    return figures;
  },
};
export default section;

function fleetFiles(charts: string, greeting: string): Record<string, string> {
  const names = Array.from({ length: PER_CLUSTER }, (_, i) => `ext-${i}`);
  const docs = names.map((name) => clusterScopedTypeYaml({ name, repository: charts, chart: 'config-values', namespace: `${name}-system` }));
  for (const cluster of CLUSTERS) {
    docs.push(connectedClusterYaml(cluster, { kubeconfigSecret: true }));
    for (const name of names) {
      docs.push(`apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${name}}
spec: {clusterName: ${cluster}, extensionType: ${name}, scope: cluster, releaseNamespace: ${cluster}-${name}, configurationSettings: {data.greeting: ${greeting}}}
`);
    }
  }
  return { 'fleet.yaml': documents(...docs) };
}

async function runScenario(replicaCount: number): Promise<Figure[]> {
  const fleet = await startLocalFleet({ clusters: 1 });
  const work = mkdtempSync(join(tmpdir(), 'clusterext-bench-shards-'));
  let replicas: ControllerProcesses | undefined;
  let hub: KubeRest | undefined;
  try {
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    const seed = join(work, 'seed');
    mkdirSync(seed);
    for (const [path, content] of Object.entries(fleetFiles(fleet.charts.url, 'one'))) writeFileSync(join(seed, path), content);
    await fleet.git.createRepository('fleet', seed);
    const kubeconfig = fleet.clusters[0]!.kubeconfig;
    const setUp = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '2s', secrets: Object.fromEntries(CLUSTERS.map((c) => [`${c}-kubeconfig`, { kubeconfig }])) });
    hub = setUp.hub;
    const store = setUp.store;
    replicas = new ControllerProcesses(fleet, work, ['--shards', 'auto', '--lease-duration', '5s', '--resync-interval', '10s']);
    const started = Date.now();
    const running = Array.from({ length: replicaCount }, () => replicas!.start());
    await replicas.waitFor('every release to be Ready', () => allReady(store, 'one'), LIMIT_MS);
    const installMs = Date.now() - started;
    const pushed = Date.now();
    await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, 'two'), message: 'upgrade every release' });
    await replicas.waitFor('every release to be Ready on the new revision', () => allReady(store, 'two'), LIMIT_MS);
    const upgradeMs = Date.now() - pushed;
    const claims = await claimHolders(hub);
    const label = `${replicaCount} replica(s)`;
    const total = CLUSTERS.length * PER_CLUSTER;
    const figures: Figure[] = [
      { name: `${label}: install ${total} releases, to all Ready`, value: installMs / 1000, unit: 's', note: `${CLUSTERS.length} clusters` },
      { name: `${label}: upgrade all by one commit, to all Ready`, value: upgradeMs / 1000, unit: 's' },
    ];
    const cpu = running.map(cpuSeconds);
    figures.push({ name: `${label}: CPU of all replicas (controllers + helm)`, value: cpu.reduce((a, b) => a + b, 0), unit: 's', note: `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores (shared machine)` });
    running.forEach((child, i) => {
      const owned = [...claims.values()].filter((holder) => holder === replicas!.identity(child)).length;
      const operations = replicas!.log(child).filter((l) => l.msg === 'helm operation ended').length;
      figures.push(
        { name: `${label}: replica ${i + 1} clusters owned`, value: owned, unit: '' },
        { name: `${label}: replica ${i + 1} helm operations`, value: operations, unit: '' },
        { name: `${label}: replica ${i + 1} CPU (controller + helm)`, value: cpu[i]!, unit: 's' },
      );
    });
    return figures;
  } finally {
    replicas?.killAll();
    hub?.close();
    await fleet.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function allReady(store: CrStore, greeting: string): Promise<true | undefined> {
  const crs = await store.list<{ configurationSettings: Record<string, unknown> }, ExtensionStatus>('Extension');
  if (crs.length !== CLUSTERS.length * PER_CLUSTER) return undefined;
  const ready = crs.every((cr) => cr.spec.configurationSettings['data.greeting'] === greeting && cr.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === cr.metadata.generation));
  return ready ? true : undefined;
}

async function claimHolders(hub: KubeRest): Promise<Map<string, string>> {
  const res = await hub.request<{ items: ShardLease[] }>({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${HUB_NAMESPACE}/leases?labelSelector=${encodeURIComponent(`${SHARD_ROLE_LABEL}=claim`)}` });
  return new Map(res.body.items.map((l) => [l.metadata.annotations?.[CLAIM_CLUSTER_ANNOTATION] ?? l.metadata.name, l.spec.holderIdentity ?? '']));
}

/** utime + stime of the process and of the children it has waited for (helm), from /proc (100 ticks a second). */
function cpuSeconds(child: ChildProcess): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return (utime! + stime! + cutime! + cstime!) / 100;
}
