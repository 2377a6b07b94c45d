import { setCondition, type Condition, type ConditionReason } from './condition.js';
import { formatDriftDetected, formatNoDrift, formatPendingTimeout } from './condition-messages.js';
import { deriveProvisioningState, type OutcomePhase, type ProvisioningState } from './provisioning-state.js';
import { deriveReadyCondition } from './ready-condition.js';

/** The Helm release an Extension maps to, as last observed. */
export interface ReleaseStatus {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  /** The extension type it was installed as: a change of type reinstalls it. */
  extensionType?: string;
  /** The chart name the release runs (from Helm's record): auto-upgrade stays in its major only for the same chart. */
  chart?: string;
}

/** The helm operations whose start is recorded on the status. */
export type OperationAction = 'install' | 'upgrade' | 'rollback' | 'uninstall';

/** The last helm operation started, written before helm runs (at most once per operation). */
export interface OperationRecord {
  action: OperationAction;
  /** RFC 3339. */
  startTime: string;
  /** How long helm was given, e.g. `5m`. */
  timeout: string;
}

/** `status` of an Extension CR (DESIGN.md §2). Plain JSON; never holds values or protected settings. */
export interface ExtensionStatus {
  provisioningState: ProvisioningState;
  installedVersion?: string;
  desiredVersion?: string;
  release?: ReleaseStatus;
  /** The source (git) revision whose configuration is deployed. */
  lastAppliedRevision?: string;
  /** The source revision of the last install, upgrade or uninstall attempt. */
  lastAttemptedRevision?: string;
  /** The configDigest of the configuration deployed (set when an apply succeeded or was found in sync). */
  configDigest?: string;
  /** The configDigest the failure count below refers to. */
  lastAttemptedConfigDigest?: string;
  /** Consecutive failed attempts for `lastAttemptedConfigDigest`. */
  failures?: number;
  lastFailureTime?: string;
  /** The last failure's message (free of secrets), kept while the failures count. */
  lastFailureMessage?: string;
  /** While Pending on an unreachable cluster: since when. */
  pendingSince?: string;
  lastOperation?: OperationRecord;
  /** The value of the Extension's `clusterext.io/requested-at` annotation last acted on. */
  lastHandledReconcileAt?: string;
  observedGeneration: number;
  conditions: Condition[];
}

export interface StatusOutcome {
  phase: OutcomePhase;
  reason: ConditionReason;
  message: string;
}

export interface ExtensionStatusInput {
  previous?: ExtensionStatus;
  now: Date;
  generation: number;
  cluster: string;
  sourceRevision: string;
  desiredVersion?: string;
  desiredConfigDigest: string;
  /** The release after this reconcile's action, when one exists. */
  release?: ReleaseStatus & { chartVersion: string };
  /** The desired configuration is deployed and healthy after this reconcile. */
  inSync: boolean;
  /** An install, upgrade, rollback, unlock or uninstall was attempted in this reconcile. */
  attempted: boolean;
  failures: number;
  lastFailureTime?: string;
  lastFailureMessage?: string;
  outcome: StatusOutcome;
  /**
   * The Extension's driftDetection. `disabled` removes any Drifted condition: a condition from
   * checks that no longer run would say something nobody measures any more.
   */
  driftDetection: 'enabled' | 'warn' | 'disabled';
  /** From the drift stage; when absent the previous Drifted condition is kept as it was (unless driftDetection is disabled). */
  drift?: { drifted: boolean; summary: string };
  pendingTimeoutMs: number;
  /**
   * Set only for the status written just before a helm operation starts: it records the
   * operation and makes provisioningState say what is under way. Otherwise the previous
   * lastOperation is kept.
   */
  startedOperation?: OperationRecord;
  /** The requested-at annotation acted on in this reconcile; when absent the previous value is kept. */
  lastHandledReconcileAt?: string;
}

/**
 * Builds the whole status of one Extension from the outcome of a reconcile and the previous status.
 * Conditions keep their transition times when their status does not change, so a reconcile that
 * changes nothing builds a status equal to the previous one (see `isStatusEqual`).
 */
