import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import type { DriftReport, ExtensionDrift } from '../controller/drift/drift-report.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import type { ControllerManager } from '../controller/runtime/controller-manager.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents, extensionYaml } from './support/fleet-yaml.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { builtCli, runBuiltCli, type CliRun } from './support/run-built-cli.js';
import { seedRepository } from './support/seed-repository.js';
import { settleController } from './support/settle-controller.js';
import { createTestController } from './support/test-controller.js';
import { startTestFleet } from './support/test-fleet.js';

const CANARY = 'canary-drift-7c41e9-never-printed';
/** Everything the CLI printed or wrote in this file, to prove no canary or credential appears. */
const printed: string[] = [];

/** The built CLI with no default kubeconfig: each run names its own, hub or direct. */
const run = (args: string[]): Promise<CliRun> => runBuiltCli(args, { env: { KUBECONFIG: '' }, timeoutMs: 120_000, printed });

function fleetFiles(charts: string): Record<string, string> {
  return {
    'fleet/types.yaml': documents(
      clusterScopedTypeYaml({ name: 'web', repository: charts, chart: 'web-app', namespace: 'web-system' }),
      clusterScopedTypeYaml({ name: 'config', repository: charts, chart: 'config-values', namespace: 'config-system' }),
    ),
    'fleet/clusters.yaml': documents(...['local-1', 'local-2', 'ghost'].map((name) => connectedClusterYaml(name, { kubeconfigSecret: true }))),
    'fleet/extensions.yaml': documents(
      extensionYaml({ name: 'web', cluster: 'local-1', type: 'web' }),
      extensionYaml({ name: 'web', cluster: 'local-2', type: 'web' }),
      extensionYaml({ name: 'cfg', cluster: 'local-1', type: 'config', settings: { 'data.greeting': 'hi' }, protectedSettingsSecret: 'cfg-secrets' }),
      extensionYaml({ name: 'web', cluster: 'ghost', type: 'web' }),
    ),
  };
}

function cell(report: DriftReport, cluster: string, extension: string): ExtensionDrift | undefined {
  return report.clusters.find((c) => c.cluster === cluster)?.extensions.find((e) => e.extension === extension);
}

/** The drift a person made by hand below, as the report must show it: path → [desired, live]. */
function fieldsOf(drift: ExtensionDrift | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of drift?.objects ?? []) {
    const name = `${o.kind} ${o.namespace}/${o.name}`;
    if (o.state === 'missing') out[name] = 'missing';
    for (const f of o.fields) out[`${name} ${f.path}`] = f.masked ? 'masked' : `${JSON.stringify(f.desired)} → ${JSON.stringify(f.live)}`;
  }
  return out;
}

/**
 * `clusterext drift` (the built CLI) on real local clusters that a real controller reconciled:
 * clean right after the install (exit 0), then a Deployment's image and a ConfigMap value changed
 * and a Service deleted by hand (exit 2, exactly those reported, the protected value masked), in
 * hub mode and in direct mode (fleet path and --rev with kubeconfig contexts), an unreachable
 * cluster reported as such (exit 1), and bad input (exit 1).
 */
