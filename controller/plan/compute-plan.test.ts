import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Fleet } from '../manifest/fleet.js';
import { connectedCluster, extension, extensionType, fleet, policy } from '../../test/support/fleet-builder.js';
import { chartKey, type ChartCatalog } from './chart-catalog.js';
import { classifyIndexVersions } from './classify-index-versions.js';
import { computePlan } from './compute-plan.js';
import { planHasChanges, type Plan, type ReleaseChange } from './plan.js';

const types = [extensionType('monitor'), extensionType('mesh', { scopes: ['cluster', 'namespace'] })];
const catalog: ChartCatalog = new Map(
  ['monitor', 'mesh'].map((name) => [
    chartKey({ repository: 'https://charts.example', name }),
    classifyIndexVersions({ entries: { [name]: ['1.0.0', '1.2.0', '1.3.0', '2.0.0', '2.1.0-rc.1', '1.0.029903'].map((version) => ({ version })) } }, name),
  ]),
);
const clusters = [connectedCluster('a', { env: 'prod' }), connectedCluster('b', { env: 'prod' })];

function fleetWith(extensions: Fleet['extensions'], more: Partial<Fleet> = {}): Fleet {
  return fleet({ extensionTypes: types, clusters, extensions, ...more });
}

function changesOf(plan: Plan, cluster = 'a'): ReleaseChange[] {
  return plan.clusters.find((c) => c.cluster === cluster)?.changes ?? [];
}

const pinned = (version: string) => ({ autoUpgradeMinorVersion: false, version });

