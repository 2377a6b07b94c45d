/** The condition types an Extension records (DESIGN.md §2), in the order they are listed. */
export const CONDITION_TYPES = ['Ready', 'Reconciling', 'Stalled', 'Drifted'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Every reason a condition can carry: CamelCase, from this list only. */
export const CONDITION_REASONS = [
  'ReconciliationSucceeded',
  'InstallSucceeded',
  'UpgradeSucceeded',
  'RollbackSucceeded',
  'UninstallSucceeded',
  'UnlockSucceeded',
  'InstallFailed',
  'UpgradeFailed',
  'RollbackFailed',
  'UninstallFailed',
  'UnlockFailed',
  'Progressing',
  'ProgressingWithRetry',
  'RetriesExhausted',
  'ReleaseLocked',
  'ReleaseNotManaged',
  'RequirementsNotMet',
  'ProtectedSettingsSecretNotAllowed',
  'SystemNamespaceNotAllowed',
  'VersionUnresolved',
  'ClusterUnreachable',
  'PendingTimeout',
  'Uninstalling',
  'DriftDetected',
  'NoDriftDetected',
  'DriftCorrected',
  'DriftCorrectionFailed',
  // ExtensionRepository
  'RevisionApplied',
  'FetchFailed',
  'ValidationFailed',
  'BlastRadiusExceeded',
  'SyncFailed',
  // ConnectedCluster
  'ClusterReachable',
  // ExtensionType
  'VersionsListed',
  'VersionsUnavailable',
  // ExtensionPolicy
  'Compliant',
  'NonCompliant',
  'AuditOnly',
] as const;
export type ConditionReason = (typeof CONDITION_REASONS)[number];

/** The shape of `metav1.Condition`, so `kubectl wait --for=condition=Ready` and kstatus read it. */
export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  observedGeneration: number;
  /** RFC 3339; changes only when `status` changes. */
  lastTransitionTime: string;
  reason: ConditionReason;
  message: string;
}

export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

export function findCondition(conditions: readonly Condition[], type: ConditionType): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

/**
 * Returns `conditions` with `update` applied: a new condition gets `now` as its transition time, an
 * existing one keeps its transition time unless its status changes (reason and message may change
 * without a transition, as in apimachinery's `meta.SetStatusCondition`). The result is ordered by
 * CONDITION_TYPES so two equal sets of conditions serialize equally.
 */
export function setCondition(conditions: readonly Condition[], update: ConditionUpdate, now: string): Condition[] {
  const existing = findCondition(conditions, update.type);
  const lastTransitionTime = existing && existing.status === update.status ? existing.lastTransitionTime : now;
  const next: Condition = { ...update, lastTransitionTime };
  return [...conditions.filter((c) => c.type !== update.type), next].sort(
    (a, b) => CONDITION_TYPES.indexOf(a.type) - CONDITION_TYPES.indexOf(b.type),
  );
}