describe('clusterext drift against real clusters', () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let manager: ControllerManager;
  let workDir: string;
  let seed: string;
  let hubArgs: string[];
  let contexts: string;
  const tokens: string[] = [];

  beforeAll(async () => {
    expect(existsSync(builtCli), `${builtCli} is missing; run "npm run build" first`).toBe(true);
    fleet = await startTestFleet({ clusters: 2 });
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-drift-test-'));
    const hubKubeconfig = join(workDir, 'hub.yaml');
    writeFileSync(hubKubeconfig, fleet.clusters[0]!.kubeconfig, { mode: 0o600 });
    hubArgs = ['--kubeconfig', hubKubeconfig, '-n', HUB_NAMESPACE];
    // Direct mode's kubeconfig: local-1 under another context name (mapped by --cluster-context),
    // local-2 under its own name (found by default).
    const docs = fleet.clusters.map((c) => parseYaml(c.kubeconfig) as { clusters: unknown[]; users: { user: { token?: string } }[]; contexts: { name: string }[] });
    for (const d of docs) for (const u of d.users) if (u.user.token) tokens.push(u.user.token);
    docs[0]!.contexts[0]!.name = 'ctx-local-1';
    contexts = join(workDir, 'contexts.yaml');
    writeFileSync(contexts, stringify({ apiVersion: 'v1', kind: 'Config', clusters: docs.flatMap((d) => d.clusters), users: docs.flatMap((d) => d.users), contexts: docs.flatMap((d) => d.contexts), 'current-context': 'local-2' }), { mode: 0o600 });

    await fleet.charts.publish(sampleChartPath('web-app'), { version: '1.0.0' });
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    seed = join(workDir, 'seed');
    await seedRepository(fleet.git, 'fleet', seed, fleetFiles(fleet.charts.url));
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: seed });
    execFileSync('git', ['add', '.'], { cwd: seed });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'fleet'], { cwd: seed });

    ({ hub } = await setUpHub(fleet, { repository: 'fleet', path: 'fleet', interval: '1h', protectedSettings: { 'cfg-secrets': { 'data.token': CANARY } } }));
    manager = createTestController(fleet, hub, {}, { helmDriver: 'cli' });
    await settleController(manager, 6);
  }, 400_000);

  afterAll(async () => {
    const all = printed.join('\n');
    expect(all).not.toContain(CANARY);
    for (const token of tokens) expect(all).not.toContain(token);
    manager?.close();
    hub?.close();
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('finds no drift right after the controller installed the releases (exit 0), in hub and direct mode', async () => {
    const viaHub = await run(['drift', ...hubArgs, '--cluster', 'local-1', '--cluster', 'local-2', '-o', 'json']);
    expect(viaHub.code, viaHub.stdout + viaHub.stderr).toBe(0);
    const report = JSON.parse(viaHub.stdout) as DriftReport;
    expect(report.source.kind).toBe('hub');
    expect(report.summary).toMatchObject({ clusters: 2, unreachableClusters: 0, releases: 3, driftedObjects: 0 });
    expect(report.summary.byState['in-sync']).toBe(3);
    expect(cell(report, 'local-1', 'cfg')?.checkedObjects).toBe(1);

    const direct = await run(['drift', join(seed, 'fleet'), '--kubeconfig', contexts, '--cluster-context', 'local-1=ctx-local-1', '--cluster', 'local-1', '--cluster', 'local-2']);
    expect(direct.code, direct.stdout + direct.stderr).toBe(0);
    expect(direct.stdout.trimEnd().split('\n').at(-1)).toBe('No drift: all 3 releases on 2 clusters are as git wants them.');
  });

  it('reports exactly the changes made by hand (exit 2), the protected value masked in every format', async () => {
    const local1 = createKubeClient(fleet.clusters[0]!.kubeconfig);
    const local2 = createKubeClient(fleet.clusters[1]!.kubeconfig);
    try {
      const ok = (res: { status: number }) => expect(res.status).toBeLessThan(300);
      ok(
        await local2.request({
          method: 'PATCH',
          path: '/apis/apps/v1/namespaces/web-system/deployments/web',
          contentType: 'application/json-patch+json',
          body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.k8s.io/pause:3.9' }],
        }),
      );
      ok(await local2.request({ method: 'DELETE', path: '/api/v1/namespaces/web-system/services/web' }));
      ok(
        await local1.request({
          method: 'PATCH',
          path: '/api/v1/namespaces/config-system/configmaps/cfg-config',
          contentType: 'application/merge-patch+json',
          body: { data: { greeting: 'edited by hand', token: 'also edited' } },
        }),
      );
    } finally {
      local1.close();
      local2.close();
    }
    const want = {
      'local-1/cfg': { 'ConfigMap config-system/cfg-config /data/greeting': '"hi" → "edited by hand"', 'ConfigMap config-system/cfg-config /data/token': 'masked' },
      'local-2/web': { 'Deployment web-system/web /spec/template/spec/containers/0/image': '"registry.k8s.io/pause:3.10" → "registry.k8s.io/pause:3.9"', 'Service web-system/web': 'missing' },
    };

    const viaHub = await run(['drift', ...hubArgs, '--cluster', 'local-1', '--cluster', 'local-2', '-o', 'json']);
    expect(viaHub.code, viaHub.stderr).toBe(2);
    const report = JSON.parse(viaHub.stdout) as DriftReport;
    expect({ 'local-1/cfg': fieldsOf(cell(report, 'local-1', 'cfg')), 'local-2/web': fieldsOf(cell(report, 'local-2', 'web')) }).toEqual(want);
    expect(cell(report, 'local-1', 'web')?.state).toBe('in-sync');
    expect(report.summary.byState).toMatchObject({ drifted: 2, 'in-sync': 1 });
    // Stable: the same check again is byte-identical.
    expect((await run(['drift', ...hubArgs, '--cluster', 'local-1', '--cluster', 'local-2', '-o', 'json'])).stdout).toBe(viaHub.stdout);

    for (const format of ['human', 'markdown', 'html']) {
      const file = join(workDir, `drift.${format}`);
      const r = await run(['drift', ...hubArgs, '--cluster', 'local-1', '--cluster', 'local-2', '--format', format, '--output-file', file]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`Drift: 2 of 3 releases differ from git (2 drifted); 3 objects drifted. The ${format} report is in ${file}.`);
      const text = readFileSync(file, 'utf8');
      printed.push(text);
      expect(text).toContain('/spec/template/spec/containers/0/image');
    }

    const direct = await run(['drift', join(seed, 'fleet'), '--kubeconfig', contexts, '--cluster-context', 'local-1=ctx-local-1', '--cluster', 'local-1', '--cluster', 'local-2', '-o', 'json']);
    expect(direct.code, direct.stderr).toBe(2);
    const directReport = JSON.parse(direct.stdout) as DriftReport;
    expect(directReport.source).toEqual({ kind: 'path', ref: join(seed, 'fleet') });
    expect({ 'local-1/cfg': fieldsOf(cell(directReport, 'local-1', 'cfg')), 'local-2/web': fieldsOf(cell(directReport, 'local-2', 'web')) }).toEqual(want);

    const atRev = await run(['drift', join(seed, 'fleet'), '--rev', 'HEAD', '--kubeconfig', contexts, '--cluster-context', 'local-1=ctx-local-1', '--cluster', 'local-2', '--extension', 'web', '-o', 'markdown']);
    expect(atRev.code, atRev.stderr).toBe(2);
    expect(atRev.stdout).toMatch(/^## clusterext drift: revision `HEAD \([0-9a-f]{7}\) /);
    expect(atRev.stdout).toContain('| `local-2` | 🟡 drifted |');
  });

  it('reports an unreachable cluster as unreachable, not as drift or clean (exit 1), without credentials', async () => {
    const viaHub = await run(['drift', ...hubArgs, '--extension', 'web']);
    expect(viaHub.code, viaHub.stderr).toBe(1);
    const ghost = viaHub.stdout.split('\n').find((l) => l.startsWith('ghost'));
    expect(ghost).toMatch(/^ghost\s+-\s+-\s+unreachable\s+Secret "ghost-kubeconfig" referenced by ConnectedCluster "ghost" does not exist/);
    expect(viaHub.stdout).toContain('1 of 3 clusters could not be reached (not checked).');

    const direct = await run(['drift', join(seed, 'fleet'), '--kubeconfig', contexts, '--cluster-context', 'local-1=ctx-local-1', '-o', 'json']);
    expect(direct.code, direct.stderr).toBe(1);
    const report = JSON.parse(direct.stdout) as DriftReport;
    const unreachable = report.clusters.find((c) => c.cluster === 'ghost');
    expect(unreachable).toMatchObject({ reachable: false, extensions: [] });
    expect(unreachable?.message).toContain('No kubeconfig context for cluster "ghost"');
    expect(unreachable?.message).toContain('--cluster-context ghost=CONTEXT');
  });

  it('refuses bad input with one sentence and exit 1', async () => {
    const unknown = await run(['drift', ...hubArgs, '--cluster', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('Error: The fleet has no cluster "nope"; its clusters are "ghost", "local-1", "local-2".\n');
    const context = await run(['drift', join(seed, 'fleet'), '--kubeconfig', contexts, '--cluster-context', 'local-1=missing']);
    expect(context.code).toBe(1);
    expect(context.stderr).toMatch(/^Error: The kubeconfig ".*contexts\.yaml" has no context "missing"/);
    const both = await run(['drift', ...hubArgs, '-o', 'json', '--format', 'html']);
    expect(both.code).toBe(1);
    expect(both.stderr).toBe('Error: --output json and --format html disagree; give one of them.\n');
  });
});
