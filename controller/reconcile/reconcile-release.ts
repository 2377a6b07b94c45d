import { ClusterextError } from '../errors/clusterext-error.js';
import type { DesiredRelease } from '../plan/desired-release.js';
import { findCondition, type ConditionReason } from '../status/condition.js';
import { formatOperationStarted } from '../status/condition-messages.js';
import { buildExtensionStatus, isStatusEqual, type ExtensionStatus, type ExtensionStatusInput, type OperationAction, type OperationRecord } from '../status/extension-status.js';
import { formatDuration } from '../runtime/duration.js';
import { DEFAULT_PENDING_TIMEOUT_MS } from '../status/provisioning-state.js';
import { act, type ActPorts } from './act.js';
import type { RequirementsResult } from './check-requirements.js';
import type { Clock } from './clock.js';
import type { ClusterFacts } from './cluster-facts.js';
import { decideAction, exhaustedRetryDue, type ReleaseAction } from './decide-action.js';
import { formatRemainingObjects, formatUnreadyObjects, type ReleaseObject } from './object-readiness.js';
import type { ObservedRelease } from './observed-release.js';
import type { HelmTarget, ReleaseStoragePort, WaitStrategy } from './release-ports.js';
import { summarizeOutcome } from './release-outcome.js';
import { determineReleaseState, type ReleaseState } from './release-state.js';
import { DEFAULT_RETRY_POLICY, retryStateFor, type RetryPolicy, type RetryState } from './retry-policy.js';

export interface ReconcilePolicy {
  retry: RetryPolicy;
  /** A pending-* revision older than this is unlocked (marked failed); younger ones are waited for. */
  lockTimeoutMs: number;
  /** How soon to look again at an unreachable cluster or a locked release. */
  recheckAfterMs: number;
  /** helm's `--timeout` for each operation, unless the Extension or its type sets `timeout`. */
  helmTimeoutMs: number;
  pendingTimeoutMs: number;
  /**
   * How helm waits. `watcher` (the default): an install, upgrade or rollback succeeds only once
   * the release's objects are ready in kstatus terms and its Jobs complete, and an uninstall only
   * once its objects are gone.
   */
  wait?: WaitStrategy;
  /**
   * While an operation runs, how often its objects are looked at, so the in-progress status names
   * the ones not ready yet (or, for an uninstall, not gone yet). A status write follows only when
   * that list changed.
   */
  progressIntervalMs: number;
}

export const DEFAULT_RECONCILE_POLICY: ReconcilePolicy = {
  retry: DEFAULT_RETRY_POLICY,
  // Longer than helmTimeoutMs, so a helm process that is still within its own timeout is never
  // interrupted by an unlock.
  lockTimeoutMs: 10 * 60_000,
  recheckAfterMs: 60_000,
  helmTimeoutMs: 5 * 60_000,
  pendingTimeoutMs: DEFAULT_PENDING_TIMEOUT_MS,
  wait: 'watcher',
  progressIntervalMs: 10_000,
};

export interface ReconcileReleaseInput {
  desired: DesiredRelease;
  /** The Extension left git or its CR is being deleted. */
  uninstallRequested?: boolean;
  /** Read once per cluster and sync by the caller (`readClusterFacts`). */
  cluster: ClusterFacts;
  /** From `checkRequirements`; pass `{met: true}` when the cluster is unreachable. */
  requirements: RequirementsResult;
  previousStatus?: ExtensionStatus;
  /** metadata.generation of the Extension CR. */
  generation: number;
  /** The source (git) revision the desired release comes from. */
  sourceRevision: string;
  protectedValues?: Record<string, unknown>;
  target: HelmTarget;
  policy?: Partial<ReconcilePolicy>;
  drift?: { drifted: boolean; summary: string };
  /**
   * The Extension's `clusterext.io/requested-at` annotation. A value the previous status has not
   * handled yet clears the failure count, so the release is tried now, past any backoff.
   */
  requestedAt?: string;
}

