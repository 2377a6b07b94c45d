import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents } from './support/fleet-yaml.js';
import { ControllerProcesses } from './support/controller-processes.js';
import { ensureTestHelmHelper } from './support/helm-drivers.js';
import { startTestFleet } from './support/test-fleet.js';
const LEASE_MS = 5_000;
const NAMES = ['alpha', 'beta', 'gamma'] as const;
const MORE = ['delta', 'epsilon', 'zeta'] as const;

/**
 * A chart whose pre-install hook Job never completes: its pod asks for a node that does not exist,
 * so the scheduler never places it (the test bed's KWOK would otherwise "run" it at once) and helm
 * stays pending-install until its timeout.
 */
function writeHangingChart(dir: string): string {
  const chart = join(dir, 'hanging');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: hanging\nversion: 1.0.0\n');
  writeFileSync(
    join(chart, 'templates', 'hook.yaml'),
    `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-prepare
  annotations: {"helm.sh/hook": pre-install}
spec:
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {clusterext.io/no-such-node: "true"}
      containers: [{name: prepare, image: busybox, command: ["true"]}]
`,
  );
  return chart;
}

type Releases = Record<string, { chart: 'config-values' | 'hanging'; greeting: string }>;

const releases = (names: readonly string[], chart: 'config-values' | 'hanging', greeting: string): Releases => Object.fromEntries(names.map((n) => [n, { chart, greeting }]));

/** One cluster-scoped type and one Extension per release, each its own release and namespace. */
function fleetFiles(charts: string, all: Releases): Record<string, string> {
  const docs = [connectedClusterYaml('local-1', { kubeconfigSecret: true })];
  for (const [name, o] of Object.entries(all)) {
    docs.push(
      clusterScopedTypeYaml({ name, repository: charts, chart: o.chart, namespace: `${name}-system` }),
      `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${name}}
spec:
  clusterName: local-1
  extensionType: ${name}
  scope: cluster
  configurationSettings: {data.greeting: ${o.greeting}}
`,
    );
  }
  return { 'fleet.yaml': documents(...docs) };
}

interface Lease {
  spec: { holderIdentity?: string; renewTime?: string; leaseTransitions?: number };
}

/**
 * Two `clusterext controller --leader-elect` processes on one hub, as a two-replica Deployment runs
 * them: one acts, the standby takes over from a killed leader within the lease duration, no release
 * gets two helm operations at once, and SIGTERM drains within its bound.
 */
