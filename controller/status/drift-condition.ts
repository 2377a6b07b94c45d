import { setCondition } from './condition.js';
import { formatDriftCorrected, formatDriftCorrectionFailed, formatDriftDetected, formatNoDrift } from './condition-messages.js';
import type { ExtensionStatus } from './extension-status.js';

/** What one drift check of an Extension found, and did. Summaries carry paths, never values. */
export type DriftOutcome =
  | { kind: 'in-sync' }
  | { kind: 'drifted'; summary: string }
  | { kind: 'corrected'; summary: string }
  | { kind: 'correction-failed'; summary: string; error: string };

/**
 * The status after a drift check: `Drifted` True with the summary while drift is there, False once it
 * is corrected or gone. A check that finds nothing on an Extension not marked Drifted changes nothing,
 * so it writes no status (isStatusEqual). Ready does not depend on Drifted. Pure.
 */
export function applyDriftOutcome(status: ExtensionStatus, outcome: DriftOutcome, now: Date, generation: number): ExtensionStatus {
  const nowIso = now.toISOString();
  const drifted = status.conditions.find((c) => c.type === 'Drifted');
  switch (outcome.kind) {
    case 'in-sync':
      if (drifted?.status !== 'True') return status;
      return { ...status, conditions: setCondition(status.conditions, { type: 'Drifted', status: 'False', observedGeneration: generation, reason: 'NoDriftDetected', message: formatNoDrift() }, nowIso) };
    case 'drifted':
      return { ...status, conditions: setCondition(status.conditions, { type: 'Drifted', status: 'True', observedGeneration: generation, reason: 'DriftDetected', message: formatDriftDetected(outcome.summary) }, nowIso) };
    case 'corrected':
      return { ...status, conditions: setCondition(status.conditions, { type: 'Drifted', status: 'False', observedGeneration: generation, reason: 'DriftCorrected', message: formatDriftCorrected(outcome.summary) }, nowIso) };
    case 'correction-failed':
      return {
        ...status,
        conditions: setCondition(status.conditions, { type: 'Drifted', status: 'True', observedGeneration: generation, reason: 'DriftCorrectionFailed', message: formatDriftCorrectionFailed(outcome.summary, outcome.error) }, nowIso),
      };
  }
}
