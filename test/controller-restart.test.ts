import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { projectRoot } from '../controller/local/project-root.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents } from './support/fleet-yaml.js';
import { helmEnv, startTestFleet } from './support/test-fleet.js';

const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');
const CANARY = 'canary-restart-41c9-never-printed';

/** A chart whose pre-install hook Job never completes here (no kubelet): helm stays pending-install. */
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
      containers: [{name: prepare, image: busybox, command: ["true"]}]
`,
  );
  return chart;
}

function fleetFiles(charts: string, chart: string): Record<string, string> {
  return {
    'fleet.yaml': documents(
      clusterScopedTypeYaml({ name: 'agent', repository: charts, chart, namespace: 'agent-system' }),
      connectedClusterYaml('local-1', { kubeconfigSecret: true }),
      `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: agent}
spec:
  clusterName: local-1
  extensionType: agent
  scope: cluster
  configurationProtectedSettingsRef: {secretName: agent-secrets}
`,
    ),
  };
}

/**
 * The `clusterext controller` command as users run it, killed with SIGKILL in the middle of an
 * install (helm and all) and started again: the stuck release is recovered, not duplicated, and
 * nothing it prints carries a protected value.
 */
describe('clusterext controller killed mid-install and restarted', () => {
  let fleet: LocalFleet;
  let store: CrStore;
  let cluster: KubeRest;
  let work: string;
  const output: string[] = [];
  const children: ChildProcess[] = [];

  function startController(): ChildProcess {
    const child = spawn(
      process.execPath,
      [cli, 'controller', '--kubeconfig', fleet.clusters[0]!.kubeconfigPath, '--resync-interval', '1s', '--chart-index-ttl', '1s', '--helm-timeout', '120s', '--stuck-release-timeout', '2s', '--cache-dir', join(work, 'cache')],
      // Its own process group, so SIGKILL reaches the controller and the helm it is running.
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: helmEnv(fleet) },
    );
    children.push(child);
    child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    return child;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Controller output:\n${output.join('').slice(-4000)}`);
      await sleep(250);
    }
  }

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    work = mkdtempSync(join(tmpdir(), 'clusterext-restart-'));
    cluster = createKubeClient(fleet.clusters[0]!.kubeconfig);
    await fleet.charts.publish(writeHangingChart(work), { version: '1.0.0' });
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    const seed = join(work, 'seed');
    mkdirSync(seed);
    for (const [path, content] of Object.entries(fleetFiles(fleet.charts.url, 'hanging'))) writeFileSync(join(seed, path), content);
    await fleet.git.createRepository('fleet', seed);
    ({ store } = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '1s', protectedSettings: { 'agent-secrets': { 'data.token': CANARY } } }));
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    cluster?.close();
    await fleet?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('recovers the release left pending by a killed controller, without a duplicate', async () => {
    const first = startController();
    const pending = await waitFor('the install to be in progress', async () => {
      const release = await readLatestRelease(cluster, { namespace: 'agent-system', name: 'agent' });
      return release?.status === 'pending-install' ? release : undefined;
    });
    expect(pending.revision).toBe(1);
    process.kill(-first.pid!, 'SIGKILL');
    await waitFor('the controller to die', async () => (first.exitCode !== null || first.signalCode !== null ? true : undefined));
    // Killed outright: helm never got to record an outcome.
    expect((await readLatestRelease(cluster, { namespace: 'agent-system', name: 'agent' }))?.status).toBe('pending-install');

    // The fix lands in git while the controller is down; the new one must first get past the lock.
    await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, 'config-values'), message: 'use the agent chart that installs' });
    const second = startController();
    const ready = await waitFor('the Extension to be Ready', async () => {
      const cr = await store.get<unknown, ExtensionStatus>('Extension', 'local-1.agent');
      return cr?.status?.conditions.find((c) => c.type === 'Ready' && c.status === 'True') ? cr : undefined;
    });
    expect(ready.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.0.0', release: { name: 'agent', namespace: 'agent-system', status: 'deployed' } });

    const records = await cluster.request<{ items: { metadata: { labels: Record<string, string> } }[] }>({
      method: 'GET',
      path: `/api/v1/namespaces/agent-system/secrets?labelSelector=${encodeURIComponent('owner=helm,name=agent')}`,
    });
    const statuses = records.body.items.map((s) => s.metadata.labels.status);
    expect(statuses.filter((s) => s === 'deployed')).toHaveLength(1);
    expect(statuses.filter((s) => s?.startsWith('pending'))).toEqual([]);
    const releasesInCluster = await cluster.request<{ items: unknown[] }>({ method: 'GET', path: `/api/v1/secrets?labelSelector=${encodeURIComponent('owner=helm,status=deployed')}` });
    expect(releasesInCluster.body.items).toHaveLength(1);

    const hubEvents = await cluster.request<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>({ method: 'GET', path: `/api/v1/namespaces/${HUB_NAMESPACE}/events` });
    const about = hubEvents.body.items.filter((e) => e.involvedObject.name === 'local-1.agent');
    expect(about.map((e) => e.reason)).toContain('UnlockSucceeded');

    second.kill('SIGTERM');
    const code = await waitFor('the controller to stop on SIGTERM', async () => (second.exitCode !== null ? second.exitCode : undefined), 30_000);
    expect(code).toBe(0);
  });

  it('printed no protected value in any output', () => {
    const text = output.join('');
    expect(text).toContain('controller started');
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(fleet.git.auth.password);
  });
});
