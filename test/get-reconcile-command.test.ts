import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeRest } from '../controller/cluster/kube-client.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { REQUESTED_AT_ANNOTATION, type ControllerManager } from '../controller/runtime/controller-manager.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { builtCli, runBuiltCli, type CliRun } from './support/run-built-cli.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents, extensionYaml, namespaceScopedTypeYaml } from './support/fleet-yaml.js';
import { seedRepository } from './support/seed-repository.js';
import { settleController } from './support/settle-controller.js';
import { createTestController } from './support/test-controller.js';
import { startTestFleet } from './support/test-fleet.js';

const CANARY = 'canary-cli-4d1c7e-never-printed';
/** Everything the CLI printed in this file, to prove the canary never appears. */
const printed: string[] = [];

/** The built CLI as users run it; asynchronous, so the controller in this process keeps running meanwhile. */
const run = (args: string[], options: { signalWhen?: (stdout: string) => boolean; timeoutMs?: number } = {}): Promise<CliRun> => runBuiltCli(args, { ...options, timeoutMs: options.timeoutMs ?? 60_000, printed });

/** Table rows by NAME, as column title → cell. */
function table(stdout: string): Map<string, Record<string, string>> {
  const lines = stdout.split('\n');
  const titles = lines[0]!.split(/ {3,}/);
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines.slice(1)) {
    if (line.trim() === '') break;
    const cells = line.split(/ {3,}/);
    rows.set(cells[0]!, Object.fromEntries(titles.map((t, i) => [t, cells[i] ?? ''])));
  }
  return rows;
}

function fleetFiles(charts: string, greeting: string, extra = ''): Record<string, string> {
  return {
    'fleet/types.yaml': documents(
      clusterScopedTypeYaml({ name: 'config', repository: charts, chart: 'config-values', namespace: 'config-system' }),
      namespaceScopedTypeYaml({ name: 'grabber', repository: charts, chart: 'cluster-grabber' }),
    ),
    'fleet/clusters.yaml': documents(connectedClusterYaml('local-1', { kubeconfigSecret: true }), connectedClusterYaml('ghost', { kubeconfigSecret: true })),
    'fleet/extensions.yaml':
      documents(
        extensionYaml({ name: 'cfg', cluster: 'local-1', type: 'config', settings: { 'data.greeting': greeting }, protectedSettingsSecret: 'cfg-secrets' }),
        extensionYaml({ name: 'grab', cluster: 'local-1', type: 'grabber', scope: 'namespace', targetNamespace: 'team' }),
        extensionYaml({ name: 'cfg', cluster: 'ghost', type: 'config' }),
      ) + extra,
  };
}

