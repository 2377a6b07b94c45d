import { describe, expect, it } from 'vitest';
import { DIGEST_B, desiredRelease, observedRelease } from '../../test/support/release-fixtures.js';
import { compareReleaseDrift } from './compare-release-drift.js';

describe('compareReleaseDrift', () => {
  it('is in-sync when the deployed managed release has the desired chart, version and digest', () => {
    const r = compareReleaseDrift(desiredRelease(), observedRelease());
    expect(r.state).toBe('in-sync');
    expect(r.release).toEqual([]);
    expect(r.installed).toMatchObject({ chart: 'config-values', version: '1.2.0', revision: 3, status: 'deployed' });
  });

  it('names each release-level difference with desired and live values', () => {
    const r = compareReleaseDrift(desiredRelease({ configDigest: DIGEST_B, version: { kind: 'pinned', version: '1.3.0' } }), observedRelease());
    expect(r.state).toBe('drifted');
    expect(r.release.map((d) => [d.reason, d.desired, d.live])).toEqual([
      ['ChartVersionDiffers', '1.3.0', '1.2.0'],
      ['ValuesDiffer', DIGEST_B.slice(0, 40), 'a'.repeat(40)],
    ]);
    expect(compareReleaseDrift(desiredRelease(), observedRelease({ chartName: 'other' })).release[0]).toMatchObject({ reason: 'ChartDiffers', desired: 'config-values', live: 'other' });
  });

  it('is missing without a record, foreign without the managed-by label, failed when failed or pending', () => {
    expect(compareReleaseDrift(desiredRelease(), undefined).state).toBe('missing');
    expect(compareReleaseDrift(desiredRelease(), observedRelease({ status: 'uninstalled' })).state).toBe('missing');
    expect(compareReleaseDrift(desiredRelease(), observedRelease({ labels: {} })).release[0]?.reason).toBe('ForeignRelease');
    expect(compareReleaseDrift(desiredRelease(), observedRelease({ status: 'failed' })).release[0]?.reason).toBe('ReleaseFailed');
    const pending = compareReleaseDrift(desiredRelease(), observedRelease({ status: 'pending-upgrade' }));
    expect([pending.state, pending.release[0]?.reason]).toEqual(['failed', 'ReleasePending']);
  });

  it('does not compare a digest it could not compute in full (protected settings without their digest)', () => {
    const withoutDigest = desiredRelease({ configDigest: DIGEST_B, protectedSettingsRef: { secretName: 's' } });
    expect(compareReleaseDrift(withoutDigest, observedRelease()).state).toBe('in-sync');
    const withDigest = desiredRelease({ configDigest: DIGEST_B, protectedSettingsRef: { secretName: 's' }, protectedSettingsDigest: 'd' });
    expect(compareReleaseDrift(withDigest, observedRelease()).release[0]?.reason).toBe('ValuesDiffer');
  });

  it('does not compare the version of a release whose version is unresolved', () => {
    const unresolved = desiredRelease({ version: { kind: 'unresolved', train: 'stable', constraint: '1.x', reason: 'offline', cause: 'offline' } });
    expect(compareReleaseDrift(unresolved, observedRelease()).state).toBe('in-sync');
  });
});
