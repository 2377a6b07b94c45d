import { describe, expect, it } from 'vitest';
import { findBlastRadius } from '../plan/blast-radius.js';
import type { ReleaseOperation, ReleaseOperationKind } from '../plan/release-operations.js';
import { holdForBlastRadius } from './blast-radius.js';

const rev = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

/** `n` operations of one kind on `cluster`, each with a current release. */
function ops(cluster: string, operation: ReleaseOperationKind, n: number, offset = 0): ReleaseOperation[] {
  return Array.from({ length: n }, (_, i) => ({
    cluster,
    extension: `${operation}-${i + offset}`,
    operation,
    reason: 'InSync',
    message: '',
    from: { cluster, extension: `${operation}-${i + offset}`, releaseName: `${operation}-${i + offset}`, namespace: 'ns', extensionType: 't' },
  }));
}

describe('findBlastRadius and holdForBlastRadius', () => {
  it('holds a revision that uninstalls more than the allowed share of one cluster, and says how to allow it', () => {
    const warnings = findBlastRadius([...ops('a', 'uninstall', 3), ...ops('a', 'none', 2), ...ops('b', 'none', 20)], 0.5);
    expect(warnings.map((w) => [w.cluster, w.uninstalls, w.releasesBefore])).toEqual([['a', 3, 5]]);
    const verdict = holdForBlastRadius({ warnings, revision: rev, allowedRevision: undefined });
    expect(verdict.held).toBe(true);
    if (verdict.held) {
      expect(verdict.message).toContain('3 of the 5 releases on cluster "a" (60%)');
      expect(verdict.message).toContain(`clusterext.io/allow-uninstall-revision=${rev}`);
    }
  });

  it('counts per cluster, not per repository', () => {
    // 3 of 23 releases overall, but 3 of 5 on cluster a.
    expect(findBlastRadius([...ops('a', 'uninstall', 3), ...ops('a', 'none', 2), ...ops('b', 'none', 18)], 0.5)).toHaveLength(1);
  });

  it('lets through a share at or under the limit, and never flags a single uninstall', () => {
    expect(findBlastRadius([...ops('a', 'uninstall', 5), ...ops('a', 'none', 5)], 0.5)).toEqual([]);
    expect(findBlastRadius(ops('a', 'uninstall', 1), 0.1)).toEqual([]);
  });

  it('does not count reinstalls or releases left in place on a cluster that leaves the fleet', () => {
    expect(findBlastRadius([...ops('a', 'reinstall', 4), ...ops('a', 'uninstall', 1, 9)], 0.1)).toEqual([]);
    expect(findBlastRadius(ops('gone', 'leave', 4), 0.1)).toEqual([]);
  });

  it('lets the exact allowed revision through, by full or abbreviated sha, but not another revision', () => {
    const warnings = findBlastRadius(ops('a', 'uninstall', 9), 0.5);
    expect(holdForBlastRadius({ warnings, revision: rev, allowedRevision: rev }).held).toBe(false);
    expect(holdForBlastRadius({ warnings, revision: rev, allowedRevision: rev.slice(0, 8) }).held).toBe(false);
    expect(holdForBlastRadius({ warnings, revision: rev, allowedRevision: 'ffffffff' }).held).toBe(true);
    expect(holdForBlastRadius({ warnings, revision: rev, allowedRevision: 'a1b' }).held).toBe(true);
  });
});
