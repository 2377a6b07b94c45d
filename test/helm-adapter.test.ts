import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { ensureNamespaceIdentity } from '../controller/cluster/ensure-namespace-identity.js';
import { markReleaseFailed } from '../controller/cluster/mark-release-failed.js';
import { readClusterFacts } from '../controller/cluster/read-cluster-facts.js';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import { HelmCli } from '../controller/helm/helm-cli.js';
import { HelmError } from '../controller/helm/helm-error.js';
import { createNodeExec } from '../controller/helm/node-exec.js';
import type { Exec } from '../controller/helm/exec.js';
import type { LocalCluster } from '../controller/local/control-planes.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { projectRoot } from '../controller/local/project-root.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { toolPath } from '../controller/local/tool-path.js';
import { releaseLabels } from '../controller/reconcile/release-labels.js';
import type { UpgradeInstallRequest } from '../controller/reconcile/release-ports.js';
import { helmEnv, startTestFleet } from './support/test-fleet.js';

// A value that must only ever reach helm through the private values file.
const CANARY = 'canary-7f3e9b21-do-not-leak';

/** A chart whose objects are chosen by values: an invalid ConfigMap name or a ClusterRole make it fail. */
function writeFlakyChart(dir: string): string {
  const chart = join(dir, 'flaky');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: flaky\nversion: 0.1.0\nappVersion: "2.0.0"\n');
  writeFileSync(join(chart, 'values.yaml'), 'configMapName: ""\nsecret: ""\nclusterRole: false\n');
  writeFileSync(
    join(chart, 'templates', 'objects.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-flaky',
      'data:',
      '  secret: {{ .Values.secret | quote }}',
      '{{- if .Values.configMapName }}',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Values.configMapName }}',
      '{{- end }}',
      '{{- if .Values.clusterRole }}',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      '  name: {{ .Release.Name }}-grab',
      'rules:',
      '  - apiGroups: ["*"]',
      '    resources: ["*"]',
      '    verbs: ["*"]',
      '{{- end }}',
      '',
    ].join('\n'),
  );
  return chart;
}

interface RecordedCall {
  args: string[];
  /** The private files helm got, read while it ran; `links` 0: they had no name any more. */
  files: { arg: string; mode: number; links: number; content: string }[];
  /** What the temporary root held while helm ran. */
  tempEntries: string[];
}

