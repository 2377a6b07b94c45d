import { findCondition, type Condition, type ConditionUpdate } from './condition.js';

/**
 * The one place `Ready` is decided, from `Stalled` and `Reconciling` (kstatus: both are
 * abnormal-true). Stalled wins: Ready is False with its reason. Reconciling True makes Ready
 * Unknown while work simply progresses and False when progress follows a failure or a blocker
 * (retry, unreachable cluster, locked release). Otherwise Ready is True and carries the reason of
 * the settled Reconciling condition (`InstallSucceeded`, `ReconciliationSucceeded`, …).
 */
export function deriveReadyCondition(conditions: readonly Condition[], observedGeneration: number): ConditionUpdate {
  const stalled = findCondition(conditions, 'Stalled');
  if (stalled?.status === 'True') {
    return { type: 'Ready', status: 'False', observedGeneration, reason: stalled.reason, message: stalled.message };
  }
  const reconciling = findCondition(conditions, 'Reconciling');
  if (reconciling === undefined) {
    return { type: 'Ready', status: 'Unknown', observedGeneration, reason: 'Progressing', message: 'Reconciliation has not run yet.' };
  }
  if (reconciling.status === 'True') {
    const status = reconciling.reason === 'Progressing' || reconciling.reason === 'Uninstalling' ? 'Unknown' : 'False';
    return { type: 'Ready', status, observedGeneration, reason: reconciling.reason, message: reconciling.message };
  }
  return { type: 'Ready', status: 'True', observedGeneration, reason: reconciling.reason, message: reconciling.message };
}