export interface ReconcileReleasePorts extends ActPorts {
  storage: ReleaseStoragePort;
  clock: Clock;
  /**
   * Writes the status that says a helm operation is under way, just before it starts (once per
   * operation), so a long install or upgrade shows as Installing/Upgrading rather than nothing.
   */
  writeStatus?: (status: ExtensionStatus) => Promise<void>;
  /**
   * The objects of the release's latest revision with their live state, or with `known` the live
   * state of those objects again (after an uninstall Helm's record is gone). Read while an
   * operation runs (every progressIntervalMs, when `clock.sleep` is given) and after it failed, to
   * say which objects are not ready or not deleted yet, and why.
   */
  releaseObjects?: (known?: readonly ReleaseObject[]) => Promise<ReleaseObject[]>;
  /**
   * Called once the helm operation has ended, before the outcome is read back and recorded: the
   * caller gives back the operation's concurrency slot (OperationSlots).
   */
  operationEnded?: () => void;
}

export interface ReleaseEvent {
  type: 'Normal' | 'Warning';
  reason: ConditionReason;
  message: string;
}

export interface ReconcileReleaseResult {
  /** `unchanged`: no helm operation ran and the status needs no write. */
  result: 'unchanged' | 'changed';
  action: ReleaseAction;
  before: ReleaseState;
  after: ReleaseState;
  /** The latest release revision after the action. */
  observed?: ObservedRelease;
  status: ExtensionStatus;
  /** False when `status` equals `previousStatus`: skip the write. */
  writeStatus: boolean;
  events: ReleaseEvent[];
  /** When to reconcile again; undefined means only on the next change or periodic resync. */
  requeueAfterMs?: number;
}

/**
 * One pass for one release: observe → decide → act (at most one helm operation) → observe again,
 * and the status and events that follow. A release that is deployed from the desired configDigest
 * costs one storage read and nothing else: no helm process, no status write.
 */
