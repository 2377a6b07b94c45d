import { describe, expect, it } from 'vitest';
import { setCondition, type Condition } from './condition.js';

const T1 = '2025-01-01T00:00:00.000Z';
const T2 = '2025-01-01T01:00:00.000Z';

describe('setCondition', () => {
  it('stamps a new condition with now', () => {
    expect(setCondition([], { type: 'Ready', status: 'True', observedGeneration: 1, reason: 'InstallSucceeded', message: 'm' }, T1)).toEqual([
      { type: 'Ready', status: 'True', observedGeneration: 1, reason: 'InstallSucceeded', message: 'm', lastTransitionTime: T1 },
    ]);
  });

  it('keeps the transition time when only reason, message or generation change, and moves it when the status changes', () => {
    const start = setCondition([], { type: 'Ready', status: 'True', observedGeneration: 1, reason: 'InstallSucceeded', message: 'm' }, T1);
    const same = setCondition(start, { type: 'Ready', status: 'True', observedGeneration: 2, reason: 'UpgradeSucceeded', message: 'n' }, T2);
    expect(same[0]).toMatchObject({ lastTransitionTime: T1, reason: 'UpgradeSucceeded', observedGeneration: 2 });
    const flipped = setCondition(same, { type: 'Ready', status: 'False', observedGeneration: 2, reason: 'UpgradeFailed', message: 'x' }, T2);
    expect(flipped[0]?.lastTransitionTime).toBe(T2);
  });

  it('orders conditions by type whatever order they were set in', () => {
    let conditions: Condition[] = [];
    for (const type of ['Drifted', 'Stalled', 'Ready', 'Reconciling'] as const) {
      conditions = setCondition(conditions, { type, status: 'False', observedGeneration: 1, reason: 'Progressing', message: '' }, T1);
    }
    expect(conditions.map((c) => c.type)).toEqual(['Ready', 'Reconciling', 'Stalled', 'Drifted']);
  });
});
