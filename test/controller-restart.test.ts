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
import { DEFAULT_TEST_HELM_DRIVER, ensureTestHelmHelper, helmHelpersOf, type HelmDriver } from './support/helm-drivers.js';
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

function extensionYaml(name: string, secrets?: string): string {
  return `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${name}}
spec:
  clusterName: local-1
  extensionType: ${name}
  scope: cluster
${secrets ? `  configurationProtectedSettingsRef: {secretName: ${secrets}}\n` : ''}`;
}

/** The "agent" Extension on `chart`, and with `solo` a second one ("solo") on that chart. */
function fleetFiles(charts: string, chart: string, solo?: string): Record<string, string> {
  return {
    'fleet.yaml': documents(
      clusterScopedTypeYaml({ name: 'agent', repository: charts, chart, namespace: 'agent-system' }),
      connectedClusterYaml('local-1', { kubeconfigSecret: true }),
      extensionYaml('agent', 'agent-secrets'),
      ...(solo ? [clusterScopedTypeYaml({ name: 'solo', repository: charts, chart: solo, namespace: 'solo-system' }), extensionYaml('solo')] : []),
    ),
  };
}

/**
 * The test bed of one helm driver: a fleet, a hub, and `clusterext controller` processes on it. The
 * helper bed gives no --helm-driver: it runs what `clusterext controller` runs by default.
 */
function useRestartBed(driver: HelmDriver) {
  const bed = {
    fleet: undefined as unknown as LocalFleet,
    store: undefined as unknown as CrStore,
    cluster: undefined as unknown as KubeRest,
    work: '',
    output: [] as string[],
    children: [] as ChildProcess[],
    texts: new Map<ChildProcess, string[]>(),
    /**
     * `driver` 'default' gives no --helm-driver; `args` and `env` (e.g. a cache without the helper)
     * are for a test about them.
     */
    startController(options: { driver?: HelmDriver | 'default'; args?: string[]; env?: Record<string, string> } = {}): ChildProcess {
      const asked = options.driver ?? (driver === DEFAULT_TEST_HELM_DRIVER ? 'default' : driver);
      const { CLUSTEREXT_HELM_DRIVER: _asked, ...env } = helmEnv(bed.fleet);
      const child = spawn(
        process.execPath,
        [
          cli,
          'controller',
          '--kubeconfig',
          bed.fleet.clusters[0]!.kubeconfigPath,
          ...(asked === 'default' ? [] : ['--helm-driver', asked]),
          '--resync-interval',
          '1s',
          '--chart-index-ttl',
          '1s',
          '--helm-timeout',
          '120s',
          '--stuck-release-timeout',
          '2s',
          '--cache-dir',
          join(bed.work, 'cache'),
          ...(options.args ?? []),
        ],
        // Its own process group, so SIGKILL reaches the controller and the helm (or helper) it is running.
        { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...options.env } },
      );
      bed.children.push(child);
      const own: string[] = [];
      bed.texts.set(child, own);
      for (const stream of [child.stdout!, child.stderr!]) {
        stream.on('data', (c: Buffer) => {
          bed.output.push(c.toString());
          own.push(c.toString());
        });
      }
      return child;
    },
    /** The JSON log lines of one controller. */
    log(child: ChildProcess): { level?: number; msg?: string; helmDriver?: string }[] {
      return bed.texts
        .get(child)!
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level?: number; msg?: string; helmDriver?: string });
    },
    async exitCode(child: ChildProcess, what: string): Promise<number> {
      return bed.waitFor(what, async () => (child.exitCode !== null ? child.exitCode : undefined), 30_000);
    },
    async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Controller output:\n${bed.output.join('').slice(-4000)}`);
        await sleep(250);
      }
    },
    release(name: string) {
      return readLatestRelease(bed.cluster, { namespace: `${name}-system`, name });
    },
    /** Helm's release records of `name`, by status. */
    async recordStatuses(name: string): Promise<string[]> {
      const records = await bed.cluster.request<{ items: { metadata: { labels: Record<string, string> } }[] }>({
        method: 'GET',
        path: `/api/v1/namespaces/${name}-system/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${name}`)}`,
      });
      return records.body.items.map((s) => s.metadata.labels.status!);
    },
    async ready(name: string) {
      return bed.waitFor(`the Extension "${name}" to be Ready`, async () => {
        const cr = await bed.store.get<unknown, ExtensionStatus>('Extension', `local-1.${name}`);
        return cr?.status?.conditions.find((c) => c.type === 'Ready' && c.status === 'True') ? cr : undefined;
      });
    },
    async stopWithSigterm(child: ChildProcess): Promise<void> {
      child.kill('SIGTERM');
      const code = await bed.waitFor('the controller to stop on SIGTERM', async () => (child.exitCode !== null ? child.exitCode : undefined), 30_000);
      expect(code).toBe(0);
      // Its helm helper (or helm) stopped with it: nothing of this test bed's is left running.
      expect(helmHelpersOf(bed.fleet.dir)).toEqual([]);
    },
  };

  beforeAll(async () => {
    if (driver === 'helper') await ensureTestHelmHelper();
    bed.fleet = await startTestFleet({ clusters: 1 });
    bed.work = mkdtempSync(join(tmpdir(), 'clusterext-restart-'));
    bed.cluster = createKubeClient(bed.fleet.clusters[0]!.kubeconfig);
    await bed.fleet.charts.publish(writeHangingChart(bed.work), { version: '1.0.0' });
    await bed.fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    const seed = join(bed.work, 'seed');
    mkdirSync(seed);
    for (const [path, content] of Object.entries(fleetFiles(bed.fleet.charts.url, 'hanging'))) writeFileSync(join(seed, path), content);
    await bed.fleet.git.createRepository('fleet', seed);
    ({ store: bed.store } = await setUpHub(bed.fleet, { repository: 'fleet', path: '.', interval: '1s', protectedSettings: { 'agent-secrets': { 'data.token': CANARY } } }));
  });

  afterAll(async () => {
    for (const child of bed.children) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const orphan of bed.fleet ? helmHelpersOf(bed.fleet.dir) : []) process.kill(orphan.pid, 'SIGKILL');
    bed.cluster?.close();
    await bed.fleet?.stop();
    if (bed.work) rmSync(bed.work, { recursive: true, force: true });
  });

  return bed;
}

