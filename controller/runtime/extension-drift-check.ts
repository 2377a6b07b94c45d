import { checkReleaseDrift } from '../drift/check-cluster-drift.js';
import { correctReleaseDrift } from '../drift/correct-release-drift.js';
import type { ExtensionDrift } from '../drift/drift-report.js';
import { summarizeExtensionDrift } from '../drift/summarize-extension-drift.js';
import type { DesiredRelease } from '../plan/desired-release.js';
import type { ReleaseEvent } from '../reconcile/reconcile-release.js';
import { applyDriftOutcome, type DriftOutcome } from '../status/drift-condition.js';
import { isStatusEqual, type ExtensionStatus } from '../status/extension-status.js';
import type { KubeRest } from './kube-rest.js';

/** Default time between two drift checks of one Extension (`--drift-interval`). */
export const DEFAULT_DRIFT_INTERVAL_MS = 5 * 60_000;

export interface DriftCheckDueInput {
  driftDetection: DesiredRelease['driftDetection'];
  /** The release is deployed from the desired configDigest and Ready after this reconcile. */
  ready: boolean;
  /** When this Extension was last checked (ms since the epoch); undefined when never by this process. */
  lastCheckedAt?: number;
  now: number;
  intervalMs: number;
  /** The requested-at annotation was acted on in this reconcile: check now. */
  requested: boolean;
  /**
   * This reconcile has just installed, upgraded or rolled back the release and no drift is on
   * record: its objects are what Helm applied a moment ago, so the first check waits an interval
   * (a check now would find nothing and hold up the next helm operation).
   */
  justApplied?: boolean;
}

/**
 * Whether to check an Extension for drift now: never when disabled or not Ready (a release being
 * installed, upgraded or failing is the reconciler's, not drift); otherwise once per interval, and
 * at once on a new requested-at annotation; a release this reconcile has just applied is checked
 * one interval later. Pure.
 */
export function isDriftCheckDue(input: DriftCheckDueInput): boolean {
  if (input.driftDetection === 'disabled' || !input.ready) return false;
  if (input.requested) return true;
  if (input.justApplied) return false;
  if (input.lastCheckedAt === undefined) return true;
  return input.now - input.lastCheckedAt >= input.intervalMs;
}

export interface ExtensionDriftCheckInput {
  kube: KubeRest;
  desired: DesiredRelease;
  status: ExtensionStatus;
  generation: number;
  now: Date;
  /** The protected values of the release, masked wherever they would appear. */
  protectedValues: string[];
}

export interface ExtensionDriftCheckResult {
  result: 'in-sync' | 'drifted' | 'corrected' | 'correction-failed' | 'error';
  /** The status to write; undefined when nothing changes (a no-drift check writes nothing). */
  status?: ExtensionStatus;
  events: ReleaseEvent[];
  drift?: ExtensionDrift;
  /** Why the check failed (result `error`); free of protected values. */
  message?: string;
}

/**
 * One drift check of one Extension: check → (`enabled`: correct exactly the drifted objects, then
 * check again) → the Drifted condition and an event. Bounded like checkReleaseDrift: one list of
 * the release namespace's Helm records, one GET and at most one dry run per object (twice when
 * correcting). A failed check changes no status: it is logged and counted, and tried again at the
 * next interval.
 */
export async function runExtensionDriftCheck(input: ExtensionDriftCheckInput): Promise<ExtensionDriftCheckResult> {
  const { desired } = input;
  const first = await checkReleaseDrift({ kube: input.kube, desired, protectedValues: input.protectedValues });
  if (first.state === 'error') return { result: 'error', events: [], drift: first, ...(first.message !== undefined ? { message: first.message } : {}) };
  // The reconciler owns release-level differences (it upgrades them); drift here is the live objects.
  const found = { release: [], objects: first.objects };
  if (first.objects.length === 0) return finish(input, { kind: 'in-sync' }, first);
  const summary = summarizeExtensionDrift(found);
  if (desired.driftDetection !== 'enabled') return finish(input, { kind: 'drifted', summary }, first);
  try {
    await correctReleaseDrift({ kube: input.kube, desired, drift: first, protectedValues: input.protectedValues });
  } catch (err) {
    return finish(input, { kind: 'correction-failed', summary, error: err instanceof Error ? err.message : String(err) }, first);
  }
  const after = await checkReleaseDrift({ kube: input.kube, desired, protectedValues: input.protectedValues });
  if (after.state !== 'error' && after.objects.length > 0) {
    return finish(input, { kind: 'correction-failed', summary, error: `after re-applying, ${summarizeExtensionDrift({ release: [], objects: after.objects })}` }, after);
  }
  return finish(input, { kind: 'corrected', summary }, first);
}

function finish(input: ExtensionDriftCheckInput, outcome: DriftOutcome, drift: ExtensionDrift): ExtensionDriftCheckResult {
  const next = applyDriftOutcome(input.status, outcome, input.now, input.generation);
  const changed = !isStatusEqual(input.status, next);
  const events: ReleaseEvent[] = [];
  const condition = next.conditions.find((c) => c.type === 'Drifted');
  if (condition && (changed || outcome.kind === 'corrected')) {
    // A correction is recorded every time it happens; detection only when what is drifted changes.
    events.push({ type: outcome.kind === 'corrected' || outcome.kind === 'in-sync' ? 'Normal' : 'Warning', reason: condition.reason, message: condition.message });
  }
  return { result: outcome.kind, ...(changed ? { status: next } : {}), events, drift };
}
