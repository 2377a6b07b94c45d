import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { LocalCluster } from '../controller/local/control-planes.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { ensureRealWorldCharts, packagedChartPath, REAL_WORLD_CHARTS } from '../controller/local/real-world-charts.js';
import { runCommand } from '../controller/local/run-command.js';
import { toolPath } from '../controller/local/tool-path.js';
import { helmEnv, startTestFleet } from './support/test-fleet.js';

/**
 * The charts nobody here wrote (fetched from the Go module proxy at `local prepare`) install with
 * real helm on the local clusters, whose simulated nodes "run" their pods: each becomes deployed
 * with its workloads available, and uninstalls cleanly.
 */
describe('fetching the real-world charts', () => {
  it('refuses a module whose checksum is not the pinned one, and publishes nothing', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'clusterext-charts-cache-'));
    try {
      const env = { ...process.env, CLUSTEREXT_CACHE_DIR: cacheDir };
      const podinfo = REAL_WORLD_CHARTS.find((c) => c.name === 'podinfo')!;
      const tampered = { ...podinfo, moduleSum: 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' };
      await expect(ensureRealWorldCharts({ build: true, env, charts: [tampered] })).rejects.toMatchObject({
        code: 'ChartChecksumMismatch',
        message: expect.stringContaining(`not the pinned ${tampered.moduleSum}`),
      });
      const zipTampered = { ...podinfo, zipSha256: '0'.repeat(64) };
      await expect(ensureRealWorldCharts({ build: true, env, charts: [zipTampered] })).rejects.toMatchObject({ code: 'ChartChecksumMismatch' });
      expect(existsSync(packagedChartPath(podinfo, env))).toBe(false);
      await expect(ensureRealWorldCharts({ build: false, env, charts: [podinfo] })).rejects.toMatchObject({ code: 'RealWorldChartsMissing' });
      // The genuine pin is accepted and packaged at the chart's own version.
      expect(await ensureRealWorldCharts({ build: true, env, charts: [podinfo] })).toEqual([{ name: 'podinfo', version: '6.9.2', file: packagedChartPath(podinfo, env) }]);
      expect(existsSync(packagedChartPath(podinfo, env))).toBe(true);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

describe('real-world charts on the local fleet', () => {
  let fleet: LocalFleet;
  let cluster: LocalCluster;
  const helm = (args: string[]) => runCommand(toolPath('helm'), [...args, '--kubeconfig', cluster.kubeconfigPath], { env: helmEnv(fleet) }).then((r) => r.stdout);
  const kubectl = (args: string[]) => runCommand(toolPath('kubectl'), ['--kubeconfig', cluster.kubeconfigPath, ...args]).then((r) => r.stdout.trim());
  const install = (release: string, chart: string, version: string, namespace: string, extra: string[] = []) =>
    helm(['upgrade', '--install', release, chart, '--repo', fleet.charts.url, '--version', version, '--namespace', namespace, '--create-namespace', '--timeout', '4m', ...extra]);

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    cluster = fleet.clusters[0]!;
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('publishes every pinned chart at its own version into the local chart repository', async () => {
    const index = parse(await (await fetch(`${fleet.charts.url}/index.yaml`)).text()) as { entries: Record<string, { version: string }[]> };
    for (const chart of REAL_WORLD_CHARTS) expect(index.entries[chart.name]?.map((e) => e.version)).toContain(chart.version);
  });

  it('installs podinfo, waiting until its Deployment is available, and uninstalls it', async () => {
    await install('podinfo', 'podinfo', '6.9.2', 'podinfo', ['--wait=watcher', '--set', 'replicaCount=2']);
    expect(await kubectl(['get', '-n', 'podinfo', 'deployment/podinfo', '-o', 'jsonpath={.status.availableReplicas}'])).toBe('2');
    expect(JSON.parse(await helm(['list', '-n', 'podinfo', '-o', 'json']))).toEqual([expect.objectContaining({ name: 'podinfo', status: 'deployed', chart: 'podinfo-6.9.2' })]);
    await helm(['uninstall', 'podinfo', '-n', 'podinfo', '--wait']);
    await eventually(async () => expect(await kubectl(['get', '-n', 'podinfo', 'deployments,replicasets,pods', '-o', 'name'])).toBe(''));
  }, 300_000);

  it('installs metrics-server with its APIService, upgrades it to the next chart version, and uninstalls it', async () => {
    await install('metrics-server', 'metrics-server', '3.12.2', 'kube-system', ['--wait=watcher']);
    expect(await kubectl(['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.spec.service.name}'])).toBe('metrics-server');
    expect(await kubectl(['get', '-n', 'kube-system', 'deployment/metrics-server', '-o', 'jsonpath={.status.availableReplicas}'])).toBe('1');
    await install('metrics-server', 'metrics-server', '3.13.1', 'kube-system', ['--wait=watcher']);
    expect(JSON.parse(await helm(['list', '-n', 'kube-system', '-o', 'json']))).toEqual([
      expect.objectContaining({ name: 'metrics-server', revision: '2', status: 'deployed', chart: 'metrics-server-3.13.1' }),
    ]);
    // The APIService can never be Available (no real pod answers behind it); removing it keeps
    // discovery, namespace deletion and garbage collection of this cluster working.
    await helm(['uninstall', 'metrics-server', '-n', 'kube-system', '--wait']);
    expect(await kubectl(['get', 'apiservices', '-o', 'name'])).not.toContain('v1beta1.metrics.k8s.io');
  }, 300_000);

  it('installs ingress-nginx, whose pre- and post-install hook Jobs complete, with and without waiting', async () => {
    // Without --wait helm 4 still waits for the hook Jobs; the simulated nodes complete them.
    await install('ingress', 'ingress-nginx', '4.11.0', 'ingress', ['--set', 'controller.service.type=ClusterIP']);
    const hooks = await helm(['get', 'hooks', 'ingress', '-n', 'ingress']);
    expect(hooks).toContain('name: ingress-ingress-nginx-admission-create');
    expect(hooks).toContain('name: ingress-ingress-nginx-admission-patch');
    expect(JSON.parse(await helm(['list', '-n', 'ingress', '-o', 'json']))).toEqual([expect.objectContaining({ name: 'ingress', status: 'deployed', chart: 'ingress-nginx-4.11.0' })]);
    expect(await kubectl(['get', 'validatingwebhookconfiguration', 'ingress-ingress-nginx-admission', '-o', 'name'])).toBe(
      'validatingwebhookconfiguration.admissionregistration.k8s.io/ingress-ingress-nginx-admission',
    );
    await helm(['uninstall', 'ingress', '-n', 'ingress', '--wait']);

    await install('ingress', 'ingress-nginx', '4.11.0', 'ingress', ['--wait=watcher', '--set', 'controller.service.type=ClusterIP']);
    expect(await kubectl(['get', '-n', 'ingress', 'deployment/ingress-ingress-nginx-controller', '-o', 'jsonpath={.status.availableReplicas}'])).toBe('1');
    await helm(['uninstall', 'ingress', '-n', 'ingress', '--wait']);
    await eventually(async () => expect(await kubectl(['get', '-n', 'ingress', 'deployments,pods', '-o', 'name'])).toBe(''));
  }, 400_000);
});

/** Retries an assertion for up to a minute: deletion of pods by the garbage collector takes a moment. */
async function eventually(assertion: () => Promise<void>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}