export async function reconcileRelease(input: ReconcileReleaseInput, ports: ReconcileReleasePorts): Promise<ReconcileReleaseResult> {
  const policy: ReconcilePolicy = { ...DEFAULT_RECONCILE_POLICY, ...input.policy };
  const { desired } = input;
  const now = ports.clock.now();
  const previousReason = input.previousStatus ? findCondition(input.previousStatus.conditions, 'Reconciling')?.reason : undefined;
  let retry = retryStateFor(input.previousStatus, desired.configDigest, previousReason === 'InstallFailed' || previousReason === 'UpgradeFailed');
  const newRequest = input.requestedAt !== undefined && input.requestedAt !== input.previousStatus?.lastHandledReconcileAt;
  if (newRequest) retry = { failures: 0 };

  let cluster = input.cluster;
  const first = await observe(cluster, ports.storage);
  cluster = first.cluster;
  const stateInput = { desired, uninstallRequested: input.uninstallRequested ?? false, requirements: input.requirements, lockTimeoutMs: policy.lockTimeoutMs };
  const before = determineReleaseState({ ...stateInput, cluster, observed: first.observed, now });
  const action = decideAction(before, { retry, policy: policy.retry, now, recheckAfterMs: policy.recheckAfterMs });

  const release = { name: desired.releaseName, namespace: desired.namespace };
  const timeoutMs = desired.timeoutMs ?? policy.helmTimeoutMs;
  const statusBase: Omit<ExtensionStatusInput, 'release' | 'inSync' | 'attempted' | 'failures' | 'outcome'> = {
    now,
    generation: input.generation,
    cluster: desired.cluster,
    sourceRevision: input.sourceRevision,
    ...(desired.version.kind !== 'unresolved' ? { desiredVersion: desired.version.version } : {}),
    desiredConfigDigest: desired.configDigest,
    driftDetection: desired.driftDetection,
    ...(input.drift ? { drift: input.drift } : {}),
    pendingTimeoutMs: policy.pendingTimeoutMs,
    ...(input.requestedAt !== undefined ? { lastHandledReconcileAt: input.requestedAt } : {}),
  };
  let observed = first.observed;
  let after = before;
  let error: ClusterextError | undefined;
  let performed = false;
  // The status as last written: the one read, or the in-progress one written below.
  let written = input.previousStatus;
  if (action.action !== 'none' && action.action !== 'wait') {
    const operation = operationOf(action);
    const started = operation
      ? formatOperationStarted(operation, release, {
          ...(desired.version.kind !== 'unresolved' ? { version: desired.version.version } : {}),
          ...(action.action === 'rollback' ? { toRevision: action.toRevision } : {}),
          timeout: formatDuration(timeoutMs),
        })
      : '';
    const inProgress = (operation: OperationAction, waitingFor?: string): ExtensionStatus =>
      buildExtensionStatus({
        ...statusBase,
        ...(input.previousStatus ? { previous: input.previousStatus } : {}),
        ...(observed && observed.status !== 'uninstalled' ? { release: { ...releaseStatusOf(observed), extensionType: desired.extensionType } } : {}),
        inSync: false,
        attempted: false,
        ...retryFields(retry),
        outcome: {
          phase: operation === 'uninstall' ? 'deleting' : 'progressing',
          reason: operation === 'uninstall' ? 'Uninstalling' : 'Progressing',
          message: waitingFor ? `${started} ${waitingFor}` : started,
        },
        startedOperation: { action: operation, startTime: now.toISOString(), timeout: formatDuration(timeoutMs) } satisfies OperationRecord,
      });
    // An uninstall removes Helm's record of the objects: they are read before it starts.
    let uninstalled: ReleaseObject[] | undefined;
    if (action.action === 'uninstall' && ports.releaseObjects) uninstalled = await ports.releaseObjects().catch(() => undefined);
    let watcher: ProgressWatcher | undefined;
    if (operation && ports.writeStatus) {
      const writeStatus = ports.writeStatus;
      written = inProgress(operation);
      await writeStatus(written);
      if (ports.releaseObjects && ports.clock.sleep) {
        watcher = watchProgress({
          intervalMs: policy.progressIntervalMs,
          sleep: ports.clock.sleep,
          waitingFor: waitingForReader(operation, ports.releaseObjects, uninstalled),
          write: async (waitingFor) => {
            written = inProgress(operation, waitingFor);
            await writeStatus(written);
          },
        });
      }
    }
    try {
      performed = (
        await act(
          action,
          { desired, target: input.target, timeoutMs, ...(input.protectedValues ? { protectedValues: input.protectedValues } : {}), ...(policy.wait ? { wait: policy.wait } : {}) },
          ports,
        ).finally(() => ports.operationEnded?.())
      ).performed;
      if (action.action === 'install' || action.action === 'upgrade') retry = { failures: 0 };
    } catch (err) {
      performed = true;
      await watcher?.stop();
      watcher = undefined;
      error = await explainFailure(action, asClusterextError(err), ports.releaseObjects, uninstalled);
      retry = {
        failures: retry.failures + 1,
        lastFailureTime: now.toISOString(),
        lastFailureMessage: error.message,
        ...(action.action === 'install' || action.action === 'upgrade' ? { installOrUpgradeFailed: true } : {}),
      };
    }
    await watcher?.stop();
    const second = await observe(cluster, ports.storage);
    cluster = second.cluster;
    observed = second.observed;
    after = determineReleaseState({ ...stateInput, cluster, observed, now });
  }
  const next = decideAction(after, { retry, policy: policy.retry, now, recheckAfterMs: policy.recheckAfterMs });

  const previousSuccess = settledSuccess(input.previousStatus, desired.configDigest);
  const previousFailure = recordedFailure(input.previousStatus, desired.configDigest);
  const outcome = summarizeOutcome({
    cluster: desired.cluster,
    release,
    performed: action,
    ...(error ? { error } : {}),
    after,
    next,
    failures: retry.failures,
    policy: policy.retry,
    ...(previousSuccess ? { previousSuccess } : {}),
    ...(previousFailure ? { previousFailure } : {}),
    ...(retry.lastFailureMessage ? { lastFailureMessage: retry.lastFailureMessage } : {}),
    ...(next.reason === 'RetriesExhausted' ? { retryAt: exhaustedRetryDue(retry, policy.retry)?.toISOString() } : {}),
  });
  const status = buildExtensionStatus({
    ...statusBase,
    ...(written ? { previous: written } : {}),
    ...(observed && observed.status !== 'uninstalled' && cluster.reachable ? { release: { ...releaseStatusOf(observed), extensionType: desired.extensionType } } : previousRelease(input.previousStatus, cluster)),
    inSync: after.kind === 'in-sync',
    attempted: performed,
    ...retryFields(retry),
    outcome,
  });
  const writeStatus = !isStatusEqual(written, status);

  const events: ReleaseEvent[] = [];
  if (performed) {
    events.push({ type: error ? 'Warning' : 'Normal', reason: outcome.reason, message: outcome.message });
  } else if (writeStatus && outcome.phase === 'stalled') {
    events.push({ type: 'Warning', reason: outcome.reason, message: outcome.message });
  }

  return {
    result: performed || writeStatus ? 'changed' : 'unchanged',
    action,
    before,
    after,
    ...(observed ? { observed } : {}),
    status,
    writeStatus,
    events,
    ...requeueFor(next),
  };
}

