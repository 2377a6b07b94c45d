import { REQUESTED_AT_ANNOTATION } from './requested-at-annotation.js';

/**
 * The messages of Extension conditions and events, one named function per situation, so the same
 * situation always reads the same way. Inputs are names, versions, revisions and error texts that
 * the helm adapter has already scrubbed; never values.
 */

export interface ReleaseRef {
  name: string;
  namespace: string;
}

const ref = (r: ReleaseRef): string => `"${r.namespace}/${r.name}"`;

export function formatInSync(r: ReleaseRef, version: string, revision: number): string {
  return `Release ${ref(r)} runs chart version ${version} at revision ${revision}, as desired.`;
}

export function formatInstallSucceeded(r: ReleaseRef, version: string, revision: number): string {
  return `Installed release ${ref(r)} with chart version ${version} (revision ${revision}).`;
}

export function formatUpgradeSucceeded(r: ReleaseRef, version: string, revision: number): string {
  return `Upgraded release ${ref(r)} to chart version ${version} (revision ${revision}).`;
}

export function formatRollbackSucceeded(r: ReleaseRef, toRevision: number): string {
  return `Rolled release ${ref(r)} back to revision ${toRevision} after a failed upgrade; the upgrade will be retried.`;
}

export function formatUninstallSucceeded(r: ReleaseRef): string {
  return `Uninstalled release ${ref(r)}.`;
}

export function formatUnlockSucceeded(r: ReleaseRef, revision: number): string {
  return `Release ${ref(r)} was stuck in a pending state at revision ${revision}; marked that revision failed so it can be remediated.`;
}

export function formatActionFailed(action: string, r: ReleaseRef, error: string): string {
  return `The ${action} of release ${ref(r)} failed: ${error}`;
}

export function formatRetryScheduled(failures: number, maxRetries: number, delayMs: number): string {
  return `Attempt ${failures} of ${maxRetries} failed; retrying in ${Math.ceil(delayMs / 1000)}s.`;
}

export function formatNoRetriesLeft(failures: number): string {
  return `That was attempt ${failures}; the quick retries are used up, so after any remediation (rollback or uninstall) the next attempts follow on the long backoff.`;
}

export function formatRetriesExhausted(r: ReleaseRef, failures: number, retryAt: string | undefined, lastError?: string): string {
  const tail = lastError ? ` The last error was: ${lastError}` : '';
  const when = retryAt ? `the next attempt is at ${retryAt}` : 'the next attempt follows on the long backoff';
  const attempts = failures === 1 ? '1 attempt' : `${failures} attempts in a row`;
  return `Release ${ref(r)} failed ${attempts}; ${when}. Change the Extension, or run "clusterext reconcile extension --force" (the annotation ${REQUESTED_AT_ANNOTATION}=<now>) to try now.${tail}`;
}

export function formatReleaseLocked(r: ReleaseRef, status: string, revision: number): string {
  return `Release ${ref(r)} is "${status}" at revision ${revision}, so another Helm operation may be running; waiting for it to finish.`;
}

export function formatReleaseNotManaged(r: ReleaseRef): string {
  return `Release ${ref(r)} exists but was not installed by clusterext (it lacks the label clusterext.io/managed-by=clusterext); it is left alone. Uninstall it or rename the Extension.`;
}

export function formatRequirementsNotMet(details: string): string {
  return `The cluster does not meet the extension type's requirements. ${details}`;
}

export function formatVersionUnresolved(reason: string): string {
  return `No chart version could be resolved: ${reason}`;
}

export function formatClusterUnreachable(cluster: string, detail: string): string {
  return `Cluster "${cluster}" is unreachable: ${detail}`;
}

export function formatPendingTimeout(cluster: string, since: string, timeoutMs: number): string {
  return `Cluster "${cluster}" has been unreachable since ${since}, longer than the pending timeout of ${Math.round(timeoutMs / 3_600_000)}h; the extension is marked failed.`;
}

export function formatUninstalling(r: ReleaseRef): string {
  return `The Extension was removed from git; uninstalling release ${ref(r)}.`;
}

export function formatProgressing(r: ReleaseRef, what: string): string {
  return `Release ${ref(r)}: ${what}`;
}

export function formatDriftDetected(summary: string): string {
  return `The cluster has drifted from git: ${summary}`;
}

export function formatDriftCorrected(summary: string): string {
  return `Drift was corrected by re-applying the drifted objects as the release has them: ${summary}`;
}

export function formatDriftCorrectionFailed(summary: string, error: string): string {
  return `The cluster has drifted from git (${summary.replace(/\.$/, '')}) and correcting it failed: ${error}`;
}

export function formatNoDrift(): string {
  return 'The cluster matches git.';
}

/** The message of the status written before a helm operation starts. */
export function formatOperationStarted(action: 'install' | 'upgrade' | 'rollback' | 'uninstall', r: ReleaseRef, detail: { version?: string; toRevision?: number; timeout: string }): string {
  const wait = `waiting up to ${detail.timeout} for its hooks and objects to be ready`;
  switch (action) {
    case 'install':
      return `Installing release ${ref(r)} with chart version ${detail.version ?? 'unknown'}; ${wait}.`;
    case 'upgrade':
      return `Upgrading release ${ref(r)} to chart version ${detail.version ?? 'unknown'}; ${wait}.`;
    case 'rollback':
      return `Rolling release ${ref(r)} back to revision ${detail.toRevision ?? 'unknown'}; ${wait}.`;
    case 'uninstall':
      return `Uninstalling release ${ref(r)}; waiting up to ${detail.timeout} for its objects to be deleted.`;
  }
}
