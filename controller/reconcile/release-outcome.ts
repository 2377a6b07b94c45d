import type { ClusterextError } from '../errors/clusterext-error.js';
import type { ConditionReason } from '../status/condition.js';
import {
  formatActionFailed,
  formatClusterUnreachable,
  formatInSync,
  formatInstallSucceeded,
  formatProgressing,
  formatReleaseLocked,
  formatReleaseNotManaged,
  formatRequirementsNotMet,
  formatRetriesExhausted,
  formatRetryScheduled,
  formatNoRetriesLeft,
  formatRollbackSucceeded,
  formatUninstallSucceeded,
  formatUninstalling,
  formatUnlockSucceeded,
  formatUpgradeSucceeded,
  formatVersionUnresolved,
  type ReleaseRef,
} from '../status/condition-messages.js';
import type { StatusOutcome } from '../status/extension-status.js';
import { formatUnmetRequirements } from './check-requirements.js';
import type { ActionKind, ReleaseAction } from './decide-action.js';
import type { ReleaseState } from './release-state.js';
import { backoffDelayMs, type RetryPolicy } from './retry-policy.js';

const FAILED_REASON: Record<Exclude<ActionKind, 'wait' | 'none'>, ConditionReason> = {
  install: 'InstallFailed',
  upgrade: 'UpgradeFailed',
  rollback: 'RollbackFailed',
  uninstall: 'UninstallFailed',
  unlock: 'UnlockFailed',
};

export interface OutcomeInput {
  cluster: string;
  release: ReleaseRef;
  /** The action this reconcile carried out (or `wait`/`none`). */
  performed: ReleaseAction;
  /** Set when the action failed; its message is already free of secrets. */
  error?: Pick<ClusterextError, 'message'>;
  /** The state observed after the action. */
  after: ReleaseState;
  /** What would be decided next from `after`. */
  next: ReleaseAction;
  failures: number;
  policy: RetryPolicy;
  /**
   * The success the previous status recorded for this same configuration. A reconcile that finds
   * the release still in sync keeps it word for word, so the status stays equal and is not written.
   */
  previousSuccess?: { reason: ConditionReason; message: string };
  /**
   * The failure the previous status recorded for this same configuration. While the retry waits,
   * it is kept word for word: the user keeps seeing why it failed, and the status is not rewritten.
   */
  previousFailure?: { reason: ConditionReason; message: string };
  /** The last recorded failure of this configuration, for the message when retries run out. */
  lastFailureMessage?: string;
  /** When retries have run out: when the next attempt on the long backoff is due (RFC 3339). */
  retryAt?: string;
}

/** Maps the result of one reconcile to the reason and message its status conditions carry. */
export function summarizeOutcome(input: OutcomeInput): StatusOutcome {
  const { after, next, performed, release } = input;
  if (after.kind === 'unreachable') {
    return { phase: 'unreachable', reason: 'ClusterUnreachable', message: formatClusterUnreachable(input.cluster, after.reason) };
  }
  if (next.reason === 'RetriesExhausted') {
    return { phase: 'stalled', reason: 'RetriesExhausted', message: formatRetriesExhausted(release, input.failures, input.retryAt, input.error?.message ?? input.lastFailureMessage) };
  }
  if (input.error && performed.action !== 'wait' && performed.action !== 'none') {
    const retry =
      input.failures < input.policy.maxRetries
        ? formatRetryScheduled(input.failures, input.policy.maxRetries, backoffDelayMs(input.failures, input.policy))
        : formatNoRetriesLeft(input.failures);
    return { phase: 'progressing', reason: FAILED_REASON[performed.action], message: `${formatActionFailed(performed.action, release, input.error.message)} ${retry}` };
  }
  switch (after.kind) {
    case 'in-sync': {
      const { chartVersion, revision } = after.release;
      if (performed.action === 'install') return { phase: 'ready', reason: 'InstallSucceeded', message: formatInstallSucceeded(release, chartVersion, revision) };
      if (performed.action === 'upgrade') return { phase: 'ready', reason: 'UpgradeSucceeded', message: formatUpgradeSucceeded(release, chartVersion, revision) };
      if (input.previousSuccess) return { phase: 'ready', ...input.previousSuccess };
      return { phase: 'ready', reason: 'ReconciliationSucceeded', message: formatInSync(release, chartVersion, revision) };
    }
    case 'removed':
      return { phase: 'deleting', reason: 'UninstallSucceeded', message: formatUninstallSucceeded(release) };
    case 'uninstall-requested':
      return { phase: 'deleting', reason: 'Uninstalling', message: formatUninstalling(release) };
    case 'not-managed':
      return { phase: 'stalled', reason: 'ReleaseNotManaged', message: formatReleaseNotManaged(release) };
    case 'requirements-not-met':
      return { phase: 'stalled', reason: 'RequirementsNotMet', message: formatRequirementsNotMet(formatUnmetRequirements(after.unmet)) };
    case 'version-unresolved':
      return { phase: after.stalled ? 'stalled' : 'progressing', reason: 'VersionUnresolved', message: formatVersionUnresolved(after.reason) };
    case 'locked':
      return { phase: 'progressing', reason: 'ReleaseLocked', message: formatReleaseLocked(release, after.release.status, after.release.revision) };
    case 'failed':
      if (performed.action === 'unlock') {
        return { phase: 'progressing', reason: 'UnlockSucceeded', message: formatUnlockSucceeded(release, performed.revision) };
      }
      return { phase: 'progressing', reason: 'Progressing', message: formatProgressing(release, after.reason) };
    case 'absent':
    case 'out-of-sync':
      if (performed.action === 'rollback') return { phase: 'progressing', reason: 'RollbackSucceeded', message: formatRollbackSucceeded(release, performed.toRevision) };
      if (performed.action === 'uninstall') return { phase: 'progressing', reason: 'UninstallSucceeded', message: formatUninstallSucceeded(release) };
      if (next.reason === 'RetryBackoff' && input.previousFailure && (performed.action === 'wait' || performed.action === 'none')) {
        return { phase: 'progressing', ...input.previousFailure };
      }
      if (next.reason === 'RetryBackoff') return { phase: 'progressing', reason: 'ProgressingWithRetry', message: formatProgressing(release, next.message) };
      return { phase: 'progressing', reason: 'Progressing', message: formatProgressing(release, after.reason) };
  }
}