describe('computePlan', () => {
  it('reports no changes for identical revisions', () => {
    const f = fleetWith([extension('a', 'monitor', 'monitor')]);
    const plan = computePlan({ base: f, head: f, catalog });
    expect(plan.clusters).toEqual([]);
    expect(planHasChanges(plan)).toBe(false);
    expect(plan.summary).toMatchObject({ install: 0, uninstall: 0, releasesBefore: 1, releasesAfter: 1 });
    expect(plan.formatVersion).toBe('1');
  });

  it('classifies install and uninstall with reasons', () => {
    const plan = computePlan({ base: fleetWith([extension('a', 'old', 'mesh')]), head: fleetWith([extension('a', 'monitor', 'monitor')]), catalog });
    expect(changesOf(plan).map((c) => [c.extension, c.action])).toEqual([
      ['monitor', 'install'],
      ['old', 'uninstall'],
    ]);
    const [install, uninstall] = changesOf(plan);
    expect(install!.reason).toContain('"monitor" is new');
    expect(install!.to?.version).toEqual({ kind: 'resolved', version: '2.0.0', train: 'stable', constraint: '*' });
    expect(uninstall!.reason).toContain('"old" is removed');
    expect(plan.summary).toMatchObject({ install: 1, uninstall: 1 });
    expect(planHasChanges(plan)).toBe(true);
  });

  it('classifies upgrade, major upgrade and downgrade, flagging the last two', () => {
    const base = fleetWith([extension('a', 'up', 'monitor', pinned('1.2.0')), extension('a', 'major', 'monitor', pinned('1.3.0')), extension('a', 'down', 'monitor', pinned('1.3.0'))]);
    const head = fleetWith([extension('a', 'up', 'monitor', pinned('1.3.0')), extension('a', 'major', 'monitor', pinned('2.0.0')), extension('a', 'down', 'monitor', pinned('1.0.0'))]);
    const plan = computePlan({ base, head, catalog });
    expect(changesOf(plan).map((c) => [c.extension, c.action, c.flags])).toEqual([
      ['down', 'downgrade', ['downgrade']],
      ['major', 'major-upgrade', ['major-upgrade']],
      ['up', 'upgrade', []],
    ]);
    expect(changesOf(plan)[2]!.reason).toContain('1.2.0 to 1.3.0');
    expect(plan.summary).toMatchObject({ upgrade: 1, majorUpgrade: 1, downgrade: 1 });
  });

  it('keeps an auto-upgrading head within the base major when switching from a pin', () => {
    const plan = computePlan({ base: fleetWith([extension('a', 'monitor', 'monitor', pinned('1.0.0'))]), head: fleetWith([extension('a', 'monitor', 'monitor')]), catalog });
    expect(changesOf(plan).map((c) => [c.action, c.to?.version])).toEqual([['upgrade', { kind: 'resolved', version: '1.3.0', train: 'stable', constraint: '1.x' }]]);
  });

  it('shows a version-policy change offline without inventing versions', () => {
    const plan = computePlan({ base: fleetWith([extension('a', 'monitor', 'monitor', pinned('1.0.0'))]), head: fleetWith([extension('a', 'monitor', 'monitor')]) });
    expect(plan.offline).toBe(true);
    const [change] = changesOf(plan);
    expect(change).toMatchObject({ action: 'version-changed', flags: [] });
    expect(change!.reason).toContain('pinned 1.0.0');
    expect(change!.reason).toContain('within 1.x');
    expect(change!.reason).toContain('offline');
    const same = computePlan({ base: fleetWith([extension('a', 'monitor', 'monitor')]), head: fleetWith([extension('a', 'monitor', 'monitor')]) });
    expect(same.clusters).toEqual([]);
  });

  it('diffs settings key by key', () => {
    const base = fleetWith([extension('a', 'monitor', 'monitor', { configurationSettings: { 'log.level': 'info', replicas: 2 } })]);
    const head = fleetWith([extension('a', 'monitor', 'monitor', { configurationSettings: { 'log.level': 'debug', 'extra\\.key': true } })]);
    const [change] = changesOf(computePlan({ base, head, catalog }));
    expect(change!.action).toBe('settings-changed');
    expect(change!.settings).toEqual([
      { key: 'extra\\.key', change: 'added', to: true },
      { key: 'log.level', change: 'changed', from: 'info', to: 'debug' },
      { key: 'replicas', change: 'removed', from: 2 },
    ]);
  });

  it('reports protected settings by Secret name or digest, never data', () => {
    const ref = (secretName: string) => ({ configurationProtectedSettingsRef: { secretName } });
    const base = fleetWith([extension('a', 'moved', 'monitor', ref('one')), extension('a', 'added', 'monitor'), extension('a', 'same', 'monitor', ref('keys'))]);
    const head = fleetWith([extension('a', 'moved', 'monitor', ref('two')), extension('a', 'added', 'monitor', ref('new')), extension('a', 'same', 'monitor', ref('keys'))]);
    const plan = computePlan({ base, head, catalog });
    expect(changesOf(plan).map((c) => [c.extension, c.action])).toEqual([
      ['added', 'protected-settings-changed'],
      ['moved', 'protected-settings-changed'],
    ]);
    expect(changesOf(plan)[1]!.reason).toContain('"two" instead of Secret "one"');
    const digests = computePlan({ base, head: base, catalog, protectedDigests: { base: new Map([['keys', 'aaaa']]), head: new Map([['keys', 'bbbb']]) } });
    expect(changesOf(digests).map((c) => [c.extension, c.action])).toEqual([['same', 'protected-settings-changed']]);
    expect(changesOf(digests)[0]!.reason).toContain('digest');
  });

  it('flags a namespace move as a reinstall', () => {
    const plan = computePlan({ base: fleetWith([extension('a', 'monitor', 'monitor')]), head: fleetWith([extension('a', 'monitor', 'monitor', { releaseNamespace: 'observability' })]), catalog });
    expect(changesOf(plan)).toEqual([expect.objectContaining({ action: 'namespace-moved', flags: ['reinstall'] })]);
    expect(changesOf(plan)[0]!.reason).toContain('"monitor-system" to "observability"');
    expect(plan.summary.reinstall).toBe(1);
  });

  it('replaces a release whose type changes', () => {
    const plan = computePlan({ base: fleetWith([extension('a', 'x', 'monitor')]), head: fleetWith([extension('a', 'x', 'mesh')]), catalog });
    expect(changesOf(plan).map((c) => [c.action, c.flags])).toEqual([
      ['uninstall', ['reinstall']],
      ['install', ['reinstall']],
    ]);
    expect(plan.blastRadius).toEqual([]);
  });

  it('reports drift detection and chart changes', () => {
    const moved = [extensionType('monitor', { chart: { repository: 'oci://registry.example/charts', name: 'monitor' } }), types[1]!];
    const plan = computePlan({
      base: fleetWith([extension('a', 'monitor', 'monitor', pinned('1.0.0'))]),
      head: fleet({ extensionTypes: moved, clusters, extensions: [extension('a', 'monitor', 'monitor', { ...pinned('1.0.0'), driftDetection: 'enabled' })] }),
      catalog,
    });
    expect(changesOf(plan).map((c) => c.action)).toEqual(['chart-changed', 'drift-detection-changed']);
  });

  it('reports a change of the merged drift ignore rules (type and Extension) without changing the configDigest', () => {
    const base = fleetWith([extension('a', 'monitor', 'monitor', pinned('1.0.0'))]);
    const ignoring = [extensionType('monitor', { driftIgnore: [{ path: '/spec/replicas', kind: 'Deployment' }] }), types[1]!];
    const head = fleet({ extensionTypes: ignoring, clusters, extensions: [extension('a', 'monitor', 'monitor', { ...pinned('1.0.0'), driftIgnore: [{ path: '/data/k' }] })] });
    const plan = computePlan({ base, head, catalog });
    const changes = changesOf(plan);
    expect(changes.map((c) => c.action)).toEqual(['drift-ignore-changed']);
    expect(changes[0]?.to?.driftIgnore).toEqual([{ path: '/spec/replicas', kind: 'Deployment' }, { path: '/data/k' }]);
    expect(changes[0]?.to?.configDigest).toBe(changes[0]?.from?.configDigest);
    expect(plan.summary.otherChanges).toBe(1);
  });

  it('keeps chart repository credentials out of the plan', () => {
    const secretRepo = 'oci://robot:p@ss-canary-4412@registry.example/charts';
    const moved = [extensionType('monitor', { chart: { repository: secretRepo, name: 'monitor' } }), types[1]!];
    const plan = computePlan({
      base: fleetWith([extension('a', 'monitor', 'monitor', pinned('1.0.0'))]),
      head: fleet({ extensionTypes: moved, clusters, extensions: [extension('a', 'monitor', 'monitor', pinned('1.0.0'))] }),
      catalog,
    });
    const changed = changesOf(plan).find((c) => c.action === 'chart-changed')!;
    expect(changed.to?.chart.repository).toBe('oci://registry.example/charts');
    expect(JSON.stringify(plan)).not.toContain('ss-canary-4412');
    expect(JSON.stringify(plan)).not.toContain('robot');
  });

  it('reports policy compliance changes and generated installs', () => {
    const deploy = policy('deploy-monitor', { clusterSelector: { matchLabels: { env: 'prod' } }, effect: 'DeployIfNotExists', extension: { name: 'monitor', extensionType: 'monitor' } });
    const plan = computePlan({ base: fleetWith([extension('b', 'monitor', 'monitor')]), head: fleetWith([extension('b', 'monitor', 'monitor')], { policies: [deploy] }), catalog });
    expect(changesOf(plan, 'a').map((c) => [c.action, c.reason])).toEqual([['install', expect.stringContaining('Policy "deploy-monitor" deploys it because cluster "a" has no Extension of type "monitor"')]]);
    expect(changesOf(plan, 'b')).toEqual([]);
    const compliance = plan.clusters.map((c) => [c.cluster, c.compliance.map((x) => [x.policy, x.from, x.to?.compliant, x.to?.reason])]);
    expect(compliance).toEqual([
      ['a', [['deploy-monitor', undefined, true, 'DeployedByPolicy']]],
      ['b', [['deploy-monitor', undefined, true, 'MatchesTemplate']]],
    ]);
    expect(plan.summary.complianceChanges).toBe(2);
  });

  it('explains why a generated release is uninstalled', () => {
    const deploy = (effect: 'DeployIfNotExists' | 'Audit', env = 'prod') =>
      policy('deploy-monitor', { clusterSelector: { matchLabels: { env } }, effect, extension: { name: 'monitor', extensionType: 'monitor' } });
    const base = fleetWith([], { policies: [deploy('DeployIfNotExists')] });
    const reasonFor = (head: Fleet) => changesOf(computePlan({ base, head, catalog })).find((c) => c.action === 'uninstall')?.reason;
    expect(reasonFor(fleetWith([]))).toContain('"deploy-monitor" is removed');
    expect(reasonFor(fleetWith([], { policies: [deploy('Audit')] }))).toContain('only audits');
    expect(reasonFor(fleetWith([], { policies: [deploy('DeployIfNotExists', 'dev')] }))).toContain('no longer selects cluster "a"');
    expect(reasonFor(fleetWith([extension('a', 'mine', 'monitor')], { policies: [deploy('DeployIfNotExists')] }))).toContain('"mine" of type "monitor" now covers');
    const left = changesOf(computePlan({ base, head: fleet({ extensionTypes: types, clusters: [clusters[1]!], policies: [deploy('DeployIfNotExists')] }), catalog }));
    expect(left.map((c) => [c.action, c.reason])).toEqual([['leave', expect.stringContaining('Cluster "a" leaves the fleet; release "monitor-system/monitor" is left in place, untouched')]]);
  });

  it('warns at the top when a cluster loses more than the threshold share of its releases', () => {
    const base = fleetWith([extension('a', 'one', 'monitor'), extension('a', 'two', 'mesh'), extension('a', 'three', 'mesh', { scope: 'namespace', targetNamespace: 't' }), extension('b', 'one', 'monitor'), extension('b', 'two', 'mesh')]);
    const head = fleetWith([extension('a', 'one', 'monitor'), extension('b', 'one', 'monitor')]);
    const plan = computePlan({ base, head, catalog });
    expect(plan.blastRadius.map((w) => [w.cluster, w.uninstalls, w.releasesBefore])).toEqual([['a', 2, 3]]);
    expect(plan.blastRadius[0]!.message).toContain('2 of the 3 releases on cluster "a" (67%)');
    expect(plan.clusters[0]!.blastRadius).toEqual(plan.blastRadius[0]);
    // Cluster b loses 1 of 2 at a 40 % threshold: a single uninstall is never over the guard, as in the controller.
    expect(computePlan({ base, head, catalog, blastRadiusThreshold: 0.4 }).blastRadius.map((w) => w.cluster)).toEqual(['a']);
    expect(computePlan({ base, head, catalog, blastRadiusThreshold: 0.4 }).clusters.find((c) => c.cluster === 'b')!.operations.map((o) => o.operation)).toEqual(['uninstall']);
  });

  it('lists ignored index versions, and warns about versions it cannot resolve online', () => {
    const down: ChartCatalog = new Map([...catalog, [chartKey({ repository: 'https://charts.example', name: 'mesh' }), { versions: [], ignored: [], unavailableReason: 'The index is unreachable.' }]]);
    const plan = computePlan({ base: fleetWith([]), head: fleetWith([extension('a', 'mesh', 'mesh'), extension('a', 'monitor', 'monitor')]), catalog: down });
    expect(plan.ignoredVersions.map((v) => v.version)).toEqual(['1.0.029903']);
    expect(changesOf(plan).map((c) => [c.extension, c.flags])).toEqual([
      ['mesh', ['unresolved-version']],
      ['monitor', []],
    ]);
    expect(plan.warnings).toEqual(['1 release has no resolved version (a/mesh): The index is unreachable.']);
  });

  it('plans against an empty fleet when there is no base, and passes the caller warnings first', () => {
    const plan = computePlan({ base: undefined, head: fleetWith([extension('a', 'monitor', 'monitor')]), catalog, warnings: ['The base is invalid.'] });
    expect(changesOf(plan).map((c) => c.action)).toEqual(['install']);
    expect(changesOf(plan)[0]!.reason).toContain('Cluster "a" joins the fleet');
    expect(plan.warnings).toEqual(['The base is invalid.']);
  });

  it('is deterministic whatever the input order', () => {
    const exts = [extension('b', 'one', 'monitor'), extension('a', 'two', 'mesh'), extension('a', 'one', 'monitor')];
    const forward = computePlan({ base: fleetWith([]), head: { ...fleetWith([]), extensions: exts }, catalog });
    const backward = computePlan({ base: fleetWith([]), head: { ...fleetWith([]), extensions: [...exts].reverse() }, catalog });
    expect(JSON.stringify(forward)).toBe(JSON.stringify(backward));
    expect(forward.clusters.map((c) => [c.cluster, c.changes.map((x) => x.extension)])).toEqual([
      ['a', ['one', 'two']],
      ['b', ['one']],
    ]);
  });
});

