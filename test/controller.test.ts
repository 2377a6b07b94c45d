import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { HelmCli } from '../controller/helm/helm-cli.js';
import { createNodeExec } from '../controller/helm/node-exec.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { projectRoot } from '../controller/local/project-root.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { toolPath } from '../controller/local/tool-path.js';
import type { ControllerManager, PassSummary } from '../controller/runtime/controller-manager.js';
import type { CrStore, CustomResource } from '../controller/runtime/cr-store.js';
import type { Logger } from '../controller/runtime/logger.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents, extensionYaml, namespaceScopedTypeYaml } from './support/fleet-yaml.js';
import { HUB_NAMESPACE, repositorySpec, setUpHub } from './support/hub-setup.js';
import { helmEnv, startTestFleet } from './support/test-fleet.js';
import { seedRepository } from './support/seed-repository.js';
import { settleController } from './support/settle-controller.js';
import { createTestController } from './support/test-controller.js';

const NS = HUB_NAMESPACE;
const CANARY = 'canary-ctrl-9b7e1f-never-printed';

/** A logger that keeps every line, so the test can prove the canary never reached a log. */
function recordingLogger(lines: string[]): Logger {
  const make = (bindings: Record<string, unknown>): Logger => ({
    info: (obj, msg) => lines.push(JSON.stringify({ ...bindings, ...obj, msg })),
    warn: (obj, msg) => lines.push(JSON.stringify({ ...bindings, ...obj, msg })),
    error: (obj, msg) => lines.push(JSON.stringify({ ...bindings, ...obj, msg })),
    debug: (obj, msg) => lines.push(JSON.stringify({ ...bindings, ...obj, msg })),
    child: (more) => make({ ...bindings, ...more }),
  });
  return make({});
}

/** A chart that creates a ClusterRole: a namespace-scoped instance of it must fail, not succeed. */
function writeClusterRoleChart(dir: string): string {
  const chart = join(dir, 'cluster-grabber');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: cluster-grabber\nversion: 1.0.0\n');
  writeFileSync(
    join(chart, 'templates', 'role.yaml'),
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {{ .Release.Name }}-grab\nrules:\n  - apiGroups: ["*"]\n    resources: ["*"]\n    verbs: ["*"]\n',
  );
  return chart;
}

interface FleetText {
  charts: string;
  cfg1Greeting?: string;
  /** More `key: value` pairs for local-1's cfg settings. */
  cfg1Extra?: string;
  /** The Secret local-1's cfg takes protected settings from; cfg-secrets by default. */
  cfg1Secret?: string;
  cfg2Version?: string;
  local2Labels?: string;
  extraExtensions?: string;
  withoutCfg2?: boolean;
}

/** The fleet repository's files for one commit. */
function fleetFiles(t: FleetText): Record<string, string> {
  return {
    'fleet/types.yaml': documents(
      clusterScopedTypeYaml({ name: 'config', repository: t.charts, chart: 'config-values', namespace: 'config-system' }),
      namespaceScopedTypeYaml({ name: 'team-app', repository: t.charts, chart: 'namespaced-app' }),
      namespaceScopedTypeYaml({ name: 'grabber', repository: t.charts, chart: 'cluster-grabber' }),
      clusterScopedTypeYaml({ name: 'ops-tool', repository: t.charts, chart: 'config-values', namespace: 'ops-system' }),
      clusterScopedTypeYaml({ name: 'arm-agent', repository: t.charts, chart: 'config-values', namespace: 'arm-system', architectures: ['arm64'] }),
    ),
    'fleet/clusters.yaml': `apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: {name: local-1, labels: {env: prod}}
spec: {kubeconfigSecretRef: {name: local-1-kubeconfig, key: kubeconfig}}
---
apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: {name: local-2, labels: {env: dev${t.local2Labels ?? ''}}}
spec: {kubeconfigSecretRef: {name: local-2-kubeconfig, key: kubeconfig}}
`,
    'fleet/policies.yaml': `apiVersion: clusterext.io/v1alpha1
kind: ExtensionPolicy
metadata: {name: edge-teams}
spec:
  clusterSelector: {matchLabels: {tier: edge}}
  effect: DeployIfNotExists
  extension:
    name: edge-app
    extensionType: team-app
    scope: namespace
    targetNamespace: edge
`,
    'fleet/extensions.yaml': `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: cfg}
spec:
  clusterName: local-1
  extensionType: config
  scope: cluster
  configurationSettings: {data.greeting: "${t.cfg1Greeting ?? 'hi'}"${t.cfg1Extra ? `, ${t.cfg1Extra}` : ''}}
  configurationProtectedSettingsRef: {secretName: ${t.cfg1Secret ?? 'cfg-secrets'}}
${
  t.withoutCfg2
    ? ''
    : `---
apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: cfg}
spec:
  clusterName: local-2
  extensionType: config
  scope: cluster
  autoUpgradeMinorVersion: false
  version: "${t.cfg2Version ?? '1.0.0'}"
`
}${t.extraExtensions ?? ''}`,
  };
}

