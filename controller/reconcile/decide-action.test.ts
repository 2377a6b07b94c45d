import { describe, expect, it } from 'vitest';
import { observedRelease } from '../../test/support/release-fixtures.js';
import { decideAction, type DecideContext } from './decide-action.js';
import type { ReleaseState } from './release-state.js';
import type { RetryPolicy } from './retry-policy.js';

const POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 };
const NOW = new Date('2025-01-01T00:10:00.000Z');
const ctx = (overrides: Partial<DecideContext> = {}): DecideContext => ({ retry: { failures: 0 }, policy: POLICY, now: NOW, recheckAfterMs: 30_000, ...overrides });
const release = observedRelease();

describe('decideAction', () => {
  it('maps each quiet state to none or wait, with its reason', () => {
    const cases: [ReleaseState, string, string][] = [
      [{ kind: 'in-sync', release, reason: 'r' }, 'none', 'InSync'],
      [{ kind: 'removed', reason: 'r' }, 'none', 'AlreadyRemoved'],
      [{ kind: 'not-managed', release, reason: 'r' }, 'none', 'ReleaseNotManaged'],
      [{ kind: 'requirements-not-met', unmet: [], reason: 'r' }, 'none', 'RequirementsNotMet'],
      [{ kind: 'version-unresolved', stalled: false, reason: 'r' }, 'none', 'VersionUnresolved'],
      [{ kind: 'unreachable', cause: 'Timeout', reason: 'r' }, 'wait', 'ClusterUnreachable'],
      [{ kind: 'locked', release, stuck: false, reason: 'r' }, 'wait', 'ReleaseLocked'],
    ];
    for (const [state, action, reason] of cases) expect(decideAction(state, ctx()), state.kind).toMatchObject({ action, reason });
    expect(decideAction({ kind: 'unreachable', cause: 'Timeout', reason: 'r' }, ctx())).toMatchObject({ requeueAfterMs: 30_000 });
  });

  it('installs an absent release, upgrades an out-of-sync one and uninstalls a removed Extension', () => {
    expect(decideAction({ kind: 'absent', reason: 'r' }, ctx())).toMatchObject({ action: 'install', reason: 'ReleaseAbsent' });
    expect(decideAction({ kind: 'out-of-sync', release, differences: [], reason: 'r' }, ctx())).toMatchObject({ action: 'upgrade', reason: 'ConfigChanged' });
    expect(decideAction({ kind: 'uninstall-requested', release, reason: 'r' }, ctx())).toMatchObject({ action: 'uninstall', reason: 'ExtensionRemoved' });
  });

  it('unlocks a stuck pending revision by its number', () => {
    const stuck = observedRelease({ status: 'pending-upgrade', revision: 7 });
    expect(decideAction({ kind: 'locked', release: stuck, stuck: true, reason: 'r' }, ctx())).toEqual(expect.objectContaining({ action: 'unlock', revision: 7, reason: 'PendingReleaseStuck' }));
  });

  it('rolls a failed upgrade back to the previous deployed revision, and uninstalls a failed first install', () => {
    const failedUpgrade = observedRelease({ status: 'failed', revision: 5, previousDeployedRevision: 3 });
    expect(decideAction({ kind: 'failed', release: failedUpgrade, reason: 'r' }, ctx())).toMatchObject({ action: 'rollback', toRevision: 3, reason: 'RemediateFailedUpgrade' });
    const failedInstall = observedRelease({ status: 'failed', revision: 1, previousDeployedRevision: undefined });
    expect(decideAction({ kind: 'failed', release: failedInstall, reason: 'r' }, ctx())).toMatchObject({ action: 'uninstall', reason: 'RemediateFailedInstall' });
  });

  it('remediates without backoff within the retry budget; past it, a failed remediation waits for the long backoff', () => {
    const failed: ReleaseState = { kind: 'failed', release: observedRelease({ status: 'failed' }), reason: 'r' };
    const justFailed = { lastFailureTime: NOW.toISOString() };
    expect(decideAction(failed, ctx({ retry: { failures: 1, ...justFailed } })).action).toBe('rollback');
    expect(decideAction(failed, ctx({ retry: { failures: 3, ...justFailed } })).action).toBe('rollback');
    // A failing rollback cannot loop: 4 failures, the last one not an upgrade's → 10 min (5 min × 2).
    expect(decideAction(failed, ctx({ retry: { failures: 4, ...justFailed } }))).toMatchObject({ action: 'wait', reason: 'RetriesExhausted', requeueAfterMs: 600_000 });
    expect(decideAction(failed, ctx({ retry: { failures: 4, lastFailureTime: '2025-01-01T00:00:00.000Z' } })).action).toBe('rollback');
    // An upgrade that failed on the long backoff is rolled back at once.
    expect(decideAction(failed, ctx({ retry: { failures: 4, ...justFailed, installOrUpgradeFailed: true } })).action).toBe('rollback');
  });

  it('waits out an exponential backoff after failures, then retries', () => {
    const outOfSync: ReleaseState = { kind: 'out-of-sync', release, differences: [], reason: 'r' };
    // Two failures: the delay is 2 × 10s; 5s have passed since the last one.
    const retry = { failures: 2, lastFailureTime: '2025-01-01T00:09:55.000Z' };
    expect(decideAction(outOfSync, ctx({ retry }))).toMatchObject({ action: 'wait', reason: 'RetryBackoff', requeueAfterMs: 15_000 });
    expect(decideAction(outOfSync, ctx({ retry, now: new Date('2025-01-01T00:10:15.000Z') }))).toMatchObject({ action: 'upgrade' });
    expect(decideAction({ kind: 'absent', reason: 'r' }, ctx({ retry, now: new Date('2025-01-01T00:10:15.000Z') }))).toMatchObject({ action: 'install' });
  });

  it('once the retries are used up, tries again on the long backoff: 5 min doubling up to 1 h', () => {
    const outOfSync: ReleaseState = { kind: 'out-of-sync', release, differences: [], reason: 'r' };
    const retry = { failures: 3, lastFailureTime: '2025-01-01T00:08:00.000Z' };
    expect(decideAction(outOfSync, ctx({ retry }))).toMatchObject({ action: 'wait', reason: 'RetriesExhausted', requeueAfterMs: 180_000 });
    expect(decideAction({ kind: 'absent', reason: 'r' }, ctx({ retry }))).toMatchObject({ action: 'wait', reason: 'RetriesExhausted' });
    const due = new Date('2025-01-01T00:13:00.000Z');
    expect(decideAction(outOfSync, ctx({ retry, now: due }))).toMatchObject({ action: 'upgrade' });
    expect(decideAction({ kind: 'absent', reason: 'r' }, ctx({ retry, now: due }))).toMatchObject({ action: 'install' });
    const delays = [3, 4, 5, 6, 7, 20].map((failures) => (decideAction(outOfSync, ctx({ retry: { failures, lastFailureTime: NOW.toISOString() } })) as { requeueAfterMs: number }).requeueAfterMs / 60_000);
    expect(delays).toEqual([5, 10, 20, 40, 60, 60]);
  });
});
