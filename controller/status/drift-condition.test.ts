import { describe, expect, it } from 'vitest';
import { applyDriftOutcome } from './drift-condition.js';
import { isStatusEqual, type ExtensionStatus } from './extension-status.js';

const T0 = new Date('2025-01-01T00:00:00Z');
const T1 = new Date('2025-01-01T00:05:00Z');
const ready: ExtensionStatus = {
  provisioningState: 'Succeeded',
  observedGeneration: 1,
  conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1, lastTransitionTime: T0.toISOString(), reason: 'InstallSucceeded', message: 'ok' }],
};

describe('applyDriftOutcome', () => {
  it('changes nothing for a clean check of an Extension that is not Drifted, so nothing is written', () => {
    expect(applyDriftOutcome(ready, { kind: 'in-sync' }, T1, 1)).toBe(ready);
  });

  it('sets Drifted True with the summary, keeps Ready, and clears it once drift goes', () => {
    const drifted = applyDriftOutcome(ready, { kind: 'drifted', summary: '1 object changed: ConfigMap "a/b" /data/k.' }, T0, 1);
    expect(drifted.conditions.find((c) => c.type === 'Drifted')).toMatchObject({ status: 'True', reason: 'DriftDetected', message: 'The cluster has drifted from git: 1 object changed: ConfigMap "a/b" /data/k.' });
    expect(drifted.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    // The same drift found again writes nothing.
    expect(isStatusEqual(applyDriftOutcome(drifted, { kind: 'drifted', summary: '1 object changed: ConfigMap "a/b" /data/k.' }, T1, 1), drifted)).toBe(true);
    const cleared = applyDriftOutcome(drifted, { kind: 'in-sync' }, T1, 1);
    expect(cleared.conditions.find((c) => c.type === 'Drifted')).toMatchObject({ status: 'False', reason: 'NoDriftDetected', lastTransitionTime: T1.toISOString() });
  });

  it('records a correction, and a correction that failed as still Drifted', () => {
    expect(applyDriftOutcome(ready, { kind: 'corrected', summary: 's.' }, T1, 1).conditions.find((c) => c.type === 'Drifted')).toMatchObject({ status: 'False', reason: 'DriftCorrected' });
    expect(applyDriftOutcome(ready, { kind: 'correction-failed', summary: 's.', error: 'forbidden.' }, T1, 1).conditions.find((c) => c.type === 'Drifted')).toMatchObject({
      status: 'True',
      reason: 'DriftCorrectionFailed',
      message: 'The cluster has drifted from git (s) and correcting it failed: forbidden.',
    });
  });
});