describe('two controller replicas on one hub', () => {
  let fleet: LocalFleet;
  let store: CrStore;
  let cluster: KubeRest;
  let work: string;
  let replicas: ControllerProcesses;

  const lease = async () => (await cluster.request<Lease>({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${HUB_NAMESPACE}/leases/clusterext-controller` })).body;
  const allReady = async (greeting: string) => {
    for (const name of NAMES) {
      const cr = await store.get<{ configurationSettings: Record<string, unknown> }, ExtensionStatus>('Extension', `local-1.${name}`);
      if (cr?.spec.configurationSettings['data.greeting'] !== greeting) return undefined;
      if (!cr.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === cr.metadata.generation)) return undefined;
    }
    return true;
  };
  /** Every revision helm recorded for a release, oldest first. */
  async function history(name: string): Promise<{ revision: number; status: string }[]> {
    const res = await cluster.request<{ items: { metadata: { labels: Record<string, string> } }[] }>({
      method: 'GET',
      path: `/api/v1/namespaces/${name}-system/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${name}`)}`,
    });
    return res.body.items.map((s) => ({ revision: Number(s.metadata.labels.version), status: s.metadata.labels.status! })).sort((a, b) => a.revision - b.revision);
  }

  beforeAll(async () => {
    // The replicas run on the controller's default driver, the helm helper.
    await ensureTestHelmHelper();
    fleet = await startTestFleet({ clusters: 1 });
    work = mkdtempSync(join(tmpdir(), 'clusterext-replicas-'));
    replicas = new ControllerProcesses(fleet, work, [
      '--leader-elect',
      '--lease-duration',
      `${LEASE_MS}ms`,
      '--resync-interval',
      '1s',
      '--chart-index-ttl',
      '1s',
      // One helm operation at a time, so work queues behind a hanging one.
      '--concurrency',
      '1',
      '--helm-timeout',
      '20s',
      // Releases left pending stay locked for the whole test: only the replicas' own care counts.
      '--stuck-release-timeout',
      '10m',
    ]);
    cluster = createKubeClient(fleet.clusters[0]!.kubeconfig);
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    await fleet.charts.publish(writeHangingChart(work), { version: '1.0.0' });
    const seed = join(work, 'seed');
    mkdirSync(seed);
    for (const [path, content] of Object.entries(fleetFiles(fleet.charts.url, releases(NAMES, 'config-values', 'one')))) writeFileSync(join(seed, path), content);
    await fleet.git.createRepository('fleet', seed);
    ({ store } = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '1s' }));
  });

  afterAll(async () => {
    replicas?.killAll();
    cluster?.close();
    await fleet?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('one replica acts; the standby takes over from a SIGKILLed leader within the lease duration', async () => {
    const a = replicas.start();
    await replicas.waitFor('replica A to hold the Lease', async () => ((await lease())?.spec?.holderIdentity === replicas.identity(a) ? true : undefined));
    const b = replicas.start();
    await replicas.waitFor('every Extension to be Ready', () => allReady('one'));
    expect(replicas.actions(a).length).toBeGreaterThanOrEqual(NAMES.length);
    expect(replicas.actions(b)).toEqual([]);
    expect((await lease()).spec.holderIdentity).toBe(replicas.identity(a));
    for (const name of NAMES) expect(await history(name)).toEqual([{ revision: 1, status: 'deployed' }]);

    process.kill(-a.pid!, 'SIGKILL');
    const killedAt = Date.now();
    await replicas.waitFor('replica B to take the Lease', async () => ((await lease()).spec.holderIdentity === replicas.identity(b) ? true : undefined), 4 * LEASE_MS);
    // The Lease was renewed at most a fifth of it before the kill; the standby checks as often.
    // 3 s of slack for a loaded machine, still below two lease durations.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + LEASE_MS / 5 + 3_000);
    expect(replicas.text(b)).toContain('acquired the Lease');

    await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, releases(NAMES, 'config-values', 'two')), message: 'greet again' });
    await replicas.waitFor('B to apply the new revision', () => allReady('two'));
    for (const name of NAMES) expect(await history(name)).toEqual([{ revision: 1, status: 'superseded' }, { revision: 2, status: 'deployed' }]);
    expect(replicas.actions(b).map((l) => l.action)).toEqual(['upgrade', 'upgrade', 'upgrade']);
  });

  it('a leader that lost its Lease starts no further helm operation', async () => {
    const b = replicas.children[1]!;
    // Three hanging installs, one at a time: while B waits on the first, two are queued behind it.
    await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, { ...releases(NAMES, 'config-values', 'two'), ...releases(MORE, 'hanging', 'x') }), message: 'three installs that hang' });
    const c = replicas.start();
    const inFlight = await replicas.waitFor('an install to hang', async () => {
      for (const name of MORE) if ((await readLatestRelease(cluster, { namespace: `${name}-system`, name }))?.status === 'pending-install') return name;
      return undefined;
    });
    process.kill(b.pid!, 'SIGSTOP');
    const pausedAt = Date.now();
    try {
      await replicas.waitFor('replica C to take the Lease from the paused leader', async () => ((await lease()).spec.holderIdentity === replicas.identity(c) ? true : undefined), 4 * LEASE_MS);
    } finally {
      process.kill(b.pid!, 'SIGCONT');
    }
    await replicas.waitFor('B to notice', async () => (replicas.text(b).includes('lost the Lease') ? true : undefined), 60_000);
    // B may finish the helm call it had started; it starts no other, though others were queued.
    const afterPause = replicas.actions(b).filter((l) => (l.time ?? 0) >= pausedAt);
    expect(afterPause.every((l) => l.extension === `local-1.${inFlight}`)).toBe(true);
    for (const name of MORE.filter((n) => n !== inFlight)) {
      const revisions = await history(name);
      expect(revisions.length, `${name}: ${JSON.stringify(revisions)}`).toBeLessThanOrEqual(1);
    }
    process.kill(-b.pid!, 'SIGKILL');
  });

  it('SIGTERM during a hanging install exits within the drain bound, and the next leader recovers the release', async () => {
    for (const child of replicas.children) if (!replicas.exited(child)) process.kill(-child.pid!, 'SIGKILL');
    // What B and C left pending stays locked (stuck-release-timeout 10m); D gets a fresh install that
    // hangs. The revision is pushed before D starts, so D's first pass does not retry the hanging
    // chart on the releases of the last test (that would hold the pass for a whole helm timeout).
    const rest = { ...releases(NAMES, 'config-values', 'two'), ...releases(MORE, 'config-values', 'fixed') };
    await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, { ...rest, ...releases(['eta'], 'hanging', 'x') }), message: 'one install that hangs' });
    const d = replicas.start(['--concurrency', '4', '--helm-timeout', '120s', '--drain-timeout', '2s']);
    await replicas.waitFor('replica D to lead', async () => ((await lease()).spec.holderIdentity === replicas.identity(d) ? true : undefined), 6 * LEASE_MS);
    await replicas.waitFor('the install to hang', async () => ((await readLatestRelease(cluster, { namespace: 'eta-system', name: 'eta' }))?.status === 'pending-install' ? true : undefined));

    const termAt = Date.now();
    d.kill('SIGTERM');
    const code = await replicas.waitFor('D to exit', async () => (d.exitCode !== null ? d.exitCode : undefined), 60_000);
    // The drain (2 s) and the cancelled helm call's grace (10 s), far below the helm timeout (120 s).
    expect(Date.now() - termAt).toBeLessThan(2_000 + 10_000 + 5_000);
    expect(code).toBe(0);
    expect(replicas.text(d)).toContain('cancelling them');
    // helm recorded the cancelled install as failed: nothing is left locked for the next leader.
    expect((await readLatestRelease(cluster, { namespace: 'eta-system', name: 'eta' }))?.status).toBe('failed');

    await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, { ...rest, ...releases(['eta'], 'config-values', 'fixed') }), message: 'the chart that installs' });
    replicas.start();
    const ready = await replicas.waitFor('the next leader to recover the release', async () => {
      const cr = await store.get<unknown, ExtensionStatus>('Extension', 'local-1.eta');
      return cr?.status?.conditions.find((x) => x.type === 'Ready' && x.status === 'True') ? cr : undefined;
    });
    expect(ready.status).toMatchObject({ provisioningState: 'Succeeded', release: { name: 'eta', status: 'deployed' } });
  }, 600_000);
});
