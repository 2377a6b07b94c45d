import { describe, expect, it } from 'vitest';
import type { ExtensionRepositoryStatus } from '../runtime/repository-status.js';
import type { Condition } from '../status/condition.js';
import { describeRepositoryOutcome } from './describe-repository-outcome.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function condition(type: Condition['type'], status: Condition['status'], reason: Condition['reason'], message: string): Condition {
  return { type, status, reason, message, observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' };
}

describe('describeRepositoryOutcome', () => {
  it('names the applied revision and the one before', () => {
    const status: ExtensionRepositoryStatus = {
      lastAppliedRevision: B,
      lastFetchedRevision: B,
      observedGeneration: 1,
      conditions: [condition('Ready', 'True', 'RevisionApplied', 'Revision bbbbbbbbbbbb applied. 2 of 2 release(s) Ready.')],
    };
    expect(describeRepositoryOutcome('fleet', A, status)).toEqual({ ok: true, text: '✔ ExtensionRepository "fleet": revision bbbbbbbbbbbb is applied (was aaaaaaaaaaaa). Revision bbbbbbbbbbbb applied. 2 of 2 release(s) Ready.' });
    expect(describeRepositoryOutcome('fleet', B, status).text).toContain('is applied (unchanged)');
  });

  it('fails with the diagnostics of a rejected revision, and says which revision stays', () => {
    const status: ExtensionRepositoryStatus = {
      lastAppliedRevision: A,
      lastFetchedRevision: B,
      diagnostics: [{ severity: 'error', code: 'InvalidVersion', message: 'patch "029903" has a leading zero.', file: 'fleet/x.yaml', line: 7, column: 12 } as never],
      errorCount: 3,
      observedGeneration: 1,
      conditions: [condition('Stalled', 'True', 'ValidationFailed', 'invalid'), condition('Ready', 'False', 'ValidationFailed', 'invalid')],
    };
    const outcome = describeRepositoryOutcome('fleet', A, status);
    expect(outcome.ok).toBe(false);
    expect(outcome.text.split('\n')).toEqual([
      '✗ ExtensionRepository "fleet": revision bbbbbbbbbbbb was rejected; revision aaaaaaaaaaaa stays applied.',
      '  fleet/x.yaml:7:12: InvalidVersion: patch "029903" has a leading zero.',
      '  … and 2 more (run "clusterext validate" on that revision)',
    ]);
  });

  it('fails with the reason of a fetch failure', () => {
    const status: ExtensionRepositoryStatus = { lastAppliedRevision: A, observedGeneration: 1, conditions: [condition('Reconciling', 'True', 'FetchFailed', 'The server said 401.')] };
    expect(describeRepositoryOutcome('fleet', A, status)).toEqual({ ok: false, text: '✗ ExtensionRepository "fleet": FetchFailed: The server said 401.' });
  });
});
