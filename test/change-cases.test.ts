import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { toolPath } from '../controller/local/tool-path.js';
import type { Plan } from '../controller/plan/plan.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { startChangeHarness, type ChangeHarness } from './support/change-harness.js';
import { helmEnv } from './support/test-fleet.js';

const doc = (kind: string, name: string, spec: object, labels?: Record<string, string>) => stringify({ apiVersion: 'clusterext.io/v1alpha1', kind, metadata: { name, ...(labels ? { labels } : {}) }, spec });

interface Layout {
  mv?: { type: 'config' | 'ops'; namespace?: string };
  withLocal2?: boolean;
  vpin?: boolean;
  badTrain?: boolean;
  /** vtype opts in to versionPrefix: v, and vpin pins the "v" form. */
  vprefix?: boolean;
}

/** The fleet repository's files: two types on the sample chart, two types on odd charts, two clusters. */
function files(charts: string, layout: Layout): Record<string, string | null> {
  const type = (name: string, chart: string, extra: object = {}) =>
    doc('ExtensionType', name, { chart: { repository: charts, name: chart }, scopes: ['cluster'], defaultReleaseNamespace: `${name}-system`, releaseTrains: { stable: {} }, ...extra });
  const withLocal2 = layout.withLocal2 ?? true;
  const mv = layout.mv ?? { type: 'config' };
  return {
    'fleet/types.yaml': [type('config', 'config-values'), type('ops', 'config-values'), type('vtype', 'vchart', layout.vprefix ? { versionPrefix: 'v' } : {}), type('badtype', 'badchart')].join('---\n'),
    'fleet/clusters.yaml': ['local-1', ...(withLocal2 ? ['local-2'] : [])].map((c) => doc('ConnectedCluster', c, { kubeconfigSecretRef: { name: `${c}-kubeconfig`, key: 'kubeconfig' } })).join('---\n'),
    'fleet/local-1.yaml': doc('Extension', 'base', { clusterName: 'local-1', extensionType: 'config', scope: 'cluster', configurationSettings: { 'data.k': 'v' } }),
    'fleet/local-2.yaml': withLocal2
      ? [
          doc('Extension', 'mv', { clusterName: 'local-2', extensionType: mv.type, scope: 'cluster', ...(mv.namespace ? { releaseNamespace: mv.namespace } : {}) }),
          doc('Extension', 'other', { clusterName: 'local-2', extensionType: mv.type === 'config' ? 'ops' : 'config', scope: 'cluster' }),
        ].join('---\n')
      : null,
    'fleet/vpin.yaml': layout.vpin || layout.vprefix ? doc('Extension', 'vpin', { clusterName: 'local-1', extensionType: 'vtype', scope: 'cluster', autoUpgradeMinorVersion: false, version: layout.vprefix ? 'v1.21.2' : '1.21.2' }) : null,
    'fleet/badtrain.yaml': layout.badTrain ? doc('Extension', 'bad', { clusterName: 'local-1', extensionType: 'badtype', scope: 'cluster' }) : null,
  };
}

/**
 * Each case of "what plan shows is what the controller does" on the real fleet (two clusters, real
 * helm, git and chart repository): the built CLI plans each commit, the controller applies it, and
 * the helm operations it ran (recorded at the helm port) and `helm list -A` are checked.
 */