describe('computePlan operations', () => {
  it('does not uninstall a base release that could never be installed (its pin is not in the index)', () => {
    const stuck = extension('a', 'stuck', 'monitor', pinned('9.9.9'));
    const plan = computePlan({ base: fleetWith([stuck]), head: fleetWith([]), catalog });
    expect(plan.clusters).toEqual([]);
    const again = computePlan({ base: fleetWith([stuck]), head: fleetWith([extension('a', 'stuck', 'monitor', pinned('1.0.0'))]), catalog });
    expect(again.clusters[0]!.operations.map((o) => [o.extension, o.operation])).toEqual([['stuck', 'install']]);
  });

  it('lists the operations the controller performs, with where the release runs before and after', () => {
    const base = fleetWith([extension('a', 'moved', 'monitor', pinned('1.0.0')), extension('a', 'gone', 'mesh', pinned('1.0.0'))]);
    const head = fleetWith([extension('a', 'moved', 'monitor', { ...pinned('1.0.0'), releaseNamespace: 'elsewhere' })]);
    const plan = computePlan({ base, head, catalog });
    expect(plan.clusters[0]!.operations).toEqual([
      expect.objectContaining({ extension: 'gone', operation: 'uninstall', from: { namespace: 'mesh-system', extensionType: 'mesh' } }),
      expect.objectContaining({ extension: 'moved', operation: 'reinstall', reason: 'NamespaceChanged', from: { namespace: 'monitor-system', extensionType: 'monitor' }, to: { namespace: 'elsewhere', extensionType: 'monitor', version: '1.0.0' } }),
    ]);
  });
});

