/** The statuses Helm records on a release revision (helm.sh/helm/v4 pkg/release/common). */
export const HELM_RELEASE_STATUSES = [
  'unknown',
  'deployed',
  'uninstalled',
  'superseded',
  'failed',
  'uninstalling',
  'pending-install',
  'pending-upgrade',
  'pending-rollback',
] as const;
export type HelmReleaseStatus = (typeof HELM_RELEASE_STATUSES)[number];

export type PendingReleaseStatus = 'pending-install' | 'pending-upgrade' | 'pending-rollback';

export function isPendingStatus(status: HelmReleaseStatus): status is PendingReleaseStatus {
  return status === 'pending-install' || status === 'pending-upgrade' || status === 'pending-rollback';
}

/**
 * The latest revision of one Helm release as read from Helm's storage, reduced to what the
 * controller decides on. It never carries the rendered manifest, hooks, notes or chart files (they
 * can hold protected settings); `config` (the user-supplied values, which include the protected
 * ones) is only present when the reader was told which paths to redact.
 */
export interface ObservedRelease {
  name: string;
  namespace: string;
  revision: number;
  status: HelmReleaseStatus;
  chartName: string;
  chartVersion: string;
  appVersion?: string;
  /** The user-supplied values with protected paths redacted; absent unless asked for. */
  config?: Record<string, unknown>;
  /** Custom release labels (`helm … --labels`), without Helm's own storage labels. */
  labels: Record<string, string>;
  /** RFC 3339, from the record's `info.last_deployed`. */
  lastDeployed?: string;
  /** The newest earlier revision whose status is `deployed` or `superseded`: the rollback target. */
  previousDeployedRevision?: number;
}