describe('the change model, case by case, on real clusters', () => {
  let h: ChangeHarness;
  let charts = '';
  let layout: Layout = {};
  let previous = '';
  let workDir: string;

  async function change(next: Layout, message: string): Promise<{ plan: Plan | undefined; code: number; stdout: string }> {
    layout = { ...layout, ...next };
    const head = h.commit(files(charts, layout), message);
    const run = await h.plan(previous, head);
    previous = head;
    return { plan: run.code === 0 ? (JSON.parse(run.stdout) as Plan) : undefined, code: run.code, stdout: run.stdout };
  }

  async function apply() {
    await h.push();
    await h.settle();
    return h.helm.take().map((c) => `${c.cluster} ${c.operation} ${c.namespace}/${c.release}`);
  }

  const status = async (name: string) => (await h.store.get<unknown, ExtensionStatus>('Extension', name))?.status;
  const condition = (s: ExtensionStatus | undefined, type: string) => s?.conditions.find((c) => c.type === type);
  const operations = (plan: Plan | undefined) => plan?.clusters.flatMap((c) => c.operations.map((o) => `${c.cluster} ${o.operation} ${o.extension}`));

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-cases-'));
    h = await startChangeHarness({
      clusters: 2,
      prepareCharts: async (fleet) => {
        charts = fleet.charts.url;
        await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
        // A chart published only as "v1.21.2": helm's --version 1.21.2 is a constraint that matches it.
        const vchart = join(workDir, 'vchart');
        cpSync(sampleChartPath('config-values'), vchart, { recursive: true });
        writeFileSync(join(vchart, 'Chart.yaml'), readFileSync(join(vchart, 'Chart.yaml'), 'utf8').replace(/^name: .*$/m, 'name: vchart'));
        await fleet.charts.publish(vchart, { version: 'v1.21.2' });
        // A chart whose index lists only versions that are not strict SemVer.
        await fleet.charts.addRawIndexEntry({ name: 'badchart', version: '1.0.029903' });
        await fleet.charts.addRawIndexEntry({ name: 'badchart', version: 'v2.0.0' });
      },
      files: (url) => {
        charts = url;
        return Object.fromEntries(Object.entries(files(url, {})).filter((e): e is [string, string] => e[1] !== null));
      },
    });
    previous = h.commit({}, 'start');
    await apply();
  }, 600_000);

  afterAll(async () => {
    await h?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('starts with one release per Extension', async () => {
    expect([...(await h.helmList('local-2')).keys()].sort()).toEqual(['config-system/mv', 'ops-system/other']);
  });

  it('reinstalls an Extension moved to another releaseNamespace: helm list shows one release, in the new namespace', async () => {
    const { plan } = await change({ mv: { type: 'config', namespace: 'moved' } }, 'move mv');
    expect(operations(plan)).toEqual(['local-2 reinstall mv']);
    expect(await apply()).toEqual(['local-2 uninstall config-system/mv', 'local-2 install moved/mv']);
    expect([...(await h.helmList('local-2')).keys()].sort()).toEqual(['moved/mv', 'ops-system/other']);
    expect((await status('local-2.mv'))?.release).toMatchObject({ namespace: 'moved', extensionType: 'config' });
  });

  it('reinstalls an Extension whose type changes, even in the same namespace', async () => {
    const { plan } = await change({ mv: { type: 'ops', namespace: 'moved' } }, 'mv becomes ops');
    expect(plan?.clusters[0]?.operations.find((o) => o.extension === 'mv')).toMatchObject({ operation: 'reinstall', reason: 'ExtensionTypeChanged' });
    // "other" swaps type too (config ↔ ops keeps one cluster-scoped instance per type) and moves namespace.
    expect((await apply()).sort()).toEqual(['local-2 install config-system/other', 'local-2 install moved/mv', 'local-2 uninstall moved/mv', 'local-2 uninstall ops-system/other'].sort());
    expect([...(await h.helmList('local-2')).keys()].sort()).toEqual(['config-system/other', 'moved/mv']);
  });

  it('fails plan for a pin the index does not list, and stalls the Extension without a helm call, even though the index lists v1.21.2', async () => {
    // The premise: helm itself, asked for --version 1.21.2, takes v1.21.2.
    const helmEnvironment = { ...helmEnv(h.fleet) } as NodeJS.ProcessEnv;
    const shown = await new Promise<string>((done) =>
      execFile(toolPath('helm'), ['show', 'chart', 'vchart', '--repo', charts, '--version', '1.21.2'], { env: helmEnvironment }, (_error, stdout) => done(stdout)),
    );
    expect(shown).toContain('version: v1.21.2');

    const { code, stdout } = await change({ vpin: true }, 'pin vchart 1.21.2');
    expect(code).toBe(1);
    const diagnostics = (JSON.parse(stdout) as { diagnostics: { code: string; file: string; line: number; pointer: string; message: string }[] }).diagnostics;
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'PinnedVersionNotInIndex', pointer: '/spec/version', file: expect.stringMatching(/vpin\.yaml$/) })]);
    expect(diagnostics[0]!.line).toBeGreaterThan(0);
    expect(diagnostics[0]!.message).toContain('"v1.21.2"');

    expect(await apply()).toEqual([]);
    const stalled = await status('local-1.vpin');
    expect(condition(stalled, 'Stalled')).toMatchObject({ status: 'True', reason: 'VersionUnresolved' });
    expect(condition(stalled, 'Reconciling')).toMatchObject({ status: 'False' });
    expect(condition(stalled, 'Stalled')?.message).toContain('"v1.21.2"');
    expect([...(await h.helmList('local-1')).keys()]).not.toContain('vtype-system/vpin');
  });

  it('stalls an Extension whose train resolves to no valid version, naming the ignored versions', async () => {
    const { plan } = await change({ vpin: false, badTrain: true }, 'a train with nothing valid');
    expect(plan?.warnings.join(' ')).toContain('1.0.029903');
    expect(await apply()).toEqual([]);
    const stalled = await status('local-1.bad');
    expect(stalled?.provisioningState).not.toBe('Installing');
    expect(condition(stalled, 'Stalled')).toMatchObject({ status: 'True', reason: 'VersionUnresolved' });
    expect(condition(stalled, 'Reconciling')).toMatchObject({ status: 'False' });
    expect(condition(stalled, 'Stalled')?.message).toContain('"1.0.029903"');
    expect(condition(stalled, 'Stalled')?.message).toContain('"v2.0.0"');
  });

  it('installs a "v"-prefixed chart version once its type opts in with versionPrefix: v, shown as such in plan and status', async () => {
    const { plan } = await change({ badTrain: false, vprefix: true }, 'vtype accepts v-prefixed versions; pin v1.21.2');
    expect(operations(plan)).toEqual(['local-1 install vpin']);
    const install = plan?.clusters.flatMap((c) => c.changes).find((c) => c.extension === 'vpin');
    expect(install?.to).toMatchObject({ version: { kind: 'pinned', version: 'v1.21.2' }, chart: { name: 'vchart', versionPrefix: 'v' } });
    // Ignored only as long as the type does not opt in; badchart's "v2.0.0" (its type does not) still is.
    expect(plan?.ignoredVersions.map((v) => `${v.chart.name} ${v.version}`)).toEqual(['badchart 1.0.029903', 'badchart v2.0.0']);

    expect(await apply()).toEqual(['local-1 install vtype-system/vpin']);
    const installed = await status('local-1.vpin');
    expect(installed).toMatchObject({ installedVersion: 'v1.21.2', provisioningState: 'Succeeded' });
    expect(condition(installed, 'Ready')?.status).toBe('True');
    expect((await h.helmList('local-1')).get('vtype-system/vpin')).toBe('vchart-v1.21.2');
    const vtype = (await h.store.get<unknown, { trains: Record<string, { versions: string[] }>; ignoredVersions: { version: string }[]; conditions: { type: string; message: string }[] }>('ExtensionType', 'vtype'))?.status;
    expect(vtype?.trains.stable?.versions).toEqual(['v1.21.2']);
    expect(vtype?.ignoredVersions).toEqual([]);
    expect(vtype?.conditions.find((c) => c.type === 'Reconciling')?.message).toContain('"v"-prefixed versions accepted (versionPrefix: v)');
  });

  it('leaves the releases of a cluster that leaves the fleet in place, as plan says', async () => {
    const { plan } = await change({ withLocal2: false, badTrain: false }, 'local-2 leaves');
    expect(operations(plan)).toEqual(['local-2 leave mv', 'local-2 leave other']);
    expect(plan?.summary.leftInPlace).toBe(2);
    expect(await apply()).toEqual([]);
    expect([...(await h.helmList('local-2')).keys()].sort()).toEqual(['config-system/other', 'moved/mv']);
    expect(await h.store.get('Extension', 'local-2.mv')).toBeUndefined();
  });

  it('lets go of everything when the ExtensionRepository is deleted: CRs gone, finalizers removed, releases untouched', async () => {
    expect((await h.store.get<unknown, unknown>('Extension', 'local-1.base'))?.metadata.finalizers).toEqual(['clusterext.io/uninstall']);
    await h.store.delete('ExtensionRepository', 'fleet');
    await h.settle(2);
    expect(h.helm.take()).toEqual([]);
    expect(await h.store.get('Extension', 'local-1.base')).toBeUndefined();
    expect(await h.store.get('ExtensionType', 'config')).toBeUndefined();
    expect([...(await h.helmList('local-1')).keys()]).toContain('config-system/base');
  });
});
