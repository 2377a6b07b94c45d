import { describe, expect, it } from 'vitest';
import type { Condition, ConditionReason, ConditionStatus } from './condition.js';
import { deriveReadyCondition } from './ready-condition.js';

const c = (type: Condition['type'], status: ConditionStatus, reason: ConditionReason): Condition => ({ type, status, reason, message: `${type} ${reason}`, observedGeneration: 1, lastTransitionTime: '' });

describe('deriveReadyCondition', () => {
  it('is False with the Stalled reason whenever Stalled is True', () => {
    expect(deriveReadyCondition([c('Reconciling', 'True', 'Progressing'), c('Stalled', 'True', 'RetriesExhausted')], 3)).toEqual({
      type: 'Ready', status: 'False', reason: 'RetriesExhausted', message: 'Stalled RetriesExhausted', observedGeneration: 3,
    });
  });

  it('is Unknown while plainly progressing and False while progressing after a failure or blocker', () => {
    expect(deriveReadyCondition([c('Reconciling', 'True', 'Progressing'), c('Stalled', 'False', 'Progressing')], 1).status).toBe('Unknown');
    expect(deriveReadyCondition([c('Reconciling', 'True', 'UpgradeFailed'), c('Stalled', 'False', 'UpgradeFailed')], 1)).toMatchObject({ status: 'False', reason: 'UpgradeFailed' });
    expect(deriveReadyCondition([c('Reconciling', 'True', 'ClusterUnreachable')], 1).status).toBe('False');
  });

  it('is True with the settled reason, and ignores Drifted', () => {
    expect(deriveReadyCondition([c('Reconciling', 'False', 'InstallSucceeded'), c('Stalled', 'False', 'InstallSucceeded'), c('Drifted', 'True', 'DriftDetected')], 1)).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
  });

  it('is Unknown before the first reconcile', () => {
    expect(deriveReadyCondition([], 1).status).toBe('Unknown');
  });
});