/**
 * A failed install, upgrade or rollback, said with the objects that were not ready and why (their
 * own conditions) before helm's words, which for a wait that ran out are only "context deadline
 * exceeded". When the objects cannot be read, helm's error stands alone.
 */
async function explainFailure(action: ReleaseAction, error: ClusterextError, readObjects: ReconcileReleasePorts['releaseObjects'], uninstalled: ReleaseObject[] | undefined): Promise<ClusterextError> {
  const operation = operationOf(action);
  if (!readObjects || operation === undefined) return error;
  let unready: string | undefined;
  try {
    unready = await waitingForReader(operation, readObjects, uninstalled)();
  } catch {
    return error;
  }
  return unready ? new ClusterextError(error.code, `${unready} ${error.message}`, { ...error.data }, { cause: error }) : error;
}

/**
 * What an operation is still waiting for, as a sentence (undefined when nothing): the objects not
 * ready yet, or for an uninstall the objects read before it that still exist.
 */
function waitingForReader(operation: OperationAction, readObjects: NonNullable<ReconcileReleasePorts['releaseObjects']>, uninstalled: ReleaseObject[] | undefined): () => Promise<string | undefined> {
  if (operation === 'uninstall') return async () => (uninstalled && uninstalled.length > 0 ? formatRemainingObjects(await readObjects(uninstalled)) : undefined);
  return async () => formatUnreadyObjects(await readObjects());
}

interface ProgressWatcher {
  /** Stops looking and waits for a status write under way, so no write lands after the final one. */
  stop(): Promise<void>;
}

/**
 * Looks at what an operation waits for every `intervalMs` while it runs and writes it when it
 * changed. Best effort: a read or write that fails is skipped, the operation goes on.
 */