export function buildExtensionStatus(input: ExtensionStatusInput): ExtensionStatus {
  const { previous, generation } = input;
  const nowIso = input.now.toISOString();
  const provisioning = deriveProvisioningState({
    phase: input.outcome.phase,
    everDeployed: input.release !== undefined && input.release.status !== 'uninstalled',
    failures: input.failures,
    desiredApplied: previous?.configDigest === input.desiredConfigDigest,
    ...(previous ? { previous: { provisioningState: previous.provisioningState, ...(previous.pendingSince ? { pendingSince: previous.pendingSince } : {}) } } : {}),
    now: input.now,
    pendingTimeoutMs: input.pendingTimeoutMs,
    ...(input.startedOperation ? { operation: input.startedOperation.action } : {}),
  });
  const outcome: StatusOutcome = provisioning.pendingTimedOut
    ? { phase: 'stalled', reason: 'PendingTimeout', message: formatPendingTimeout(input.cluster, provisioning.pendingSince ?? nowIso, input.pendingTimeoutMs) }
    : input.outcome;

  let conditions = previous?.conditions ?? [];
  const reconciling = outcome.phase === 'progressing' || outcome.phase === 'unreachable' || outcome.phase === 'deleting';
  conditions = setCondition(conditions, { type: 'Reconciling', status: reconciling ? 'True' : 'False', observedGeneration: generation, reason: outcome.reason, message: outcome.message }, nowIso);
  conditions = setCondition(conditions, { type: 'Stalled', status: outcome.phase === 'stalled' ? 'True' : 'False', observedGeneration: generation, reason: outcome.reason, message: outcome.message }, nowIso);
  if (input.driftDetection === 'disabled') {
    conditions = conditions.filter((c) => c.type !== 'Drifted');
  } else if (input.drift) {
    conditions = setCondition(
      conditions,
      input.drift.drifted
        ? { type: 'Drifted', status: 'True', observedGeneration: generation, reason: 'DriftDetected', message: formatDriftDetected(input.drift.summary) }
        : { type: 'Drifted', status: 'False', observedGeneration: generation, reason: 'NoDriftDetected', message: formatNoDrift() },
      nowIso,
    );
  }
  conditions = setCondition(conditions, deriveReadyCondition(conditions, generation), nowIso);

  const status: ExtensionStatus = { provisioningState: provisioning.state, observedGeneration: generation, conditions };
  const installed = input.release && input.release.status !== 'uninstalled' ? input.release : undefined;
  if (installed) {
    status.installedVersion = installed.chartVersion;
    status.release = { name: installed.name, namespace: installed.namespace, revision: installed.revision, status: installed.status, ...(installed.extensionType !== undefined ? { extensionType: installed.extensionType } : {}), ...(installed.chart !== undefined ? { chart: installed.chart } : {}) };
  }
  if (input.desiredVersion !== undefined) status.desiredVersion = input.desiredVersion;
  const lastAppliedRevision = input.inSync ? input.sourceRevision : previous?.lastAppliedRevision;
  if (lastAppliedRevision !== undefined) status.lastAppliedRevision = lastAppliedRevision;
  const lastAttemptedRevision = input.attempted ? input.sourceRevision : previous?.lastAttemptedRevision;
  if (lastAttemptedRevision !== undefined) status.lastAttemptedRevision = lastAttemptedRevision;
  const configDigest = input.inSync ? input.desiredConfigDigest : previous?.configDigest;
  if (configDigest !== undefined) status.configDigest = configDigest;
  if (input.failures > 0) {
    status.failures = input.failures;
    status.lastAttemptedConfigDigest = input.desiredConfigDigest;
    if (input.lastFailureTime !== undefined) status.lastFailureTime = input.lastFailureTime;
    if (input.lastFailureMessage !== undefined) status.lastFailureMessage = input.lastFailureMessage;
  }
  if (provisioning.pendingSince !== undefined) status.pendingSince = provisioning.pendingSince;
  const lastOperation = input.startedOperation ?? previous?.lastOperation;
  if (lastOperation !== undefined) status.lastOperation = { ...lastOperation };
  const lastHandledReconcileAt = input.lastHandledReconcileAt ?? previous?.lastHandledReconcileAt;
  if (lastHandledReconcileAt !== undefined) status.lastHandledReconcileAt = lastHandledReconcileAt;
  return status;
}

/** Whether writing `next` would change nothing; key order and absent-vs-undefined do not matter. */
export function isStatusEqual(a: ExtensionStatus | undefined, b: ExtensionStatus | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
      );
    }
    return v;
  });
}
