import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeRest } from '../controller/cluster/kube-client.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { projectRoot } from '../controller/local/project-root.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import { assignClusters } from '../controller/shard/assign-clusters.js';
import { CLAIM_CLUSTER_ANNOTATION, SHARD_ROLE_LABEL, type ShardLease } from '../controller/shard/shard-leases.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { ControllerProcesses } from './support/controller-processes.js';
import { ensureTestHelmHelper } from './support/helm-drivers.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents } from './support/fleet-yaml.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { startTestFleet } from './support/test-fleet.js';

const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');
const LEASE_MS = 5_000;
/** How often replicas renew and look at each other: a fifth of the lease. */
const TICK_MS = LEASE_MS / 5;
const CLUSTERS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'] as const;
const EXTENSIONS = ['greet', 'hello'] as const;

/**
 * Six ConnectedClusters that are one kube-apiserver (one per cluster would not fit this 2-core
 * machine three times over), each reached through its own kubeconfig Secret. Every release gets a
 * namespace of its own cluster (`<cluster>-<extension>`), so the six "clusters" never share Helm
 * release storage or objects.
 */
function fleetFiles(charts: string, greeting: string): Record<string, string> {
  // A cluster-scoped type has one instance per cluster: one type per Extension name.
  const docs = EXTENSIONS.map((name) => clusterScopedTypeYaml({ name, repository: charts, chart: 'config-values', namespace: `${name}-system` }));
  for (const cluster of CLUSTERS) {
    docs.push(connectedClusterYaml(cluster, { kubeconfigSecret: true }));
    for (const name of EXTENSIONS) {
      docs.push(`apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${name}}
spec:
  clusterName: ${cluster}
  extensionType: ${name}
  scope: cluster
  releaseNamespace: ${cluster}-${name}
  configurationSettings: {data.greeting: ${greeting}}
`);
    }
  }
  return { 'fleet.yaml': documents(...docs) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The sum of every series of one metric in Prometheus text. */
function metricSum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/**
 * Three `clusterext controller --shards auto` processes on one hub, as a three-replica Deployment
 * runs them: the clusters are shared out by rendezvous hashing over the live replicas, a SIGKILLed
 * replica's clusters move within the lease, a SIGTERMed one hands over at once, a new one takes its
 * share, and no release ever has two helm operations at once.
 */
describe('three controller replicas sharing six clusters', () => {
  let fleet: LocalFleet;
  let store: CrStore;
  let hub: KubeRest;
  let work: string;
  let replicas: ControllerProcesses;

  /** Cluster → holder of its claim Lease ('' when given up). */
  async function claims(): Promise<Map<string, string>> {
    const res = await hub.request<{ items: ShardLease[] }>({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${HUB_NAMESPACE}/leases?labelSelector=${encodeURIComponent(`${SHARD_ROLE_LABEL}=claim`)}` });
    return new Map(res.body.items.map((l) => [l.metadata.annotations![CLAIM_CLUSTER_ANNOTATION]!, l.spec.holderIdentity ?? '']));
  }

  /** True once every cluster's claim is held as rendezvous hashing over `members` says. */
  async function claimedAsAssigned(members: ChildProcess[]): Promise<true | undefined> {
    const expected = assignClusters({ members: members.map((m) => replicas.identity(m)), clusters: [...CLUSTERS] });
    const held = await claims();
    return CLUSTERS.every((c) => held.get(c) === expected.get(c)) ? true : undefined;
  }

  async function clustersOf(member: ChildProcess): Promise<string[]> {
    return [...(await claims())].filter(([, holder]) => holder === replicas.identity(member)).map(([c]) => c);
  }

  const allReady = async (greeting: string) => {
    for (const cluster of CLUSTERS) {
      for (const name of EXTENSIONS) {
        const cr = await store.get<{ configurationSettings: Record<string, unknown> }, ExtensionStatus>('Extension', `${cluster}.${name}`);
        if (cr?.spec.configurationSettings['data.greeting'] !== greeting) return undefined;
        if (!cr.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === cr.metadata.generation)) return undefined;
      }
    }
    return true;
  };

  /** Every revision helm recorded for a release, oldest first. */
  async function history(cluster: string, name: string): Promise<{ revision: number; status: string }[]> {
    const res = await hub.request<{ items: { metadata: { labels: Record<string, string> } }[] }>({
      method: 'GET',
      path: `/api/v1/namespaces/${cluster}-${name}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${name}`)}`,
    });
    return res.body.items.map((s) => ({ revision: Number(s.metadata.labels.version), status: s.metadata.labels.status! })).sort((a, b) => a.revision - b.revision);
  }

  beforeAll(async () => {
    // The replicas run on the controller's default driver, the helm helper.
    await ensureTestHelmHelper();
    fleet = await startTestFleet({ clusters: 1 });
    work = mkdtempSync(join(tmpdir(), 'clusterext-shards-'));
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    const seed = join(work, 'seed');
    mkdirSync(seed);
    for (const [path, content] of Object.entries(fleetFiles(fleet.charts.url, 'one'))) writeFileSync(join(seed, path), content);
    await fleet.git.createRepository('fleet', seed);
    const kubeconfig = fleet.clusters[0]!.kubeconfig;
    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '1s', secrets: Object.fromEntries(CLUSTERS.map((c) => [`${c}-kubeconfig`, { kubeconfig }])) }));
    replicas = new ControllerProcesses(fleet, work, ['--shards', 'auto', '--lease-duration', `${LEASE_MS}ms`, '--resync-interval', '2s', '--chart-index-ttl', '1s', '--concurrency', '2']);
  });

  afterAll(async () => {
    replicas?.killAll();
    hub?.close();
    await fleet?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shares the clusters out over the replicas and every cluster converges', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const three = ports.map((port) => replicas.start(['--health-addr', `127.0.0.1:${port}`]));
    await replicas.waitFor('every cluster to be claimed as rendezvous hashing over the three replicas says', () => claimedAsAssigned(three));
    await replicas.waitFor('every Extension to be Ready', () => allReady('one'), 240_000);
    for (const cluster of CLUSTERS) for (const name of EXTENSIONS) expect(await history(cluster, name)).toEqual([{ revision: 1, status: 'deployed' }]);
    // The operator sees who reconciles each cluster.
    const table = execFileSync(process.execPath, [cli, 'get', 'clusters', '-o', 'wide', '--kubeconfig', fleet.clusters[0]!.kubeconfigPath, '-n', HUB_NAMESPACE], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const held = await claims();
    for (const cluster of CLUSTERS) expect(table.split('\n').find((l) => l.startsWith(`${cluster} `))).toContain(held.get(cluster));
    // Each replica's metrics say what it owns, and count the Ready Extensions of its own shard: summed, the fleet.
    await replicas.waitFor('the replicas metrics to add up to the fleet', async () => {
      const texts = await Promise.all(ports.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
      const owned = await Promise.all(three.map((r) => clustersOf(r)));
      const ownedOk = texts.every((t, i) => metricSum(t, 'clusterext_shard_clusters') === owned[i]!.length);
      return ownedOk && texts.reduce((sum, t) => sum + metricSum(t, 'clusterext_extensions_ready'), 0) === CLUSTERS.length * EXTENSIONS.length ? true : undefined;
    }, 60_000);
  }, 300_000);

  it('moves the clusters of a SIGKILLed replica within the lease duration, and they converge', async () => {
    const three = replicas.children.slice(0, 3);
    const counts = await Promise.all(three.map(async (r) => (await clustersOf(r)).length));
    const victim = three[counts.indexOf(Math.max(...counts))]!;
    const survivors = three.filter((r) => r !== victim);
    process.kill(-victim.pid!, 'SIGKILL');
    const killedAt = Date.now();
    await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, 'two'), message: 'greet again' });
    await replicas.waitFor('the survivors to hold every cluster as assigned over them', () => claimedAsAssigned(survivors), 6 * LEASE_MS);
    // The last renewal was at most a tick before the kill; the claim expires a lease after the
    // survivors last saw it change (up to a tick later), and they look once a tick. 3 s of slack for
    // a loaded machine, still below 1.5 lease durations.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 2 * TICK_MS + 3_000);
    await replicas.waitFor('every Extension to be Ready on the new revision', () => allReady('two'), 240_000);
  }, 300_000);

  it('hands the clusters of a SIGTERMed replica over at once, and a new replica takes its share', async () => {
    const survivors = replicas.children.slice(0, 3).filter((r) => !replicas.exited(r));
    const counts = await Promise.all(survivors.map(async (r) => (await clustersOf(r)).length));
    const leaving = survivors[counts.indexOf(Math.max(...counts))]!;
    const staying = survivors.filter((r) => r !== leaving);
    leaving.kill('SIGTERM');
    const termAt = Date.now();
    await replicas.waitFor('the remaining replica to hold every cluster', () => claimedAsAssigned(staying), 4 * LEASE_MS);
    // Given up, not left to expire: well within one lease.
    expect(Date.now() - termAt).toBeLessThan(LEASE_MS);
    expect(await replicas.waitFor('the leaving replica to exit', async () => (leaving.exitCode !== null ? leaving.exitCode : undefined), 60_000)).toBe(0);

    const joining = replicas.start();
    await replicas.waitFor('the new replica to take its share', () => claimedAsAssigned([...staying, joining]), 6 * LEASE_MS);
    expect((await clustersOf(joining)).length).toBeGreaterThan(0);
    await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, 'three'), message: 'greet a third time' });
    await replicas.waitFor('every Extension to be Ready on the third revision', () => allReady('three'), 240_000);
  }, 300_000);

  it('never ran two helm operations on one release at once, and helm history shows no conflict', async () => {
    const operations = replicas.children.flatMap((r) =>
      replicas
        .log(r)
        .filter((l) => l.msg === 'helm operation ended')
        .map((l) => ({ replica: replicas.identity(r), release: l.extension!, startedAt: l.startedAt!, endedAt: l.endedAt! })),
    );
    // Three revisions, each one operation per release (install, then two upgrades).
    expect(operations.length).toBeGreaterThanOrEqual(3 * CLUSTERS.length * EXTENSIONS.length);
    const replicasUsed = new Set(operations.map((o) => o.replica));
    expect(replicasUsed.size).toBeGreaterThanOrEqual(2);
    for (const cluster of CLUSTERS) {
      for (const name of EXTENSIONS) {
        const ofRelease = operations.filter((o) => o.release === `${cluster}.${name}`).sort((a, b) => a.startedAt - b.startedAt);
        for (let i = 1; i < ofRelease.length; i++) expect(ofRelease[i]!.startedAt, `${cluster}.${name}: ${JSON.stringify(ofRelease)}`).toBeGreaterThanOrEqual(ofRelease[i - 1]!.endedAt);
        expect(await history(cluster, name)).toEqual([
          { revision: 1, status: 'superseded' },
          { revision: 2, status: 'superseded' },
          { revision: 3, status: 'deployed' },
        ]);
      }
    }
  });
});