function watchProgress(o: { intervalMs: number; sleep: NonNullable<Clock['sleep']>; waitingFor: () => Promise<string | undefined>; write: (waitingFor: string | undefined) => Promise<void> }): ProgressWatcher {
  const abort = new AbortController();
  const loop = (async () => {
    let last: string | undefined;
    for (;;) {
      await o.sleep(o.intervalMs, abort.signal);
      if (abort.signal.aborted) return;
      let waitingFor: string | undefined;
      try {
        waitingFor = await o.waitingFor();
      } catch {
        continue;
      }
      if (abort.signal.aborted) return;
      if (waitingFor === last) continue;
      last = waitingFor;
      await o.write(waitingFor).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

/** The operation an action starts, for the in-progress status; unlock is one quick storage write. */
function operationOf(action: ReleaseAction): OperationAction | undefined {
  switch (action.action) {
    case 'install':
    case 'upgrade':
    case 'rollback':
    case 'uninstall':
      return action.action;
    default:
      return undefined;
  }
}

async function observe(cluster: ClusterFacts, storage: ReleaseStoragePort): Promise<{ cluster: ClusterFacts; observed?: ObservedRelease }> {
  if (!cluster.reachable) return { cluster };
  try {
    const observed = await storage.readLatest();
    return observed ? { cluster, observed } : { cluster };
  } catch (err) {
    // The cluster was reachable when its facts were read but is not now: report it as such rather
    // than fail the whole sync.
    return { cluster: { reachable: false, reason: 'Unknown', message: asClusterextError(err).message } };
  }
}

const SUCCESS_REASONS: readonly ConditionReason[] = ['InstallSucceeded', 'UpgradeSucceeded', 'ReconciliationSucceeded'];

/** The success recorded by the previous status, when it was for this configuration. */
function settledSuccess(previous: ExtensionStatus | undefined, configDigest: string): { reason: ConditionReason; message: string } | undefined {
  if (previous?.configDigest !== configDigest) return undefined;
  const reconciling = findCondition(previous.conditions, 'Reconciling');
  if (reconciling?.status !== 'False' || !SUCCESS_REASONS.includes(reconciling.reason)) return undefined;
  return { reason: reconciling.reason, message: reconciling.message };
}

const FAILURE_REASONS: readonly ConditionReason[] = ['InstallFailed', 'UpgradeFailed', 'RollbackFailed', 'UninstallFailed', 'UnlockFailed'];

/** The failure the previous status recorded for this configuration, while its retry is pending. */
function recordedFailure(previous: ExtensionStatus | undefined, configDigest: string): { reason: ConditionReason; message: string } | undefined {
  if (previous?.lastAttemptedConfigDigest !== configDigest) return undefined;
  const reconciling = findCondition(previous.conditions, 'Reconciling');
  if (reconciling?.status !== 'True' || !FAILURE_REASONS.includes(reconciling.reason)) return undefined;
  return { reason: reconciling.reason, message: reconciling.message };
}

function releaseStatusOf(o: ObservedRelease) {
  return { name: o.name, namespace: o.namespace, revision: o.revision, status: o.status, chartVersion: o.chartVersion, chart: o.chartName };
}

/** While the cluster cannot be read, the last known release stays on the status. */
function previousRelease(previous: ExtensionStatus | undefined, cluster: ClusterFacts) {
  if (cluster.reachable || !previous?.release || previous.installedVersion === undefined) return {};
  return { release: { ...previous.release, chartVersion: previous.installedVersion } };
}

function retryFields(retry: RetryState): { failures: number; lastFailureTime?: string; lastFailureMessage?: string } {
  return {
    failures: retry.failures,
    ...(retry.lastFailureTime ? { lastFailureTime: retry.lastFailureTime } : {}),
    ...(retry.lastFailureMessage ? { lastFailureMessage: retry.lastFailureMessage } : {}),
  };
}

function requeueFor(next: ReleaseAction): { requeueAfterMs?: number } {
  if (next.action === 'none') return {};
  if (next.action === 'wait') return { requeueAfterMs: next.requeueAfterMs };
  return { requeueAfterMs: 0 };
}

function asClusterextError(err: unknown): ClusterextError {
  if (err instanceof ClusterextError) return err;
  return new ClusterextError('ReconcileFailed', err instanceof Error ? err.message : String(err));
}
