import type { ReleaseState } from './release-state.js';
import { backoffDelayMs, exhaustedDelayMs, type RetryPolicy, type RetryState } from './retry-policy.js';

export type ActionKind = 'install' | 'upgrade' | 'uninstall' | 'unlock' | 'rollback' | 'wait' | 'none';

/** Why an action was chosen: CamelCase, from this list only. */
export const ACTION_REASONS = [
  'ReleaseAbsent',
  'ConfigChanged',
  'ExtensionRemoved',
  'AlreadyRemoved',
  'InSync',
  'ReleaseNotManaged',
  'RequirementsNotMet',
  'VersionUnresolved',
  'ClusterUnreachable',
  'ReleaseLocked',
  'PendingReleaseStuck',
  'RemediateFailedUpgrade',
  'RemediateFailedInstall',
  'RetryBackoff',
  'RetriesExhausted',
] as const;
export type ActionReason = (typeof ACTION_REASONS)[number];

interface ActionBase {
  reason: ActionReason;
  /** A whole sentence for logs and events. */
  message: string;
}

export type ReleaseAction =
  | (ActionBase & { action: 'install' })
  | (ActionBase & { action: 'upgrade' })
  | (ActionBase & { action: 'uninstall' })
  | (ActionBase & { action: 'unlock'; revision: number })
  | (ActionBase & { action: 'rollback'; toRevision: number })
  | (ActionBase & { action: 'wait'; requeueAfterMs: number })
  | (ActionBase & { action: 'none' });

export interface DecideContext {
  retry: RetryState;
  policy: RetryPolicy;
  now: Date;
  /** How soon to look again at an unreachable cluster or a pending release that is not stuck yet. */
  recheckAfterMs: number;
}

/**
 * The next action for a release: one switch over the state, no I/O. At most one helm operation
 * follows; the caller observes again before deciding the next one.
 *
 * Remediation (rollback of a failed upgrade, uninstall of a failed install) runs without backoff:
 * it restores the last working revision, which is wanted whatever happens next. Once the retries
 * are exhausted, a failed remediation is retried on the long backoff only, so a failing rollback
 * cannot loop; a failed install or upgrade (a retry on the long backoff) is still remediated at once.
 *
 * Exhausted retries are not the end: installs and upgrades are tried again on the long backoff
 * (`exhaustedDelayMs`), and the release stays Stalled (RetriesExhausted) in between.
 */
export function decideAction(state: ReleaseState, ctx: DecideContext): ReleaseAction {
  switch (state.kind) {
    case 'unreachable':
      return { action: 'wait', requeueAfterMs: ctx.recheckAfterMs, reason: 'ClusterUnreachable', message: state.reason };
    case 'removed':
      return { action: 'none', reason: 'AlreadyRemoved', message: state.reason };
    case 'uninstall-requested':
      return { action: 'uninstall', reason: 'ExtensionRemoved', message: state.reason };
    case 'not-managed':
      return { action: 'none', reason: 'ReleaseNotManaged', message: state.reason };
    case 'requirements-not-met':
      return { action: 'none', reason: 'RequirementsNotMet', message: state.reason };
    case 'version-unresolved':
      return { action: 'none', reason: 'VersionUnresolved', message: state.reason };
    case 'in-sync':
      return { action: 'none', reason: 'InSync', message: state.reason };
    case 'locked':
      return state.stuck
        ? { action: 'unlock', revision: state.release.revision, reason: 'PendingReleaseStuck', message: state.reason }
        : { action: 'wait', requeueAfterMs: ctx.recheckAfterMs, reason: 'ReleaseLocked', message: state.reason };
    case 'failed': {
      if (ctx.retry.failures > ctx.policy.maxRetries && !ctx.retry.installOrUpgradeFailed) {
        const waiting = retriesExhausted(state.reason, ctx);
        if (waiting) return waiting;
      }
      const target = state.release.previousDeployedRevision;
      return target !== undefined
        ? { action: 'rollback', toRevision: target, reason: 'RemediateFailedUpgrade', message: `${state.reason} Rolling back to revision ${target}.` }
        : { action: 'uninstall', reason: 'RemediateFailedInstall', message: `${state.reason} No earlier revision was deployed, so it is uninstalled before installing again.` };
    }
    case 'absent':
    case 'out-of-sync': {
      if (ctx.retry.failures >= ctx.policy.maxRetries) {
        const waiting = retriesExhausted(state.reason, ctx);
        if (waiting) return waiting;
        return state.kind === 'absent'
          ? { action: 'install', reason: 'ReleaseAbsent', message: `${state.reason} Trying again after ${ctx.retry.failures} failed attempts.` }
          : { action: 'upgrade', reason: 'ConfigChanged', message: `${state.reason} Trying again after ${ctx.retry.failures} failed attempts.` };
      }
      const waitMs = remainingBackoffMs(ctx);
      if (waitMs > 0) {
        return { action: 'wait', requeueAfterMs: waitMs, reason: 'RetryBackoff', message: `${state.reason} Retrying after ${ctx.retry.failures} failed attempt(s) in ${Math.ceil(waitMs / 1000)}s.` };
      }
      return state.kind === 'absent'
        ? { action: 'install', reason: 'ReleaseAbsent', message: state.reason }
        : { action: 'upgrade', reason: 'ConfigChanged', message: state.reason };
    }
  }
}

/** A wait until the long backoff is over, or undefined when it is (the caller tries again). */
function retriesExhausted(reason: string, ctx: DecideContext): ReleaseAction | undefined {
  const due = exhaustedRetryDue(ctx.retry, ctx.policy);
  const waitMs = due === undefined ? 0 : due.getTime() - ctx.now.getTime();
  if (waitMs <= 0) return undefined;
  return { action: 'wait', requeueAfterMs: waitMs, reason: 'RetriesExhausted', message: `${reason} ${ctx.retry.failures} attempts failed; trying again at ${due!.toISOString()}.` };
}

/** When the next attempt after exhausted retries is due; undefined without a recorded failure time. */
export function exhaustedRetryDue(retry: RetryState, policy: RetryPolicy): Date | undefined {
  if (retry.lastFailureTime === undefined) return undefined;
  return new Date(Date.parse(retry.lastFailureTime) + exhaustedDelayMs(retry.failures, policy));
}

function remainingBackoffMs(ctx: DecideContext): number {
  if (ctx.retry.failures === 0 || ctx.retry.lastFailureTime === undefined) return 0;
  const due = Date.parse(ctx.retry.lastFailureTime) + backoffDelayMs(ctx.retry.failures, ctx.policy);
  return Math.max(0, due - ctx.now.getTime());
}
