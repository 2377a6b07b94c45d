import { describe, expect, it } from 'vitest';
import { connectedCluster, extension, extensionType, fleet, policy } from '../../test/support/fleet-builder.js';
import { chartKey, type ChartCatalog } from './chart-catalog.js';
import { classifyIndexVersions } from './classify-index-versions.js';
import { computeConfigDigest } from './config-digest.js';
import { chartsOfFleet, computeDesiredState, computeDesiredStateOver, releaseKey } from './desired-state.js';

const monitor = extensionType('monitor');
const mesh = extensionType('mesh', {
  scopes: ['cluster', 'namespace'],
  releaseTrains: { stable: { includePrereleases: false }, preview: { includePrereleases: true, name: 'mesh-preview' } },
});
const clusters = [connectedCluster('a', { env: 'prod' }), connectedCluster('b', { env: 'prod' })];

function catalogFor(entries: Record<string, string[]>): ChartCatalog {
  const index = { entries: Object.fromEntries(Object.entries(entries).map(([name, versions]) => [name, versions.map((version) => ({ version }))])) };
  return new Map(Object.keys(entries).map((name) => [chartKey({ repository: 'https://charts.example', name }), classifyIndexVersions(index, name)]));
}

const catalog = catalogFor({ monitor: ['1.0.0', '1.4.0', '2.0.0', '1.0.029903'], mesh: ['0.9.0'], 'mesh-preview': ['1.0.0-rc.1'] });