/** A chart that creates a ClusterRole: a namespace-scoped instance of it fails. */
function writeClusterRoleChart(dir: string): string {
  const chart = join(dir, 'cluster-grabber');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: cluster-grabber\nversion: 1.0.0\n');
  writeFileSync(join(chart, 'templates', 'role.yaml'), 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {{ .Release.Name }}-grab\nrules: []\n');
  return chart;
}

/**
 * `clusterext get` and `clusterext reconcile` (the built CLI) against a real hub whose controller
 * has installed one Extension (Ready), failed another (a namespace-scoped chart that creates a
 * ClusterRole) and left a third Pending (its cluster's kubeconfig Secret does not exist).
 */
describe('clusterext get and reconcile against a real hub', () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let store: CrStore;
  let manager: ControllerManager;
  let workDir: string;
  let kubeconfig: string;
  let hubArgs: string[];

  beforeAll(async () => {
    expect(existsSync(builtCli), `${builtCli} is missing; run "npm run build" first`).toBe(true);
    fleet = await startTestFleet({ clusters: 1 });
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-get-test-'));
    kubeconfig = join(workDir, 'hub.yaml');
    writeFileSync(kubeconfig, fleet.clusters[0]!.kubeconfig, { mode: 0o600 });
    hubArgs = ['--kubeconfig', kubeconfig, '-n', HUB_NAMESPACE];
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    await fleet.charts.publish(writeClusterRoleChart(workDir), { version: '1.0.0' });
    await seedRepository(fleet.git, 'fleet', join(workDir, 'seed'), fleetFiles(fleet.charts.url, 'hi'));
    // An hour's interval: only a reconcile request makes the controller fetch again.
    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet', path: 'fleet', interval: '1h', protectedSettings: { 'cfg-secrets': { 'data.token': CANARY } } }));
    manager = createTestController(fleet, hub, { cacheDir: join(workDir, 'cache') });
    await settleController(manager, 6);
  }, 240_000);

  afterAll(async () => {
    expect(printed.join('\n')).not.toContain(CANARY);
    manager?.close();
    hub?.close();
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('lists Ready, Failed and Pending Extensions like kubectl get, with a summary line and no colours off a terminal', async () => {
    const { code, stdout, stderr } = await run(['get', 'extensions', ...hubArgs]);
    expect(code, stderr).toBe(0);
    const rows = table(stdout);
    expect([...rows.keys()]).toEqual(['ghost.cfg', 'local-1.cfg', 'local-1.grab']);
    expect(rows.get('local-1.cfg')).toMatchObject({ CLUSTER: 'local-1', TYPE: 'config', VERSION: '1.0.0', STATE: 'Succeeded', READY: 'True' });
    expect(rows.get('local-1.grab')).toMatchObject({ STATE: 'Failed', READY: 'False' });
    expect(rows.get('local-1.grab')!.MESSAGE).toMatch(/^RetriesExhausted: Release "team\/grab" failed 1 attempt; the next attempt is at /);
    expect(rows.get('ghost.cfg')).toMatchObject({ STATE: 'Pending', READY: 'False' });
    expect(rows.get('ghost.cfg')!.MESSAGE).toMatch(/^ClusterUnreachable: /);
    expect(rows.get('local-1.cfg')!.AGE).toMatch(/^\d+[smhd]$/);
    expect(stdout.trimEnd().split('\n').pop()).toBe('3 Extensions: 1 Ready, 2 not Ready (1 Failed, 1 Pending).');
    expect(stdout).not.toContain('\u001b[');
  });

  it('exits 1 with --fail-not-ready when anything shown is not Ready, 0 when all shown are', async () => {
    const all = await run(['get', 'extensions', '--fail-not-ready', ...hubArgs]);
    expect(all.code).toBe(1);
    expect(all.stderr).toContain('Extension "local-1.grab"');
    expect(all.stderr).toContain('Extension "ghost.cfg"');
    expect(all.stderr).not.toContain('local-1.cfg"');
    const one = await run(['get', 'extension', 'local-1.cfg', '--fail-not-ready', ...hubArgs]);
    expect(one.code, one.stderr).toBe(0);
    expect([...table(one.stdout).keys()]).toEqual(['local-1.cfg']);
  });

  it('adds revision, release and namespace with -o wide, and filters by --cluster', async () => {
    const head = await fleet.git.headOf('fleet');
    const wide = await run(['get', 'ext', '-o', 'wide', '--cluster', 'local-1', ...hubArgs]);
    expect(wide.code, wide.stderr).toBe(0);
    const rows = table(wide.stdout);
    expect([...rows.keys()]).toEqual(['local-1.cfg', 'local-1.grab']);
    expect(rows.get('local-1.cfg')).toMatchObject({ REVISION: head.slice(0, 12), RELEASE: 'cfg.v1 (deployed)', NAMESPACE: 'config-system' });
  });

  it('prints the objects with -o json and -o yaml, without managedFields', async () => {
    const json = await run(['get', 'extensions', '--cluster', 'ghost', '-o', 'json', ...hubArgs]);
    expect(json.code, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout) as { kind: string; items: { metadata: Record<string, unknown>; status: { provisioningState: string } }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['ghost.cfg']);
    expect(list.items[0]!.status.provisioningState).toBe('Pending');
    expect(list.items[0]!.metadata.managedFields).toBeUndefined();
    const yaml = await run(['get', 'extension', 'local-1.cfg', '-o', 'yaml', ...hubArgs]);
    expect(yaml.stdout).toMatch(/^apiVersion: clusterext.io\/v1alpha1\nkind: Extension\n/);
    expect(yaml.stdout).toContain('provisioningState: Succeeded');
  });

  it('lists repositories, types, clusters and policies', async () => {
    const head = await fleet.git.headOf('fleet');
    const repos = table((await run(['get', 'repositories', ...hubArgs])).stdout);
    expect(repos.get('fleet')).toMatchObject({ REVISION: head.slice(0, 12), READY: 'True' });
    const types = table((await run(['get', 'types', ...hubArgs])).stdout);
    expect(types.get('config')).toMatchObject({ TRAINS: 'stable 1.0.0', READY: 'True' });
    const clusters = await run(['get', 'clusters', ...hubArgs]);
    const clusterRows = table(clusters.stdout);
    expect(clusterRows.get('local-1')!.READY).toBe('True');
    expect(clusterRows.get('ghost')!.READY).toBe('False');
    expect(clusters.stdout).toContain('2 ConnectedClusters: 1 Ready, 1 not Ready.');
    const policies = await run(['get', 'policies', ...hubArgs]);
    expect(policies.code).toBe(0);
    expect(policies.stdout).toContain('No ExtensionPolicies.');
  });

  it('rejects an unknown kind, a missing object and --cluster where it does not apply, with clear messages', async () => {
    const kind = await run(['get', 'extnsions', ...hubArgs]);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toContain('"extnsions" is not a kind this command knows; give one of extensions, repositories, types, clusters, policies (did you mean "extensions"?).');
    const missing = await run(['get', 'extension', 'local-1.nope', ...hubArgs]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Extension "local-1.nope" does not exist in namespace "${HUB_NAMESPACE}"`);
    const cluster = await run(['get', 'types', '--cluster', 'local-1', ...hubArgs]);
    expect(cluster.code).toBe(1);
    expect(cluster.stderr).toContain('--cluster filters Extensions, clusters and policies, not ExtensionTypes');
  });

  it('keeps printing with --watch until Ctrl-C, then exits 0', async () => {
    const watched = await run(['get', 'extensions', '--watch', ...hubArgs], { signalWhen: (out) => out.includes('3 Extensions:') });
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toContain('local-1.cfg');
  });
  it('extension show reads live state and protected key names from the hub, never the values', async () => {
    const repoDir = join(workDir, 'seed', 'fleet');
    const failed = await run(['extension', 'show', '--name', 'grab', '--cluster-name', 'local-1', '--repo-dir', repoDir, ...hubArgs]);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toMatch(/^provisioningState:\s+Failed$/m);
    expect(failed.stdout).toMatch(/^lastError:\s+RetriesExhausted: /m);
    const cfg = await run(['extension', 'show', '--name', 'cfg', '--cluster-name', 'local-1', '--repo-dir', repoDir, ...hubArgs, '-o', 'json']);
    expect(cfg.code, cfg.stderr).toBe(0);
    expect(JSON.parse(cfg.stdout)).toMatchObject({ stateFrom: 'hub', provisioningState: 'Succeeded', installedVersion: '1.0.0', configurationProtectedSettings: { secretName: 'cfg-secrets', keys: ['data.token'] } });
    const list = await run(['extension', 'list', '--repo-dir', repoDir, ...hubArgs]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^cfg\s+ghost\s+config\s+cluster\s+config-system\s+stable \(auto\)\s+-\s+Pending/m);
    expect(list.stdout).toContain('3 Extensions; state from the hub (namespace "clusterext-system").');
    const yaml = await run(['get', 'extensions', '-o', 'yaml', ...hubArgs]);
    expect(yaml.stdout).toContain('secretName: cfg-secrets');
  });

  it('extension create puts protected settings in a labelled Secret on the hub and only its name in git', async () => {
    const repoDir = join(workDir, 'create-repo');
    cpSync(join(workDir, 'seed'), repoDir, { recursive: true });
    const created = await run([
      'extension', 'create', '--name', 'cfg2', '--cluster-name', 'local-1', '--extension-type', 'grabber', '--scope', 'namespace', '--target-namespace', 'team2',
      '--configuration-protected-settings', `token=${CANARY}`, 'clientId=app-1', '--repo-dir', join(repoDir, 'fleet'), ...hubArgs,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^ +\+ +install +cfg2 /m);
    const secret = await hub.request<{ metadata: { labels?: Record<string, string> }; data: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${HUB_NAMESPACE}/secrets/local-1-cfg2-protected-settings` });
    expect(secret.status).toBe(200);
    expect(secret.body.metadata.labels).toMatchObject({ 'clusterext.io/protected-settings': 'true' });
    expect(Buffer.from(secret.body.data.token!, 'base64').toString()).toBe(CANARY);
    const manifest = readFileSync(join(repoDir, 'fleet', 'extensions.yaml'), 'utf8');
    expect(manifest).toContain('secretName: local-1-cfg2-protected-settings');
    expect(manifest).not.toContain(CANARY);
    const shown = await run(['extension', 'show', '--name', 'cfg2', '--cluster-name', 'local-1', '--repo-dir', join(repoDir, 'fleet'), ...hubArgs]);
    expect(shown.stdout).toMatch(/^ {2}clientId$/m);
    expect(shown.stdout).toMatch(/^ {2}token$/m);
  });

  describe('reconcile repository, with the controller running', () => {
    let stop: AbortController;
    let running: Promise<void>;

    beforeAll(() => {
      stop = new AbortController();
      running = manager.run(stop.signal);
    });

    afterAll(async () => {
      stop.abort();
      await running;
    });

    it('fetches a pushed commit at once (the interval is an hour) and prints the revision applied', async () => {
      const before = await fleet.git.headOf('fleet');
      const head = await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, 'bonjour'), message: 'greet in French' });
      const { code, stdout, stderr } = await run(['reconcile', 'repository', 'fleet', '--timeout', '90s', ...hubArgs], { timeoutMs: 120_000 });
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`✔ ExtensionRepository "fleet": revision ${head.slice(0, 12)} is applied (was ${before.slice(0, 12)}).`);
      const repo = await store.get<unknown, { lastHandledReconcileAt?: string }>('ExtensionRepository', 'fleet');
      expect(repo?.metadata.annotations?.[REQUESTED_AT_ANNOTATION]).toBeDefined();
      expect(repo?.status?.lastHandledReconcileAt).toBe(repo?.metadata.annotations?.[REQUESTED_AT_ANNOTATION]);
    }, 150_000);

    it('exits 1 and prints the diagnostics when the new revision is rejected', async () => {
      const applied = await fleet.git.headOf('fleet');
      const bad = '---\napiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: {name: pinned}\nspec:\n  clusterName: local-1\n  extensionType: config\n  scope: cluster\n  autoUpgradeMinorVersion: false\n  version: "1.0.029903"\n';
      const head = await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, 'bonjour', bad), message: 'an invalid version' });
      const { code, stdout, stderr } = await run(['reconcile', 'repo', 'fleet', '--timeout', '90s', ...hubArgs], { timeoutMs: 120_000 });
      expect(code, stdout).toBe(1);
      expect(stderr).toContain(`✗ ExtensionRepository "fleet": revision ${head.slice(0, 12)} was rejected; revision ${applied.slice(0, 12)} stays applied.`);
      expect(stderr).toMatch(/^ {2}extensions\.yaml:\d+:\d+: InvalidSemver: .*029903/m);
      // Put the good revision back for whatever runs next.
      await fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, 'bonjour'), message: 'fix' });
    }, 150_000);

    it('reconcile extension refuses an Extension whose retries ran out unless --force is given, and asks nothing', async () => {
      const before = await store.get<unknown, ExtensionStatus>('Extension', 'local-1.grab');
      expect(before?.status?.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExhausted' });
      const { code, stderr } = await run(['reconcile', 'extension', 'local-1.grab', ...hubArgs]);
      expect(code).toBe(1);
      expect(stderr).toContain('Extension "local-1.grab" has used up its quick retries');
      expect(stderr).toContain('Run again with --force to retry now.');
      const after = await store.get<unknown, ExtensionStatus>('Extension', 'local-1.grab');
      expect(after?.metadata.annotations?.[REQUESTED_AT_ANNOTATION]).toBeUndefined();
    });

    it('reconcile extension --force makes the controller try again now and prints why it is still not Ready', async () => {
      const before = await store.get<unknown, ExtensionStatus>('Extension', 'local-1.grab');
      const { code, stdout, stderr } = await run(['reconcile', 'extension', 'grab', '--cluster', 'local-1', '--force', '--timeout', '90s', ...hubArgs], { timeoutMs: 120_000 });
      expect(code, stdout).toBe(1);
      expect(stderr).toContain('asked Extension "local-1.grab" to reconcile now with a fresh retry budget');
      expect(stderr).toMatch(/✗ Extension "local-1\.grab" is not Ready \(\w+\): \w+: .*forbidden/i);
      const after = await store.get<unknown, ExtensionStatus>('Extension', 'local-1.grab');
      expect(after?.status?.lastHandledReconcileAt).toBe(after?.metadata.annotations?.[REQUESTED_AT_ANNOTATION]);
      // A new attempt really ran: its failure is later than the one before the request.
      expect(Date.parse(after!.status!.lastFailureTime!)).toBeGreaterThan(Date.parse(before!.status!.lastFailureTime!));
    }, 150_000);

    it('reconcile extension waits for the controller and prints Ready for an Extension in sync', async () => {
      const { code, stdout, stderr } = await run(['reconcile', 'ext', 'local-1.cfg', '--timeout', '90s', ...hubArgs], { timeoutMs: 120_000 });
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^✔ Extension "local-1\.cfg" is Ready at version 1\.0\.0\./m);
      const after = await store.get<unknown, ExtensionStatus>('Extension', 'local-1.cfg');
      expect(after?.status?.lastHandledReconcileAt).toBe(after?.metadata.annotations?.[REQUESTED_AT_ANNOTATION]);
    }, 150_000);

    it('reconcile extension refuses an Extension that does not exist', async () => {
      const { code, stderr } = await run(['reconcile', 'extension', 'local-1.nope', ...hubArgs]);
      expect(code).toBe(1);
      expect(stderr).toContain(`Extension "local-1.nope" does not exist in namespace "${HUB_NAMESPACE}"`);
    });

    it('refuses a repository that does not exist', async () => {
      const { code, stderr } = await run(['reconcile', 'repository', 'nope', ...hubArgs]);
      expect(code).toBe(1);
      expect(stderr).toContain(`ExtensionRepository "nope" does not exist in namespace "${HUB_NAMESPACE}"`);
    });
  });

  it('says so when no controller acts within --timeout', async () => {
    const { code, stderr } = await run(['reconcile', 'repository', 'fleet', '--timeout', '2s', ...hubArgs]);
    expect(code).toBe(1);
    expect(stderr).toContain('The controller did not act on the request for ExtensionRepository "fleet" within 2s');
  });
});
