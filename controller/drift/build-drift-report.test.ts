import { describe, expect, it } from 'vitest';
import { buildDriftReport } from './build-drift-report.js';
import { driftExitCode, type ExtensionDrift } from './drift-report.js';

const cell = (extension: string, state: ExtensionDrift['state'], objects = 0): ExtensionDrift => ({
  cluster: 'c',
  extension,
  releaseName: extension,
  namespace: 'n',
  state,
  release: [],
  objects: Array.from({ length: objects }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: `m${i}`, state: 'missing' as const, fields: [] })),
});

describe('buildDriftReport', () => {
  it('sorts clusters and counts cells by state, not counting unreachable clusters as clean or drifted', () => {
    const report = buildDriftReport({ kind: 'path', ref: 'fleet' }, [
      { cluster: 'b', reachable: true, extensions: [cell('x', 'drifted', 2), cell('y', 'in-sync')], policies: [] },
      { cluster: 'a', reachable: false, message: 'down', extensions: [cell('z', 'in-sync')], policies: [] },
    ]);
    expect(report.clusters.map((c) => c.cluster)).toEqual(['a', 'b']);
    expect(report.summary).toMatchObject({ clusters: 2, unreachableClusters: 1, releases: 2, driftedObjects: 2 });
    expect(report.summary.byState).toMatchObject({ drifted: 1, 'in-sync': 1, error: 0 });
    expect(driftExitCode(report)).toBe(1);
  });

  it('exits 0 when every release is in-sync and 2 on drift', () => {
    const clean = buildDriftReport({ kind: 'hub', ref: 'hub' }, [{ cluster: 'a', reachable: true, extensions: [cell('x', 'in-sync')], policies: [] }]);
    expect(driftExitCode(clean)).toBe(0);
    const drifted = buildDriftReport({ kind: 'hub', ref: 'hub' }, [{ cluster: 'a', reachable: true, extensions: [cell('x', 'missing')], policies: [] }]);
    expect(driftExitCode(drifted)).toBe(2);
  });
});
