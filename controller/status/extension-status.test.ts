import { describe, expect, it } from 'vitest';
import { findCondition } from './condition.js';
import { buildExtensionStatus, isStatusEqual, type ExtensionStatusInput } from './extension-status.js';

const input = (overrides: Partial<ExtensionStatusInput> = {}): ExtensionStatusInput => ({
  now: new Date('2025-01-01T00:00:00.000Z'),
  generation: 1,
  cluster: 'c1',
  sourceRevision: 'rev-1',
  desiredVersion: '1.2.0',
  desiredConfigDigest: 'd1',
  release: { name: 'r', namespace: 'ns', revision: 1, status: 'deployed', chartVersion: '1.2.0' },
  inSync: true,
  attempted: true,
  failures: 0,
  outcome: { phase: 'ready', reason: 'InstallSucceeded', message: 'Installed.' },
  driftDetection: 'warn',
  pendingTimeoutMs: 48 * 3_600_000,
  ...overrides,
});

describe('buildExtensionStatus', () => {
  it('records the release, versions, revisions and digest of a successful install', () => {
    const status = buildExtensionStatus(input());
    expect(status).toEqual({
      provisioningState: 'Succeeded',
      installedVersion: '1.2.0',
      desiredVersion: '1.2.0',
      release: { name: 'r', namespace: 'ns', revision: 1, status: 'deployed' },
      lastAppliedRevision: 'rev-1',
      lastAttemptedRevision: 'rev-1',
      configDigest: 'd1',
      observedGeneration: 1,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'InstallSucceeded', message: 'Installed.', observedGeneration: 1, lastTransitionTime: '2025-01-01T00:00:00.000Z' },
        { type: 'Reconciling', status: 'False', reason: 'InstallSucceeded', message: 'Installed.', observedGeneration: 1, lastTransitionTime: '2025-01-01T00:00:00.000Z' },
        { type: 'Stalled', status: 'False', reason: 'InstallSucceeded', message: 'Installed.', observedGeneration: 1, lastTransitionTime: '2025-01-01T00:00:00.000Z' },
      ],
    });
  });

  it('builds an equal status when the same outcome is seen later', () => {
    const first = buildExtensionStatus(input());
    const later = buildExtensionStatus(input({ previous: first, now: new Date('2025-01-02T00:00:00.000Z'), attempted: false }));
    expect(isStatusEqual(first, later)).toBe(true);
  });

  it('keeps the applied revision and digest through a failed attempt', () => {
    const first = buildExtensionStatus(input());
    const failed = buildExtensionStatus(
      input({ previous: first, sourceRevision: 'rev-2', desiredConfigDigest: 'd2', inSync: false, failures: 1, lastFailureTime: '2025-01-01T00:00:00.000Z', outcome: { phase: 'progressing', reason: 'UpgradeFailed', message: 'boom' } }),
    );
    expect(failed).toMatchObject({ lastAppliedRevision: 'rev-1', configDigest: 'd1', lastAttemptedRevision: 'rev-2', lastAttemptedConfigDigest: 'd2', failures: 1, provisioningState: 'Failed' });
  });

  it('keeps the Drifted condition of the drift stage unless given a new finding', () => {
    const drifted = buildExtensionStatus(input({ drift: { drifted: true, summary: 'ConfigMap "x" changed.' } }));
    expect(findCondition(drifted.conditions, 'Drifted')).toMatchObject({ status: 'True', reason: 'DriftDetected' });
    expect(findCondition(drifted.conditions, 'Ready')?.status).toBe('True');
    const next = buildExtensionStatus(input({ previous: drifted }));
    expect(findCondition(next.conditions, 'Drifted')).toMatchObject({ status: 'True' });
  });

  it('removes the Drifted condition once drift detection is disabled, and keeps the rest', () => {
    const drifted = buildExtensionStatus(input({ drift: { drifted: true, summary: 'ConfigMap "x" changed.' } }));
    const disabled = buildExtensionStatus(input({ previous: drifted, driftDetection: 'disabled', attempted: false }));
    expect(findCondition(disabled.conditions, 'Drifted')).toBeUndefined();
    expect(disabled.conditions.map((c) => c.type)).toEqual(['Ready', 'Reconciling', 'Stalled']);
    expect(isStatusEqual(drifted, disabled)).toBe(false);
    // A finding passed in while disabled is not recorded either.
    const ignored = buildExtensionStatus(input({ previous: disabled, driftDetection: 'disabled', drift: { drifted: true, summary: 's.' } }));
    expect(findCondition(ignored.conditions, 'Drifted')).toBeUndefined();
  });

  it('turns a pending extension Failed and Stalled once the pending timeout has passed', () => {
    const unreachable = { phase: 'unreachable' as const, reason: 'ClusterUnreachable' as const, message: 'down' };
    const pending = buildExtensionStatus(input({ release: undefined, inSync: false, attempted: false, outcome: unreachable }));
    expect(pending).toMatchObject({ provisioningState: 'Pending', pendingSince: '2025-01-01T00:00:00.000Z' });
    const stillPending = buildExtensionStatus(input({ previous: pending, now: new Date('2025-01-02T23:59:00.000Z'), release: undefined, inSync: false, attempted: false, outcome: unreachable }));
    expect(stillPending).toMatchObject({ provisioningState: 'Pending', pendingSince: '2025-01-01T00:00:00.000Z' });
    const failed = buildExtensionStatus(input({ previous: stillPending, now: new Date('2025-01-03T00:00:00.000Z'), release: undefined, inSync: false, attempted: false, outcome: unreachable }));
    expect(failed.provisioningState).toBe('Failed');
    expect(findCondition(failed.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'PendingTimeout', message: expect.stringContaining('48h') });
  });
});

describe('isStatusEqual', () => {
  it('ignores key order and undefined members but not values', () => {
    const a = buildExtensionStatus(input());
    const { conditions, ...rest } = a;
    const reordered = { conditions, pendingSince: undefined, ...Object.fromEntries(Object.entries(rest).reverse()) } as typeof a;
    expect(isStatusEqual(a, reordered)).toBe(true);
    expect(isStatusEqual(a, { ...a, observedGeneration: 2 })).toBe(false);
    expect(isStatusEqual(undefined, a)).toBe(false);
  });
});
