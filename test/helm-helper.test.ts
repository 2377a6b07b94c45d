import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { ensureNamespaceIdentity } from '../controller/cluster/ensure-namespace-identity.js';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import { HelmError } from '../controller/helm/helm-error.js';
import { HelmHelper } from '../controller/helm/helm-helper.js';
import type { LocalCluster } from '../controller/local/control-planes.js';
import { ensureHelmHelper } from '../controller/local/helm-helper-binary.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { projectRoot } from '../controller/local/project-root.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { toolPath } from '../controller/local/tool-path.js';
import { releaseLabels } from '../controller/reconcile/release-labels.js';
import type { UpgradeInstallRequest } from '../controller/reconcile/release-ports.js';
import { helmEnv, isCi, startTestFleet } from './support/test-fleet.js';

// A value that must only ever reach the helper inside a request on its stdin.
const CANARY = 'canary-5d1c0a77-do-not-leak';

/** A chart whose second ConfigMap takes its name from the values: an invalid name makes the apply fail. */
function writeNamedChart(dir: string): string {
  const chart = join(dir, 'named');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: named\nversion: 0.1.0\n');
  writeFileSync(join(chart, 'values.yaml'), 'configMapName: ""\nsecret: ""\n');
  writeFileSync(
    join(chart, 'templates', 'objects.yaml'),
    ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: {{ .Release.Name }}-named', 'data:', '  secret: {{ .Values.secret | quote }}', '{{- if .Values.configMapName }}', '---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: {{ .Values.configMapName }}', '{{- end }}', ''].join('\n'),
  );
  return chart;
}