/**
 * The controller end to end on the real components (DESIGN.md §5): two kube-apiservers on one etcd
 * (local-1 is also the hub), the helm 4 binary, the git smart-HTTP server with basic auth and a
 * chart repository, all on loopback. Each step pushes a commit and runs controller passes.
 */
describe('controller against real clusters, helm, git and a chart repository', () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let store: CrStore;
  let manager: ControllerManager;
  let workDir: string;
  let cluster1: KubeRest;
  let cluster2: KubeRest;
  const logLines: string[] = [];
  const helmProcesses = createNodeExec();
  let text: FleetText;

  async function push(change: Partial<FleetText>, message: string): Promise<string> {
    text = { ...text, ...change };
    return fleet.git.commitAndPush('fleet', { files: fleetFiles(text), message });
  }

  const helmCli = () => new HelmCli({ helmPath: toolPath('helm'), exec: helmProcesses.exec, env: helmEnv(fleet) });

  /** Passes until one changes nothing (no helm action, no status write), at most `max`. */
  const settle = (max?: number): Promise<PassSummary[]> => settleController(manager, max);

  async function extension(name: string): Promise<CustomResource<Record<string, unknown>, ExtensionStatus> | undefined> {
    return store.get<Record<string, unknown>, ExtensionStatus>('Extension', name);
  }

  function condition(status: ExtensionStatus | undefined, type: string) {
    return status?.conditions.find((c) => c.type === type);
  }

  async function configMapData(kube: KubeRest, namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const res = await kube.request<{ data: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/configmaps/${name}` });
    return res.status === 200 ? res.body.data : undefined;
  }

  async function repositoryStatus() {
    return (await store.get<unknown, Record<string, unknown>>('ExtensionRepository', 'fleet'))?.status as
      | { lastAppliedRevision?: string; lastFetchedRevision?: string; errorCount?: number; diagnostics?: { code: string; file: string; line: number }[]; conditions: { type: string; status: string; reason: string; message: string }[] }
      | undefined;
  }

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 2 });
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-ctrl-test-'));
    cluster1 = createKubeClient(fleet.clusters[0]!.kubeconfig);
    cluster2 = createKubeClient(fleet.clusters[1]!.kubeconfig);
    for (const v of ['1.0.0', '1.1.0']) await fleet.charts.publish(sampleChartPath('config-values'), { version: v });
    await fleet.charts.publish(sampleChartPath('namespaced-app'), { version: '1.0.0' });
    await fleet.charts.publish(writeClusterRoleChart(workDir), { version: '1.0.0' });
    await fleet.charts.publish(join(projectRoot(), 'test', 'charts', 'leaky'), { version: '1.0.0' });

    text = { charts: fleet.charts.url };
    await seedRepository(fleet.git, 'fleet', join(workDir, 'seed'), fleetFiles(text));

    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet', path: 'fleet', interval: '1ms', protectedSettings: { 'cfg-secrets': { 'data.token': CANARY }, 'leak-secrets': { secret: CANARY } } }));
    // Passes run back to back: the repository's interval (1ms) and the chart index TTL (1ms) have
    // always passed, so every pass fetches and sees new commits and chart versions. Helm runs
    // through helmProcesses, which counts its processes.
    manager = createTestController(fleet, hub, {
      helm: helmCli(),
      logger: recordingLogger(logLines),
      fleet: { concurrency: 4, clusterConcurrency: 2, maxUninstallShare: 0.5, contactIntervalMs: 60_000, reconcilePolicy: { helmTimeoutMs: 60_000, lockTimeoutMs: 1_000, retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 } } },
    });
  });

  afterAll(async () => {
    manager?.close();
    hub?.close();
    cluster1?.close();
    cluster2?.close();
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('installs each Extension on its cluster and records Ready, versions and the revision in status', async () => {
    await settle();
    const head = await fleet.git.headOf('fleet');
    const one = await extension('local-1.cfg');
    const two = await extension('local-2.cfg');
    expect(one?.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.1.0', desiredVersion: '1.1.0', lastAppliedRevision: head, release: { name: 'cfg', namespace: 'config-system', status: 'deployed' } });
    expect(condition(one?.status, 'Ready')?.status).toBe('True');
    expect(two?.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.0.0' });
    expect(await configMapData(cluster1, 'config-system', 'cfg-config')).toMatchObject({ greeting: 'hi', token: CANARY });
    expect((await configMapData(cluster2, 'config-system', 'cfg-config'))?.greeting).toBe('hello');
    // Not on the wrong cluster.
    expect(await readLatestRelease(cluster2, { namespace: 'config-system', name: 'cfg' })).toMatchObject({ chartVersion: '1.0.0' });
    const repo = await repositoryStatus();
    expect(repo?.lastAppliedRevision).toBe(head);
    expect(repo?.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('at steady state spawns no helm process and writes no status', async () => {
    const spawned = helmProcesses.counter.spawned;
    const pass = await manager.runOnce();
    expect(pass).toMatchObject({ helmActions: 0, statusWrites: 0 });
    expect(helmProcesses.counter.spawned).toBe(spawned);
  });

  it('upgrades when settings change', async () => {
    await push({ cfg1Greeting: 'bonjour' }, 'greet in French');
    await settle();
    expect((await configMapData(cluster1, 'config-system', 'cfg-config'))?.greeting).toBe('bonjour');
    const release = await readLatestRelease(cluster1, { namespace: 'config-system', name: 'cfg' });
    expect(release).toMatchObject({ revision: 2, status: 'deployed' });
  });

  it('rolls a failed upgrade back to the last deployed revision, stalls after the retries, and recovers on a fix', async () => {
    const before = await readLatestRelease(cluster1, { namespace: 'config-system', name: 'cfg' });
    // A ConfigMap key with a space: the API server rejects the upgrade.
    await push({ cfg1Extra: '"data.bad key": oops' }, 'an invalid ConfigMap key');
    await settle(10);
    const stalled = await extension('local-1.cfg');
    expect(condition(stalled?.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExhausted' });
    expect(condition(stalled?.status, 'Ready')?.message).toMatch(/bad key/);
    const after = await readLatestRelease(cluster1, { namespace: 'config-system', name: 'cfg' });
    expect(after?.status).toBe('deployed');
    expect(after!.revision).toBeGreaterThan(before!.revision + 1);
    expect(await configMapData(cluster1, 'config-system', 'cfg-config')).toMatchObject({ greeting: 'bonjour' });
    const events = await hub.request<{ items: { reason: string; involvedObject: { name: string } }[] }>({ method: 'GET', path: `/api/v1/namespaces/${NS}/events` });
    expect(events.body.items.filter((e) => e.involvedObject.name === 'local-1.cfg').map((e) => e.reason)).toEqual(expect.arrayContaining(['UpgradeFailed', 'RollbackSucceeded']));

    await push({ cfg1Extra: '' }, 'drop the invalid key');
    await settle();
    const fixed = await extension('local-1.cfg');
    expect(condition(fixed?.status, 'Ready')?.status).toBe('True');
    expect(condition(fixed?.status, 'Stalled')?.status).not.toBe('True');
  });

  it('follows a pinned version up and back down', async () => {
    await push({ cfg2Version: '1.1.0' }, 'local-2 to 1.1.0');
    await settle();
    expect((await extension('local-2.cfg'))?.status?.installedVersion).toBe('1.1.0');
    await push({ cfg2Version: '1.0.0' }, 'local-2 back to 1.0.0');
    await settle();
    expect((await extension('local-2.cfg'))?.status?.installedVersion).toBe('1.0.0');
    expect(await readLatestRelease(cluster2, { namespace: 'config-system', name: 'cfg' })).toMatchObject({ chartVersion: '1.0.0', revision: 3 });
  });

  it('picks up a newly published chart version within the major, not across it', async () => {
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.2.0' });
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '2.0.0' });
    await settle();
    expect((await extension('local-1.cfg'))?.status).toMatchObject({ installedVersion: '1.2.0', desiredVersion: '1.2.0' });
  });

  it('reports a chart version that is not strict semver as ignored on the ExtensionType', async () => {
    await fleet.charts.addRawIndexEntry({ name: 'config-values', version: '1.0.029903' });
    await settle();
    const type = await store.get<unknown, { ignoredVersions?: { version: string; reason: string }[] }>('ExtensionType', 'config');
    const ignored = type?.status?.ignoredVersions?.find((v) => v.version === '1.0.029903');
    expect(ignored?.reason).toMatch(/leading zero/);
    expect((await extension('local-1.cfg'))?.status?.installedVersion).toBe('1.2.0');
  });

  it('deploys a policy instance when a cluster gains the label the policy selects', async () => {
    expect(await extension('local-2.edge-app')).toBeUndefined();
    await push({ local2Labels: ', tier: edge' }, 'local-2 joins the edge tier');
    await settle();
    const generated = await extension('local-2.edge-app');
    expect(generated?.metadata.annotations?.['clusterext.io/generated-by-policy']).toBe('edge-teams');
    expect(generated?.status).toMatchObject({ provisioningState: 'Succeeded', release: { namespace: 'edge', status: 'deployed' } });
    expect(await extension('local-1.edge-app')).toBeUndefined();
  });

  it('changes nothing for an invalid commit and lists its diagnostics on the repository', async () => {
    const applied = (await repositoryStatus())?.lastAppliedRevision;
    const before = await readLatestRelease(cluster2, { namespace: 'config-system', name: 'cfg' });
    const bad = await push({ cfg2Version: '1.0.029903' }, 'a version with a leading zero');
    const passes = await settle();
    expect(passes.every((p) => p.helmActions === 0)).toBe(true);
    const repo = await repositoryStatus();
    expect(repo?.lastFetchedRevision).toBe(bad);
    expect(repo?.lastAppliedRevision).toBe(applied);
    expect(repo?.errorCount).toBeGreaterThan(0);
    expect(repo?.diagnostics?.[0]).toMatchObject({ code: 'InvalidSemver', file: 'extensions.yaml' });
    expect(repo?.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ValidationFailed' });
    expect(await readLatestRelease(cluster2, { namespace: 'config-system', name: 'cfg' })).toEqual(before);
    await push({ cfg2Version: '1.0.0' }, 'fix the version');
    await settle();
    expect((await repositoryStatus())?.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('refuses a protected-settings Secret not marked for them, such as the git credentials, with a condition', async () => {
    const before = await readLatestRelease(cluster1, { namespace: 'config-system', name: 'cfg' });
    await push({ cfg1Secret: 'git-auth' }, 'take protected settings from the git credentials');
    const passes = await settle();
    expect(passes.every((p) => p.helmActions === 0)).toBe(true);
    const one = await extension('local-1.cfg');
    expect(condition(one?.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'ProtectedSettingsSecretNotAllowed' });
    expect(condition(one?.status, 'Ready')?.message).toContain('label it clusterext.io/protected-settings=true');
    expect(await readLatestRelease(cluster1, { namespace: 'config-system', name: 'cfg' })).toEqual(before);
    expect(JSON.stringify(await configMapData(cluster1, 'config-system', 'cfg-config'))).not.toContain(fleet.git.auth.password);
    await push({ cfg1Secret: 'cfg-secrets' }, 'back to the marked Secret');
    await settle();
    expect(condition((await extension('local-1.cfg'))?.status, 'Ready')?.status).toBe('True');
  });

  it('rejects a namespace-scoped instance in kube-system, as validate does, and installs nothing there', async () => {
    const applied = (await repositoryStatus())?.lastAppliedRevision;
    await push(
      { extraExtensions: '---\napiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: {name: grab}\nspec: {clusterName: local-1, extensionType: team-app, scope: namespace, targetNamespace: kube-system}\n' },
      'a namespace-scoped instance in kube-system',
    );
    const passes = await settle();
    expect(passes.every((p) => p.helmActions === 0)).toBe(true);
    const repo = await repositoryStatus();
    expect(repo?.lastAppliedRevision).toBe(applied);
    expect(repo?.diagnostics?.map((d) => d.code)).toContain('SystemNamespaceNotAllowed');
    expect(await readLatestRelease(cluster1, { namespace: 'kube-system', name: 'grab' })).toBeUndefined();
    await push({ extraExtensions: '' }, 'remove it');
    await settle();
    expect((await repositoryStatus())?.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('reports a release it does not manage and never touches it', async () => {
    await helmCli().upgradeInstall({ kubeconfig: fleet.clusters[0]!.kubeconfig, release: 'ops', namespace: 'ops-system', createNamespace: true, chart: { repository: fleet.charts.url, name: 'config-values' }, version: '1.0.0', values: { data: { owner: 'ops-team' } }, labels: {}, timeoutMs: 60_000 });
    await push({ extraExtensions: `---\n${extensionYaml({ name: 'ops', cluster: 'local-1', type: 'ops-tool' })}` }, 'claim the ops release');
    await settle();
    const ops = await extension('local-1.ops');
    expect(condition(ops?.status, 'Ready')).toMatchObject({ status: 'False', reason: 'ReleaseNotManaged' });
    expect(await readLatestRelease(cluster1, { namespace: 'ops-system', name: 'ops' })).toMatchObject({ revision: 1, chartVersion: '1.0.0' });
    expect((await configMapData(cluster1, 'ops-system', 'ops-config'))?.owner).toBe('ops-team');
  });

  it('installs nothing where requirements are not met, and says why', async () => {
    await push({ extraExtensions: `---\n${extensionYaml({ name: 'arm', cluster: 'local-2', type: 'arm-agent' })}` }, 'an arm64-only agent on a cluster without arm64 nodes');
    await settle();
    const arm = await extension('local-2.arm');
    expect(condition(arm?.status, 'Ready')).toMatchObject({ status: 'False', reason: 'RequirementsNotMet' });
    expect(condition(arm?.status, 'Ready')?.message).toMatch(/arm64/);
    expect(await readLatestRelease(cluster2, { namespace: 'arm-system', name: 'arm' })).toBeUndefined();
  });

  it('fails a namespace-scoped chart that creates a ClusterRole, with a clear condition', async () => {
    await push(
      { extraExtensions: `---\n${extensionYaml({ name: 'grab', cluster: 'local-2', type: 'grabber', scope: 'namespace', targetNamespace: 'team-a' })}` },
      'a namespace-scoped chart that reaches for the cluster',
    );
    await settle(3);
    const grab = await extension('local-2.grab');
    expect(condition(grab?.status, 'Ready')?.status).toBe('False');
    expect(condition(grab?.status, 'Ready')?.message).toMatch(/forbidden|cannot create/i);
    const roles = await cluster2.request<{ items: { metadata: { name: string } }[] }>({ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles' });
    expect(roles.body.items.map((r) => r.metadata.name)).not.toContain('grab-grab');
  });

  it('keeps an Extension Pending on a cluster whose kubeconfig Secret is missing, and lets it go with the cluster', async () => {
    const ghost = `---\n${documents(connectedClusterYaml('ghost', { kubeconfigSecret: true }), extensionYaml({ name: 'cfg', cluster: 'ghost', type: 'config' }))}`;
    await push({ extraExtensions: ghost }, 'a cluster nobody gave us a kubeconfig for');
    await settle(3);
    const pending = await extension('ghost.cfg');
    expect(pending?.status?.provisioningState).toBe('Pending');
    expect(condition(pending?.status, 'Ready')).toMatchObject({ status: 'False', reason: 'ClusterUnreachable' });
    expect(condition(pending?.status, 'Ready')?.message).toContain('"ghost-kubeconfig"');
    expect((await store.get<unknown, { reachable: boolean }>('ConnectedCluster', 'ghost'))?.status?.reachable).toBe(false);

    await push({ extraExtensions: '' }, 'forget the ghost cluster');
    await settle(3);
    expect(await extension('ghost.cfg')).toBeUndefined();
    expect(await store.get('ConnectedCluster', 'ghost')).toBeUndefined();
  });

  it('holds a revision that would uninstall too much at once, then uninstalls a removed Extension', async () => {
    const held = await push({ withoutCfg2: true, extraExtensions: '', local2Labels: '' }, 'remove most extensions');
    await settle(2);
    const repo = await repositoryStatus();
    expect(repo?.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'BlastRadiusExceeded' });
    expect(repo?.conditions.find((c) => c.type === 'Ready')?.message).toContain(`clusterext.io/allow-uninstall-revision=${held}`);
    expect(await readLatestRelease(cluster2, { namespace: 'config-system', name: 'cfg' })).toBeDefined();

    await store.apply('ExtensionRepository', 'fleet', {
      metadata: { annotations: { 'clusterext.io/allow-uninstall-revision': held } },
      spec: repositorySpec(fleet, { repository: 'fleet', path: 'fleet', interval: '1ms' }),
    });
    await settle();
    expect(await readLatestRelease(cluster2, { namespace: 'config-system', name: 'cfg' })).toBeUndefined();
    expect(await extension('local-2.cfg')).toBeUndefined();
    expect(await extension('local-2.edge-app')).toBeUndefined();
    expect((await extension('local-1.cfg'))?.status?.provisioningState).toBe('Succeeded');
  });

  it('keeps an unreachable cluster Pending without touching the other, then converges', async () => {
    await push({ cfg2Version: '1.1.0', withoutCfg2: false }, 'local-2 gets cfg again');
    await fleet.clusters[1]!.stopApiserver();
    try {
      await push({ cfg2Version: '1.1.0', withoutCfg2: false, cfg1Greeting: 'hallo' }, 'and local-1 speaks German');
      await settle(2);
      const two = await extension('local-2.cfg');
      expect(two?.status?.provisioningState).toBe('Pending');
      expect(condition(two?.status, 'Ready')).toMatchObject({ status: 'False', reason: 'ClusterUnreachable' });
      expect((await configMapData(cluster1, 'config-system', 'cfg-config'))?.greeting).toBe('hallo');
      const cc = await store.get<unknown, { reachable: boolean }>('ConnectedCluster', 'local-2');
      expect(cc?.status?.reachable).toBe(false);
    } finally {
      await fleet.clusters[1]!.startApiserver();
    }
    await settle();
    const two = await extension('local-2.cfg');
    expect(two?.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.1.0' });
  });

  it('keeps a protected value that a failing chart prints transformed out of status, events and logs', async () => {
    const leakyType = `---\napiVersion: clusterext.io/v1alpha1\nkind: ExtensionType\nmetadata: {name: leaky}\nspec: {chart: {repository: "${fleet.charts.url}", name: leaky}, scopes: [cluster], defaultReleaseNamespace: leaky-system, releaseTrains: {stable: {}}}\n`;
    // Each form written the way Sprig prints it, independently of the scrubber.
    const printed: Record<string, string> = {
      b64prefix1: Buffer.from(`x${CANARY}`).toString('base64').slice(2, -2),
      trunc: CANARY.slice(0, 12),
      lines: CANARY,
      upper: CANARY.toUpperCase(),
    };
    for (const [leak, form] of Object.entries(printed)) {
      await push(
        { extraExtensions: `${leakyType}---\napiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: {name: leaky}\nspec: {clusterName: local-1, extensionType: leaky, scope: cluster, configurationSettings: {leak: ${leak}}, configurationProtectedSettingsRef: {secretName: leak-secrets}}\n` },
        `a chart that prints its protected value as ${leak}`,
      );
      await settle();
      const leaky = await extension('local-1.leaky');
      expect(condition(leaky?.status, 'Ready')?.status, leak).toBe('False');
      expect(JSON.stringify(leaky?.status), leak).toContain('RenderFailed');
      expect(JSON.stringify(leaky?.status), leak).toContain('[REDACTED]');
      const events = await hub.request({ method: 'GET', path: `/api/v1/namespaces/${NS}/events` });
      const everything = [JSON.stringify(await store.list('Extension')), JSON.stringify(events.body), logLines.join('\n')].join('\n').replace(/\s/g, '');
      expect(everything, leak).not.toContain(form.replace(/\s/g, ''));
    }
    await push({ extraExtensions: '' }, 'remove the leaky chart');
    await settle();
  });

  it('never lets a protected value reach status, events or logs', async () => {
    const crs = await store.list('Extension');
    expect(JSON.stringify(crs)).not.toContain(CANARY);
    const events = await hub.request({ method: 'GET', path: `/api/v1/namespaces/${NS}/events` });
    expect(JSON.stringify(events.body)).not.toContain(CANARY);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(CANARY);
    const repo = await store.list('ExtensionRepository');
    expect(JSON.stringify(repo)).not.toContain(fleet.git.auth.password);
  });
});