describe('the helm adapter and release observation against a real cluster', () => {
  let fleet: LocalFleet;
  let cluster: LocalCluster;
  let kube: KubeRest;
  let helm: HelmCli;
  let tempRoot: string;
  const calls: RecordedCall[] = [];
  const counter = createNodeExec();

  /** The real exec, recording each call and the private files as helm sees them. */
  const recordingExec: Exec = async (cmd, args, opts) => {
    const files = args
      .filter((a) => a.startsWith('/dev/fd/'))
      .map((arg) => {
        // helm gets opts.fds[0] as its fd 3, [1] as 4: read them where this process has them.
        const path = `/proc/self/fd/${opts!.fds![Number(arg.slice('/dev/fd/'.length)) - 3]!}`;
        const stat = statSync(path);
        return { arg, mode: stat.mode & 0o777, links: stat.nlink, content: readFileSync(path, 'utf8') };
      });
    calls.push({ args, files, tempEntries: readdirSync(tempRoot).filter((d) => d.startsWith('clusterext-helm-')) });
    return counter.exec(cmd, args, opts);
  };

  const install = (overrides: Partial<UpgradeInstallRequest> = {}) =>
    helm.upgradeInstall({
      kubeconfig: cluster.kubeconfig,
      release: 'demo',
      namespace: 'team-a',
      createNamespace: true,
      chart: { repository: fleet.charts.url, name: 'config-values' },
      version: '0.1.0',
      values: { data: { greeting: 'hi' } },
      protectedValues: { data: { token: CANARY } },
      labels: releaseLabels({ configDigest: 'a'.repeat(64) }),
      timeoutMs: 60_000,
      ...overrides,
    });

  beforeAll(async () => {
    // No simulated node: the facts test starts from a cluster without nodes and adds its own.
    fleet = await startTestFleet({ clusters: 1, nodes: () => [] });
    cluster = fleet.clusters[0]!;
    kube = createKubeClient(cluster.kubeconfig);
    tempRoot = mkdtempSync(join(tmpdir(), 'clusterext-helm-test-'));
    const env = helmEnv(fleet);
    helm = new HelmCli({ helmPath: toolPath('helm'), exec: recordingExec, env, tempRoot });
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '0.1.0' });
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '0.2.0' });
    await fleet.charts.publish(writeFlakyChart(tempRoot), { version: '0.1.0' });
  });

  afterAll(async () => {
    kube?.close();
    await fleet?.stop();
    if (tempRoot) rmSync(tempRoot, { recursive: true, force: true });
  });

  it('reads the facts of a reachable cluster and classifies an unreachable one', async () => {
    const facts = await readClusterFacts(kube);
    expect(facts).toEqual({ reachable: true, kubernetesVersion: 'v1.34.4', architectures: [], nodeCount: 0 });

    await kube.request({ method: 'POST', path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/arch': 'arm64' } } } });
    await kube.request({ method: 'POST', path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2', labels: { 'kubernetes.io/arch': 'amd64' } } } });
    expect(await readClusterFacts(kube)).toMatchObject({ reachable: true, architectures: ['amd64', 'arm64'], nodeCount: 2 });

    const badToken = createKubeClient(cluster.kubeconfig.replace(cluster.token, 'not-the-token'));
    expect(await readClusterFacts(badToken)).toMatchObject({ reachable: false, reason: 'Unauthorized' });
    badToken.close();

    const port = new URL(cluster.server).port;
    const closed = createKubeClient(cluster.kubeconfig.replace(`127.0.0.1:${port}`, '127.0.0.1:1'));
    const facts2 = await readClusterFacts(closed);
    expect(facts2).toMatchObject({ reachable: false, reason: 'ConnectionRefused' });
    closed.close();
  });

  it('installs with values and protected values in one private file, and reads the release back without them', async () => {
    const before = counter.counter.spawned;
    await install();
    expect(counter.counter.spawned).toBe(before + 1);

    const call = calls.at(-1)!;
    expect(call.args.slice(0, 4)).toEqual(['upgrade', '--install', 'demo', 'config-values']);
    expect(call.args).toContain('--create-namespace');
    expect(call.args.join(' ')).not.toContain(CANARY);
    const valuesFiles = call.files.filter((f) => f.content.includes(CANARY));
    expect(valuesFiles).toHaveLength(1);
    expect(JSON.parse(valuesFiles[0]!.content)).toEqual({ data: { greeting: 'hi', token: CANARY } });
    expect(call.files.map((f) => f.arg).sort()).toEqual(['/dev/fd/3', '/dev/fd/4']);
    for (const f of call.files) {
      expect(f.mode).toBe(0o600);
      expect(f.links).toBe(0);
    }
    // Nothing of them had a name while helm ran, so nothing can outlive a SIGKILL.
    expect(call.tempEntries).toEqual([]);
    expect(readdirSync(tempRoot).filter((d) => d.startsWith('clusterext-helm-'))).toEqual([]);

    // helm really got the protected value: the chart renders all values into a ConfigMap.
    const cm = await kube.request<{ data: Record<string, string> }>({ method: 'GET', path: '/api/v1/namespaces/team-a/configmaps/demo-config' });
    expect(cm.body.data.token).toBe(CANARY);
    expect(cm.body.data.greeting).toBe('hi');

    const observed = await readLatestRelease(kube, { namespace: 'team-a', name: 'demo' });
    expect(observed).toEqual({
      name: 'demo',
      namespace: 'team-a',
      revision: 1,
      status: 'deployed',
      chartName: 'config-values',
      chartVersion: '0.1.0',
      appVersion: '1.0.0',
      labels: { 'clusterext.io/managed-by': 'clusterext', 'clusterext.io/config-digest': 'a'.repeat(40) },
      lastDeployed: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(JSON.stringify(observed)).not.toContain(CANARY);

    const withConfig = await readLatestRelease(kube, { namespace: 'team-a', name: 'demo' }, { redactPaths: [['data', 'token']] });
    expect(withConfig?.config).toEqual({ data: { greeting: 'hi', token: '[REDACTED]' } });

    expect(await readLatestRelease(kube, { namespace: 'team-a', name: 'nothing-here' })).toBeUndefined();
  });

  it('upgrades and records the previous deployed revision', async () => {
    await install({ version: '0.2.0', labels: releaseLabels({ configDigest: 'b'.repeat(64) }) });
    expect(await readLatestRelease(kube, { namespace: 'team-a', name: 'demo' })).toMatchObject({
      revision: 2,
      status: 'deployed',
      chartVersion: '0.2.0',
      previousDeployedRevision: 1,
      labels: { 'clusterext.io/config-digest': 'b'.repeat(40) },
    });
  });

  it('fails an upgrade without leaking the protected value, and rolls back to the last deployed revision', async () => {
    const flaky = (overrides: Partial<UpgradeInstallRequest>) =>
      install({ release: 'flaky', chart: { repository: fleet.charts.url, name: 'flaky' }, version: '0.1.0', values: {}, protectedValues: { secret: CANARY }, ...overrides });
    await flaky({ labels: releaseLabels({ configDigest: 'b'.repeat(64) }) });
    expect(await readLatestRelease(kube, { namespace: 'team-a', name: 'flaky' })).toMatchObject({ revision: 1, status: 'deployed', chartName: 'flaky', appVersion: '2.0.0' });

    // The API server rejects the second ConfigMap's name, which carries the protected value: helm
    // prints it in its error and the adapter must scrub it.
    const error = await flaky({
      protectedValues: { secret: CANARY, configMapName: `Not_Valid_${CANARY}` },
      labels: releaseLabels({ configDigest: 'c'.repeat(64) }),
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(HelmError);
    const helmError = error as HelmError;
    expect(helmError.code).toBe('HelmFailed');
    expect(helmError.data.exitCode).toBe(1);
    expect(helmError.data.stderr).toContain('[REDACTED]');
    expect(helmError.message).toMatch(/helm upgrade --install of release "team-a\/flaky" failed with exit code 1 \(Rejected: .*invalid/i);
    expect(helmError.data.reason).toBe('Rejected');
    expect(helmError.data.args).toContain('<values>');
    expect(helmError.data.args).toContain('<kubeconfig>');
    expect(`${helmError.message} ${JSON.stringify(helmError.data)} ${helmError.stack}`).not.toContain(CANARY);
    expect(JSON.stringify(helmError.data)).not.toContain(cluster.token);
    expect(readdirSync(tempRoot).filter((d) => d.startsWith('clusterext-helm-'))).toEqual([]);

    const failed = await readLatestRelease(kube, { namespace: 'team-a', name: 'flaky' });
    expect(failed).toMatchObject({ revision: 2, status: 'failed', previousDeployedRevision: 1, labels: { 'clusterext.io/config-digest': 'c'.repeat(40) } });
    expect(JSON.stringify(failed)).not.toContain(CANARY);

    await helm.rollback({ kubeconfig: cluster.kubeconfig, release: 'flaky', namespace: 'team-a', toRevision: 1, timeoutMs: 60_000 });
    const rolledBack = await readLatestRelease(kube, { namespace: 'team-a', name: 'flaky' });
    expect(rolledBack).toMatchObject({ revision: 3, status: 'deployed', previousDeployedRevision: 1 });
    // What a rollback does to the release labels decides what the digest label claims afterwards.
    expect(rolledBack?.labels['clusterext.io/config-digest']).toBe('b'.repeat(40));
  });

  it('never lets a protected value through in any form a chart can print it in', async () => {
    // Characters that JSON, Go and URLs escape, a space, and more than a fragment's length.
    const canary = 'canary<&>Leak-7f3e9b21 v@l';
    await fleet.charts.publish(join(projectRoot(), 'test', 'charts', 'leaky'), { version: '0.1.0' });
    // Each form written the way Go and Sprig print it, independently of the scrubber.
    const printed: Record<string, string> = {
      plain: canary,
      b64prefix1: Buffer.from(`x${canary}`).toString('base64').slice(2, -2),
      b64prefix2: Buffer.from(`xy${canary}`).toString('base64').slice(3, -3),
      toJson: 'canary\\u003c\\u0026\\u003eLeak-7f3e9b21 v@l',
      urlquery: 'canary%3C%26%3ELeak-7f3e9b21+v%40l',
      trunc: canary.slice(0, 12),
      lines: canary,
      upper: canary.toUpperCase(),
      quote: canary,
    };
    for (const [leak, form] of Object.entries(printed)) {
      const error = await install({
        release: `leaky-${leak.toLowerCase()}`,
        chart: { repository: fleet.charts.url, name: 'leaky' },
        version: '0.1.0',
        values: { leak },
        protectedValues: { secret: canary },
      }).catch((e: unknown) => e);
      expect(error, leak).toBeInstanceOf(HelmError);
      const e = error as HelmError;
      expect(e.data.reason, leak).toBe('RenderFailed');
      expect(e.message, leak).toContain('execution error at (leaky/templates/leak.yaml');
      expect(e.message, leak).toContain('[REDACTED]');
      const everything = `${e.message} ${JSON.stringify(e.data)} ${e.stack ?? ''}`.replace(/\s/g, '');
      expect(everything, leak).not.toContain(form.replace(/\s/g, ''));
      expect(everything.toLowerCase(), leak).not.toContain('7f3e9b21');
    }
  });

  it('unlocks a release stuck in pending-upgrade by marking that revision failed', async () => {
    // Simulate a helm process that died mid-upgrade: the latest record says pending-upgrade.
    const path = '/api/v1/namespaces/team-a/secrets/sh.helm.release.v1.demo.v2';
    const secret = (await kube.request<{ metadata: { labels: Record<string, string> }; data: Record<string, string> }>({ method: 'GET', path })).body;
    const payload = JSON.parse(
      (await import('node:zlib')).gunzipSync(Buffer.from(Buffer.from(secret.data.release!, 'base64').toString('utf8'), 'base64')).toString('utf8'),
    ) as { info: { status: string } };
    payload.info.status = 'pending-upgrade';
    const reencoded = Buffer.from((await import('node:zlib')).gzipSync(JSON.stringify(payload)).toString('base64')).toString('base64');
    await kube.request({ method: 'PUT', path, body: { ...secret, metadata: { ...secret.metadata, labels: { ...secret.metadata.labels, status: 'pending-upgrade' } }, data: { release: reencoded } } });
    expect(await readLatestRelease(kube, { namespace: 'team-a', name: 'demo' })).toMatchObject({ revision: 2, status: 'pending-upgrade' });

    const blocked = await install({ version: '0.2.0' }).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(HelmError);
    expect((blocked as HelmError).data.stderr).toMatch(/in progress/);

    await markReleaseFailed(kube, { namespace: 'team-a', name: 'demo', revision: 2 });
    expect(await readLatestRelease(kube, { namespace: 'team-a', name: 'demo' })).toMatchObject({ revision: 2, status: 'failed', previousDeployedRevision: 1 });
    await expect(markReleaseFailed(kube, { namespace: 'team-a', name: 'demo', revision: 2 })).rejects.toMatchObject({ code: 'ReleaseNotPending' });
    await helm.rollback({ kubeconfig: cluster.kubeconfig, release: 'demo', namespace: 'team-a', toRevision: 1, timeoutMs: 60_000 });
    expect(await readLatestRelease(kube, { namespace: 'team-a', name: 'demo' })).toMatchObject({ revision: 3, status: 'deployed', chartVersion: '0.1.0' });
  });

  it('confines a namespace-scoped install to its namespace through impersonation', async () => {
    const user = await ensureNamespaceIdentity(kube, 'team-ns', 'clusterext');
    expect(user).toBe('system:serviceaccount:team-ns:clusterext');
    // Idempotent: a second call succeeds and changes nothing.
    expect(await ensureNamespaceIdentity(kube, 'team-ns', 'clusterext')).toBe(user);

    await install({ release: 'ns-ok', namespace: 'team-ns', createNamespace: false, impersonateUser: user });
    expect(await readLatestRelease(kube, { namespace: 'team-ns', name: 'ns-ok' })).toMatchObject({ revision: 1, status: 'deployed' });

    const error = await install({
      release: 'ns-grab',
      namespace: 'team-ns',
      createNamespace: false,
      impersonateUser: user,
      chart: { repository: fleet.charts.url, name: 'flaky' },
      values: { clusterRole: true },
      protectedValues: { secret: CANARY },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelmError);
    expect((error as HelmError).message).toMatch(/clusterroles.*forbidden|forbidden.*clusterroles/i);
    expect((error as HelmError).message).toContain('system:serviceaccount:team-ns:clusterext');
    const grabbed = await kube.request({ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/ns-grab-grab' });
    expect(grabbed.status).toBe(404);
  });

  it('uninstalls, and uninstalling again is not an error', async () => {
    await helm.uninstall({ kubeconfig: cluster.kubeconfig, release: 'demo', namespace: 'team-a', timeoutMs: 60_000 });
    expect(await readLatestRelease(kube, { namespace: 'team-a', name: 'demo' })).toBeUndefined();
    await helm.uninstall({ kubeconfig: cluster.kubeconfig, release: 'demo', namespace: 'team-a', timeoutMs: 60_000 });
    expect(readdirSync(tempRoot).filter((d) => d.startsWith('clusterext-helm-'))).toEqual([]);
    // No private file of any call had a name while helm ran.
    for (const call of calls) {
      expect(call.tempEntries).toEqual([]);
      for (const f of call.files) expect(f.links).toBe(0);
    }
    expect(kube.requestCount).toBeGreaterThan(0);
  });
});