type RestartBed = ReturnType<typeof useRestartBed>;

/**
 * Killed outright (SIGKILL to its process group: the controller and the helm or helper it runs)
 * in the middle of an install and started again: the release left pending-install is unlocked
 * after --stuck-release-timeout and installed once, not duplicated.
 */
async function recoversPendingRelease(bed: RestartBed): Promise<void> {
  const first = bed.startController();
  const pending = await bed.waitFor('the install to be in progress', async () => {
    const release = await bed.release('agent');
    return release?.status === 'pending-install' ? release : undefined;
  });
  expect(pending.revision).toBe(1);
  process.kill(-first.pid!, 'SIGKILL');
  await bed.waitFor('the controller to die', async () => (first.exitCode !== null || first.signalCode !== null ? true : undefined));
  // Killed outright: helm never got to record an outcome.
  expect((await bed.release('agent'))?.status).toBe('pending-install');

  // The fix lands in git while the controller is down; the new one must first get past the lock.
  await bed.fleet.git.commitAndPush('fleet', { files: fleetFiles(bed.fleet.charts.url, 'config-values'), message: 'use the agent chart that installs' });
  const second = bed.startController();
  const ready = await bed.ready('agent');
  expect(ready.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.0.0', release: { name: 'agent', namespace: 'agent-system', status: 'deployed' } });

  const statuses = await bed.recordStatuses('agent');
  expect(statuses.filter((s) => s === 'deployed')).toHaveLength(1);
  expect(statuses.filter((s) => s.startsWith('pending'))).toEqual([]);
  const releasesInCluster = await bed.cluster.request<{ items: unknown[] }>({ method: 'GET', path: `/api/v1/secrets?labelSelector=${encodeURIComponent('owner=helm,status=deployed')}` });
  expect(releasesInCluster.body.items).toHaveLength(1);

  const hubEvents = await bed.cluster.request<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>({ method: 'GET', path: `/api/v1/namespaces/${HUB_NAMESPACE}/events` });
  const about = hubEvents.body.items.filter((e) => e.involvedObject.name === 'local-1.agent');
  expect(about.map((e) => e.reason)).toContain('UnlockSucceeded');

  await bed.stopWithSigterm(second);
}

function printedNoProtectedValue(bed: RestartBed): void {
  const text = bed.output.join('');
  expect(text).toContain('controller started');
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain(bed.fleet.git.auth.password);
}

/**
 * The `clusterext controller` command as users run it, killed with SIGKILL in the middle of an
 * install and started again: the stuck release is recovered, not duplicated, a SIGTERM'd
 * controller leaves nothing running, and nothing it prints carries a protected value. On both helm
 * drivers: the helper (the default) and one helm process per operation.
 */
describe('clusterext controller killed mid-install and restarted (--helm-driver cli)', () => {
  const bed = useRestartBed('cli');

  it('recovers the release left pending by a killed controller, without a duplicate', () => recoversPendingRelease(bed));

  it('without the helper binary: no --helm-driver warns once and runs one helm process per operation; --helm-driver helper is an error', async () => {
    // A cache without the helper, as on a machine where it was never built.
    const cache = join(bed.work, 'cache-without-helper');
    mkdirSync(cache);
    const missing = { CLUSTEREXT_CACHE_DIR: cache };
    for (const asked of [{ args: ['--helm-driver', 'helper'] }, { env: { CLUSTEREXT_HELM_DRIVER: 'helper' } }]) {
      const refused = bed.startController({ driver: 'default', ...asked, env: { ...missing, ...asked.env } });
      expect(await bed.exitCode(refused, 'the controller to refuse the missing helper')).toBe(1);
      expect(bed.texts.get(refused)!.join('')).toContain('--helm-driver helper needs the clusterext-helm-helper binary, but clusterext-helm-helper is not built');
    }

    const fallback = bed.startController({ driver: 'default', env: missing });
    await bed.waitFor('the controller to start', async () => (bed.log(fallback).some((l) => l.msg === 'controller started') ? true : undefined));
    const warnings = bed.log(fallback).filter((l) => (l.level ?? 0) >= 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('The helm helper, the default helm driver, is not available because clusterext-helm-helper is not built');
    expect(warnings[0]!.msg).toContain('npm run testbed:prepare');
    expect(bed.log(fallback).find((l) => l.msg === 'controller started')?.helmDriver).toBe('cli');
    // And it works: a new Extension is installed, by helm processes.
    await bed.fleet.git.commitAndPush('fleet', { files: fleetFiles(bed.fleet.charts.url, 'config-values', 'config-values'), message: 'add solo' });
    expect((await bed.ready('solo')).status).toMatchObject({ provisioningState: 'Succeeded', release: { name: 'solo', status: 'deployed' } });
    await bed.stopWithSigterm(fallback);
  });

  it('printed no protected value in any output', () => printedNoProtectedValue(bed));
});

describe('clusterext controller killed mid-install and restarted (--helm-driver helper)', () => {
  const bed = useRestartBed('helper');

  it('recovers the release left pending by a killed controller, without a duplicate', () => recoversPendingRelease(bed));

  it('a controller killed on its own: its helper cancels the install (Helm records it failed) and exits, and the next controller installs once', async () => {
    // A second Extension whose install hangs; only the controller process is killed (an OOM kill,
    // kill -9 of its pid): its helper sees stdin close without a stop request.
    await bed.fleet.git.commitAndPush('fleet', { files: fleetFiles(bed.fleet.charts.url, 'config-values', 'hanging'), message: 'add solo' });
    const third = bed.startController();
    await bed.waitFor('the solo install to be in progress', async () => ((await bed.release('solo'))?.status === 'pending-install' ? true : undefined));
    const helpers = helmHelpersOf(bed.fleet.dir).filter((h) => h.ppid === third.pid);
    expect(helpers).toHaveLength(1);
    process.kill(third.pid!, 'SIGKILL');
    // Not left to go on unsupervised (as an orphaned helm process would, for up to --helm-timeout
    // 120s): cancelled at once, recorded failed, and the helper gone well within its 10 s bound.
    const failed = await bed.waitFor('the cancelled install to be recorded failed', async () => {
      const release = await bed.release('solo');
      return release?.status === 'failed' ? release : undefined;
    }, 15_000);
    expect(failed.revision).toBe(1);
    await bed.waitFor('the orphaned helper to exit', async () => (helmHelpersOf(bed.fleet.dir).length === 0 ? true : undefined), 15_000);
    // It stays failed: no late write of the abandoned install.
    await sleep(1_000);
    expect((await bed.release('solo'))?.status).toBe('failed');

    await bed.fleet.git.commitAndPush('fleet', { files: fleetFiles(bed.fleet.charts.url, 'config-values', 'config-values'), message: 'solo on the chart that installs' });
    const fourth = bed.startController();
    const ready = await bed.ready('solo');
    expect(ready.status).toMatchObject({ provisioningState: 'Succeeded', release: { name: 'solo', namespace: 'solo-system', status: 'deployed' } });
    const statuses = await bed.recordStatuses('solo');
    expect(statuses.filter((s) => s === 'deployed')).toHaveLength(1);
    expect(statuses.filter((s) => s.startsWith('pending'))).toEqual([]);
    await bed.stopWithSigterm(fourth);
  });

  it('ran on the helm helper with no --helm-driver given: it is the default', () => {
    const started = bed.children.flatMap((child) => bed.log(child).filter((l) => l.msg === 'controller started'));
    expect(started.length).toBe(bed.children.length);
    expect(started.map((l) => l.helmDriver)).toEqual(bed.children.map(() => 'helper'));
    expect(bed.output.join('')).not.toContain('is not available');
  });

  it('printed no protected value in any output', () => printedNoProtectedValue(bed));
});