describe('computeDesiredState', () => {
  it('builds one release per (cluster, extension), sorted, with namespace, chart, version, nested values', () => {
    const state = computeDesiredState({
      fleet: fleet({
        extensionTypes: [monitor, mesh],
        clusters,
        extensions: [
          extension('b', 'monitor', 'monitor', { autoUpgradeMinorVersion: false, version: '1.0.0', configurationSettings: { 'a.b': 1 } }),
          extension('a', 'mesh-team', 'mesh', { scope: 'namespace', targetNamespace: 'team', releaseTrain: 'preview' }),
          extension('a', 'monitor', 'monitor', { releaseNamespace: 'observability', configurationProtectedSettingsRef: { secretName: 'keys' } }),
        ],
      }),
      catalog,
    });
    expect(state.diagnostics).toEqual([]);
    expect(state.releases.map((r) => [r.cluster, r.extension, r.namespace, r.chart.name, r.version])).toEqual([
      ['a', 'mesh-team', 'team', 'mesh-preview', { kind: 'resolved', version: '1.0.0-rc.1', train: 'preview', constraint: '*' }],
      ['a', 'monitor', 'observability', 'monitor', { kind: 'resolved', version: '2.0.0', train: 'stable', constraint: '*' }],
      ['b', 'monitor', 'monitor-system', 'monitor', { kind: 'pinned', version: '1.0.0' }],
    ]);
    const pinned = state.releases[2]!;
    expect(pinned.values).toEqual({ a: { b: 1 } });
    expect(pinned.releaseName).toBe('monitor');
    expect(pinned.origin).toEqual({ kind: 'explicit' });
    expect(pinned.configDigest).toBe(computeConfigDigest({ chart: pinned.chart, version: '1.0.0', values: { a: { b: 1 } } }));
    expect(state.releases[1]!.protectedSettingsRef).toEqual({ secretName: 'keys' });
  });

  it("takes the Extension's timeout, else its type's, and leaves the digest alone", () => {
    const slow = extensionType('slow', { timeout: '10m' });
    const build = (timeout?: string) =>
      computeDesiredState({
        fleet: fleet({ extensionTypes: [monitor, slow], clusters, extensions: [extension('a', 'slow', 'slow', timeout ? { timeout } : {}), extension('a', 'monitor', 'monitor')] }),
        catalog: catalogFor({ monitor: ['1.0.0'], slow: ['1.0.0'] }),
      }).releases;
    const [monitorRelease, slowRelease] = build();
    expect(monitorRelease!.timeoutMs).toBeUndefined();
    expect(slowRelease!.timeoutMs).toBe(600_000);
    const overridden = build('90s')[1]!;
    expect(overridden.timeoutMs).toBe(90_000);
    expect(overridden.configDigest).toBe(slowRelease!.configDigest);
  });

  it('lists the ignored index versions of the charts the fleet uses', () => {
    const state = computeDesiredState({ fleet: fleet({ extensionTypes: [monitor], clusters }), catalog });
    expect(state.ignoredVersions).toEqual([
      { chart: { repository: 'https://charts.example', name: 'monitor' }, version: '1.0.029903', reason: expect.stringContaining('leading zero'), extensionTypes: ['monitor'] },
    ]);
    expect(computeDesiredState({ fleet: fleet({ extensionTypes: [monitor], clusters }) }).ignoredVersions).toEqual([]);
  });

  it('keeps auto-upgrade within the installed major', () => {
    const f = fleet({ extensionTypes: [monitor], clusters, extensions: [extension('a', 'monitor', 'monitor'), extension('b', 'monitor', 'monitor')] });
    const state = computeDesiredState({ fleet: f, catalog, installedVersions: new Map([[releaseKey('a', 'monitor'), '1.0.0']]) });
    expect(state.releases.map((r) => r.version)).toEqual([
      { kind: 'resolved', version: '1.4.0', train: 'stable', constraint: '1.x' },
      { kind: 'resolved', version: '2.0.0', train: 'stable', constraint: '*' },
    ]);
  });

  it('shows train and constraint offline', () => {
    const state = computeDesiredState({ fleet: fleet({ extensionTypes: [monitor], clusters, extensions: [extension('a', 'monitor', 'monitor')] }) });
    expect(state.releases[0]!.version).toMatchObject({ kind: 'unresolved', train: 'stable', constraint: '*', cause: 'offline' });
  });

  it('expands policies into releases with their origin and compliance', () => {
    const deploy = policy('deploy-monitor', { clusterSelector: { matchLabels: { env: 'prod' } }, effect: 'DeployIfNotExists', extension: { name: 'monitor', extensionType: 'monitor', configurationSettings: { x: true } } });
    const state = computeDesiredState({ fleet: fleet({ extensionTypes: [monitor], clusters, extensions: [extension('b', 'mon', 'monitor')], policies: [deploy] }), catalog });
    expect(state.releases.map((r) => [r.cluster, r.extension, r.origin.kind, r.values])).toEqual([
      ['a', 'monitor', 'policy', { x: true }],
      ['b', 'mon', 'explicit', {}],
    ]);
    expect(state.compliance.map((c) => [c.cluster, c.compliant])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('puts the protected digest into configDigest when given, never the data', () => {
    const f = fleet({ extensionTypes: [monitor], clusters, extensions: [extension('a', 'monitor', 'monitor', { configurationProtectedSettingsRef: { secretName: 'keys' } })] });
    const without = computeDesiredState({ fleet: f, catalog }).releases[0]!;
    const withDigest = computeDesiredState({ fleet: f, catalog, protectedDigests: new Map([['keys', 'hmac-1']]) }).releases[0]!;
    const other = computeDesiredState({ fleet: f, catalog, protectedDigests: new Map([['keys', 'hmac-2']]) }).releases[0]!;
    expect(withDigest.protectedSettingsDigest).toBe('hmac-1');
    expect(new Set([without.configDigest, withDigest.configDigest, other.configDigest]).size).toBe(3);
  });

  it('reports errors for what it cannot build instead of dropping releases silently', () => {
    const state = computeDesiredState({
      fleet: fleet({
        extensionTypes: [monitor, extensionType('nodefault', { defaultReleaseNamespace: undefined })],
        clusters,
        extensions: [
          extension('a', 'conflict', 'monitor', { configurationSettings: { a: 1, 'a.b': 2 } }),
          extension('a', 'ghost', 'missing-type'),
          extension('a', 'no-ns', 'nodefault'),
          extension('a', 'bad-train', 'monitor', { releaseTrain: 'nightly' }),
          extension('zz', 'monitor', 'monitor'),
        ],
      }),
      catalog,
    });
    expect(state.releases.map((r) => r.extension)).toEqual([]);
    expect(state.diagnostics.map((d) => [d.code, d.severity, d.pointer])).toEqual([
      ['UnknownReleaseTrain', 'error', '/spec/releaseTrain'],
      ['ConflictingSettings', 'error', '/spec/configurationSettings/a.b'],
      ['UnknownExtensionType', 'error', '/spec/extensionType'],
      ['MissingReleaseNamespace', 'error', '/spec/releaseNamespace'],
      ['UnknownCluster', 'error', '/spec/clusterName'],
    ]);
  });

  it('reports a pinned version the index does not list as an error of a release that stays unresolved', () => {
    const state = computeDesiredState({ fleet: fleet({ extensionTypes: [monitor], clusters, extensions: [extension('a', 'monitor', 'monitor', { autoUpgradeMinorVersion: false, version: '1.9.9' })] }), catalog });
    expect(state.releases.map((r) => r.version)).toEqual([expect.objectContaining({ kind: 'unresolved', cause: 'not-listed', pinned: '1.9.9' })]);
    expect(state.diagnostics).toEqual([]);
    expect(state.releaseProblems).toEqual([expect.objectContaining({ severity: 'error', code: 'PinnedVersionNotInIndex', pointer: '/spec/version', file: 'clusters/a/monitor.yaml' })]);
  });
});

describe('chartsOfFleet', () => {
  it('lists every chart of every train once', () => {
    expect(chartsOfFleet(fleet({ extensionTypes: [monitor, mesh, extensionType('monitor2', { chart: { repository: 'https://charts.example/', name: 'monitor' } })] })).map((c) => c.name)).toEqual([
      'mesh',
      'mesh-preview',
      'monitor',
    ]);
  });
});

describe('computeDesiredStateOver', () => {
  it('keeps an auto-upgrading release in its installed major for the same chart, and resolves it fresh for another chart', () => {
    const f = fleet({ extensionTypes: [monitor], clusters, extensions: [extension('a', 'monitor', 'monitor')] });
    const same = computeDesiredStateOver({ fleet: f, catalog, installed: new Map([['a/monitor', { version: '1.0.0', chartName: 'monitor' }]]) });
    const other = computeDesiredStateOver({ fleet: f, catalog, installed: new Map([['a/monitor', { version: '1.0.0', chartName: 'old-chart' }]]) });
    const fresh = computeDesiredState({ fleet: f, catalog });
    expect(same.releases[0]!.version).toMatchObject({ kind: 'resolved', constraint: '1.x' });
    expect(other.releases[0]!.version).toEqual(fresh.releases[0]!.version);
    expect(other.releases[0]!.version).toMatchObject({ constraint: '*' });
  });
});