/** The helm helper (Helm 4 SDK in one long-lived process) against a real cluster, checked with the real helm CLI. */
describe('the helm helper against a real cluster', () => {
  let fleet: LocalFleet;
  let cluster: LocalCluster;
  let kube: KubeRest;
  let helper: HelmHelper;
  let dir: string;
  let env: Record<string, string>;

  const request = (overrides: Partial<UpgradeInstallRequest> = {}): UpgradeInstallRequest => ({
    kubeconfig: cluster.kubeconfig,
    release: 'demo',
    namespace: 'team-h',
    createNamespace: true,
    chart: { repository: fleet.charts.url, name: 'config-values' },
    version: '0.1.0',
    values: { data: { greeting: 'hi' } },
    protectedValues: { data: { token: CANARY } },
    labels: releaseLabels({ configDigest: 'b'.repeat(64) }),
    timeoutMs: 60_000,
    ...overrides,
  });
  /** The real helm CLI on the same storage: the helper's releases are plain Helm releases. */
  const helmCli = (...args: string[]) => {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, cluster.kubeconfig, { mode: 0o600 });
    return execFileSync(toolPath('helm'), [...args, '--kubeconfig', kubeconfig], { env: { ...process.env, ...env } }).toString('utf8');
  };

  beforeAll(async () => {
    const built = await ensureHelmHelper({ build: !isCi() });
    if (!built) throw new Error('The helm helper is not built; run "npm run testbed:prepare" first.');
    fleet = await startTestFleet({ clusters: 1 });
    cluster = fleet.clusters[0]!;
    kube = createKubeClient(cluster.kubeconfig);
    dir = mkdtempSync(join(tmpdir(), 'clusterext-helper-test-'));
    env = Object.fromEntries(Object.entries(helmEnv(fleet)).filter((e): e is [string, string] => e[1] !== undefined && e[0].startsWith('HELM_')));
    helper = new HelmHelper({ helperPath: built.path, env });
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '0.1.0' });
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '0.2.0' });
    await fleet.charts.publish(writeNamedChart(dir), { version: '0.1.0' });
    await fleet.charts.publish(join(projectRoot(), 'test', 'charts', 'ready-app'), { version: '0.1.0' });
  });

  afterAll(async () => {
    helper?.close();
    kube?.close();
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs a real Helm release with the protected value only in its stored values, never on a command line or in the environment', async () => {
    await helper.upgradeInstall(request());
    const observed = await readLatestRelease(kube, { namespace: 'team-h', name: 'demo' }, { redactPaths: [['data', 'token']] });
    expect(observed).toMatchObject({ revision: 1, status: 'deployed', chartName: 'config-values', chartVersion: '0.1.0', labels: releaseLabels({ configDigest: 'b'.repeat(64) }), config: { data: { greeting: 'hi', token: '[REDACTED]' } } });
    const cm = await kube.request<{ data: Record<string, string> }>({ method: 'GET', path: '/api/v1/namespaces/team-h/configmaps/demo-config' });
    expect(cm.body.data).toMatchObject({ greeting: 'hi', token: CANARY });
    expect(helmCli('list', '-n', 'team-h', '-o', 'json')).toContain('"name":"demo"');

    const pids = execFileSync('pgrep', ['-f', 'clusterext-helm-helper']).toString('utf8').trim().split('\n');
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) {
      const exposed = `${readFileSync(`/proc/${pid}/cmdline`, 'utf8')}\n${readFileSync(`/proc/${pid}/environ`, 'utf8')}`;
      expect(exposed).not.toContain(CANARY);
      expect(exposed).not.toContain(cluster.token);
    }
  });

  it('upgrades, and the helm CLI sees the history', async () => {
    await helper.upgradeInstall(request({ version: '0.2.0', values: { data: { greeting: 'hello' } } }));
    expect(await readLatestRelease(kube, { namespace: 'team-h', name: 'demo' })).toMatchObject({ revision: 2, status: 'deployed', chartVersion: '0.2.0', previousDeployedRevision: 1 });
    expect(JSON.parse(helmCli('history', 'demo', '-n', 'team-h', '-o', 'json')).map((r: { revision: number; status: string }) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
  });

  it('fails an upgrade the API server rejects without leaking the protected value, then rolls back', async () => {
    const bad = request({ release: 'named', chart: { repository: fleet.charts.url, name: 'named' }, values: {}, protectedValues: { secret: CANARY } });
    await helper.upgradeInstall(bad);
    const err = await helper.upgradeInstall({ ...bad, values: { configMapName: 'Not_A_Valid_Name' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmError);
    expect((err as HelmError).data).toMatchObject({ reason: 'Rejected', exitCode: 1, timedOut: false });
    expect(JSON.stringify((err as HelmError).data) + (err as HelmError).message).not.toContain(CANARY);
    expect(await readLatestRelease(kube, { namespace: 'team-h', name: 'named' })).toMatchObject({ revision: 2, status: 'failed', previousDeployedRevision: 1 });
    await helper.rollback({ kubeconfig: cluster.kubeconfig, release: 'named', namespace: 'team-h', toRevision: 1, timeoutMs: 60_000 });
    expect(await readLatestRelease(kube, { namespace: 'team-h', name: 'named' })).toMatchObject({ revision: 3, status: 'deployed' });
  });

  it('runs hooks and waits for the workloads to be ready', async () => {
    await helper.upgradeInstall(request({ release: 'app', namespace: 'team-app', chart: { repository: fleet.charts.url, name: 'ready-app' }, values: {}, protectedValues: undefined, wait: 'watcher', timeoutMs: 90_000 }));
    const deployment = await kube.request<{ status?: { availableReplicas?: number } }>({ method: 'GET', path: '/apis/apps/v1/namespaces/team-app/deployments/app-web' });
    expect(deployment.body.status?.availableReplicas).toBe(1);
    const jobs = await kube.request<{ items: { metadata: { annotations?: Record<string, string> }; status?: { succeeded?: number } }[] }>({ method: 'GET', path: '/apis/batch/v1/namespaces/team-app/jobs' });
    expect(jobs.body.items.some((j) => j.metadata.annotations?.['helm.sh/hook'] !== undefined && j.status?.succeeded === 1)).toBe(true);
  });

  it('confines a namespace-scoped install to its namespace through impersonation', async () => {
    const user = await ensureNamespaceIdentity(kube, 'team-imp', 'clusterext');
    await helper.upgradeInstall(request({ release: 'imp', namespace: 'team-imp', createNamespace: false, impersonateUser: user }));
    expect(await readLatestRelease(kube, { namespace: 'team-imp', name: 'imp' })).toMatchObject({ status: 'deployed' });
    const err = await helper.upgradeInstall(request({ release: 'imp2', namespace: 'team-h', createNamespace: false, impersonateUser: user })).catch((e: unknown) => e);
    expect((err as HelmError).data?.reason).toBe('Forbidden');
  });

  it('fails the operations a crashed helper held with a clear reason, and the next operation starts a new helper', async () => {
    const started = helper.spawned;
    const waiting = helper.upgradeInstall(request({ release: 'stuck', namespace: 'team-stuck', chart: { repository: fleet.charts.url, name: 'ready-app' }, values: { failPods: true }, protectedValues: undefined, wait: 'watcher', timeoutMs: 60_000 }));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    helper.close('SIGKILL');
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmError);
    expect((err as HelmError).data).toMatchObject({ reason: 'HelperFailed', exitCode: -1 });
    expect((err as HelmError).message).toContain('was ended by SIGKILL');
    await helper.upgradeInstall(request({ release: 'after', namespace: 'team-h' }));
    expect(helper.spawned).toBe(started + 1);
    expect(await readLatestRelease(kube, { namespace: 'team-h', name: 'after' })).toMatchObject({ status: 'deployed' });
  });

  it('prepares a cluster ahead of its first operation: the install after it reads no discovery or OpenAPI document', async () => {
    const discoveryRequests = async () => {
      const res = await kube.request<string>({ method: 'GET', path: '/metrics' });
      let n = 0;
      for (const line of String(res.body).split('\n')) {
        if (line.startsWith('apiserver_request_total{') && /subresource="(api|apis|openapi[^"]*)"/.test(line)) n += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return n;
    };
    const firstInstallReads = async (prepare: boolean, release: string) => {
      const fresh = new HelmHelper({ helperPath: (await ensureHelmHelper({ build: false }))!.path, env });
      try {
        if (prepare) {
          await fresh.prepare({ kubeconfig: cluster.kubeconfig });
          // Once per cluster and helper: a second call asks nothing of the apiserver.
          const before = await discoveryRequests();
          await fresh.prepare({ kubeconfig: cluster.kubeconfig });
          expect(await discoveryRequests()).toBe(before);
        }
        const before = await discoveryRequests();
        await fresh.upgradeInstall(request({ release, namespace: 'team-prepare', protectedValues: undefined }));
        return (await discoveryRequests()) - before;
      } finally {
        await fresh.stop();
      }
    };
    // Without prepare the first install discovers the server itself: what prepare moves ahead.
    expect(await firstInstallReads(false, 'cold')).toBeGreaterThan(0);
    expect(await firstInstallReads(true, 'warm')).toBe(0);
    // A cluster it cannot reach: prepare still resolves, and the failure is the operation's to meet.
    const fresh = new HelmHelper({ helperPath: (await ensureHelmHelper({ build: false }))!.path, env });
    try {
      await expect(fresh.prepare({ kubeconfig: 'not: [a kubeconfig' })).resolves.toBeUndefined();
    } finally {
      await fresh.stop();
    }
  });

  it('uninstalls, and uninstalling again is not an error', async () => {
    await helper.uninstall({ kubeconfig: cluster.kubeconfig, release: 'demo', namespace: 'team-h', timeoutMs: 60_000, wait: 'watcher' });
    expect(await readLatestRelease(kube, { namespace: 'team-h', name: 'demo' })).toBeUndefined();
    await helper.uninstall({ kubeconfig: cluster.kubeconfig, release: 'demo', namespace: 'team-h', timeoutMs: 60_000 });
  });
});
