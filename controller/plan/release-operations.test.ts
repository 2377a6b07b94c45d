import { describe, expect, it } from 'vitest';
import type { DesiredRelease } from './desired-release.js';
import { computeReleaseOperations, currentReleaseOf, helmStepsOf, type CurrentRelease } from './release-operations.js';

function desired(cluster: string, extension: string, overrides: Partial<DesiredRelease> = {}): DesiredRelease {
  return {
    cluster,
    extension,
    releaseName: extension,
    namespace: 'ns',
    scope: 'cluster',
    extensionType: 'monitor',
    chart: { repository: 'https://charts.example', name: 'monitor' },
    version: { kind: 'pinned', version: '1.0.0' },
    autoUpgradeMinorVersion: false,
    releaseTrain: 'stable',
    values: {},
    driftDetection: 'warn',
    origin: { kind: 'explicit' },
    configDigest: 'digest-1',
    ...overrides,
  };
}

const current = (release: DesiredRelease, overrides: Partial<CurrentRelease> = {}): CurrentRelease => ({ ...currentReleaseOf(release), ...overrides });
const run = (want: DesiredRelease[], have: CurrentRelease[], clusters = ['a', 'b']) => computeReleaseOperations({ desired: want, current: have, clusters: new Set(clusters) });

describe('computeReleaseOperations', () => {
  it('gives one operation per release with its reason, sorted by cluster and extension', () => {
    const keep = desired('a', 'keep');
    const ops = run([desired('b', 'new'), keep, desired('a', 'changed', { configDigest: 'digest-2' })], [current(keep), current(desired('a', 'changed')), current(desired('a', 'gone'))]);
    expect(ops.map((o) => [o.cluster, o.extension, o.operation, o.reason])).toEqual([
      ['a', 'changed', 'upgrade', 'ConfigChanged'],
      ['a', 'gone', 'uninstall', 'ExtensionRemoved'],
      ['a', 'keep', 'none', 'InSync'],
      ['b', 'new', 'install', 'ReleaseNew'],
    ]);
  });

  it('reinstalls a release whose namespace or extension type changes, whatever else changes', () => {
    const moved = desired('a', 'moved', { namespace: 'new-ns' });
    const retyped = desired('a', 'retyped', { extensionType: 'other' });
    const ops = run([moved, retyped], [current(desired('a', 'moved')), current(desired('a', 'retyped'))]);
    expect(ops.map((o) => [o.extension, o.operation, o.reason, o.from?.namespace])).toEqual([
      ['moved', 'reinstall', 'NamespaceChanged', 'ns'],
      ['retyped', 'reinstall', 'ExtensionTypeChanged', 'ns'],
    ]);
    expect(ops[0]!.message).toContain('"ns/moved" is uninstalled and "new-ns/moved" installed');
    expect(helmStepsOf('reinstall')).toEqual(['uninstall', 'install']);
  });

  it('upgrades in place when only the chart changes: one release stays', () => {
    const ops = run([desired('a', 'x', { chart: { repository: 'https://other.example', name: 'monitor2' }, configDigest: 'digest-2' })], [current(desired('a', 'x'))]);
    expect(ops.map((o) => o.operation)).toEqual(['upgrade']);
  });

  it('leaves the releases of a cluster that left the fleet in place', () => {
    const ops = run([], [current(desired('gone', 'x'))], ['a']);
    expect(ops.map((o) => [o.operation, o.reason])).toEqual([['leave', 'ClusterLeft']]);
    expect(ops[0]!.message).toBe('Cluster "gone" leaves the fleet; release "ns/x" is left in place, untouched, and no longer managed.');
    expect(helmStepsOf('leave')).toEqual([]);
  });
});