describe('computePlan: its own diagnostics are capped like validation\'s', () => {
  it('shows 100 of one file (one per Extension pinned to a version the index lacks), then one line counting the rest', () => {
    const many = Array.from({ length: 150 }, (_, i) => {
      const e = extension('a', `m${i}`, 'mesh', { scope: 'namespace', targetNamespace: `ns${i}`, ...pinned('9.9.9') });
      return { ...e, source: { ...e.source, file: 'clusters/a.yaml', line: i + 1 } };
    });
    const plan = computePlan({ base: undefined, head: fleetWith(many), catalog });
    const errors = plan.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(101);
    expect(errors.at(-1)).toMatchObject({ code: 'MoreDiagnostics', file: 'clusters/a.yaml' });
    expect(errors.at(-1)!.message).toMatch(/^50 more diagnostics \(50 errors\) in "clusters\/a\.yaml"/);
    expect(computePlan({ base: undefined, head: fleetWith(many), catalog, diagnosticLimits: { maxDiagnosticsPerFile: 1000, maxDiagnostics: 1000 } }).diagnostics.filter((d) => d.severity === 'error')).toHaveLength(150);
  });

  it('caps the head\'s validation warnings and its own diagnostics together: one limit, not one each', () => {
    const many = Array.from({ length: 60 }, (_, i) => {
      const e = extension('a', `m${i}`, 'mesh', { scope: 'namespace', targetNamespace: `ns${i}`, ...pinned('9.9.9') });
      return { ...e, source: { ...e.source, file: 'clusters/a.yaml', line: 2 * i + 2 } };
    });
    const warnings: Diagnostic[] = Array.from({ length: 60 }, (_, i) => ({ severity: 'warning', code: 'Deprecated', message: `warning ${i}`, file: 'clusters/a.yaml', line: 2 * i + 1, column: 1, pointer: '' }));
    const elsewhere: Diagnostic[] = Array.from({ length: 30 }, (_, i) => ({ severity: 'warning', code: 'Deprecated', message: `other ${i}`, file: 'clusters/b.yaml', line: i + 1, column: 1, pointer: '' }));
    const plan = computePlan({ base: undefined, head: fleetWith(many), catalog, headDiagnostics: [...warnings, ...elsewhere], diagnosticLimits: { maxDiagnosticsPerFile: 100, maxDiagnostics: 110 } });
    const inA = plan.diagnostics.filter((d) => d.file === 'clusters/a.yaml');
    // 100 of a.yaml's 120 (warnings and errors interleaved by line), then one line counting the other 20.
    expect(inA.filter((d) => d.code !== 'MoreDiagnostics')).toHaveLength(100);
    expect(inA.at(-1)).toMatchObject({ code: 'MoreDiagnostics', severity: 'error' });
    expect(inA.at(-1)!.message).toMatch(/^20 more diagnostics \(10 errors\) in "clusters\/a\.yaml"/);
    // 110 in all: 10 of b.yaml's, then one line for the rest.
    expect(plan.diagnostics.filter((d) => d.code !== 'MoreDiagnostics')).toHaveLength(110);
    expect(plan.diagnostics.at(-1)!.message).toMatch(/^20 more diagnostics \(0 errors\) in 1 more file, from "clusters\/b\.yaml" on/);
  });
});
