/**
 * One object of a Helm release as the cluster has it now, for telling whether it is ready. The
 * adapter reads only kinds whose readiness is known here (workloads, Jobs, Pods, CRDs, claims,
 * Services) and never Secrets or ConfigMaps, so nothing here can hold values.
 */
export interface ReleaseObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** Set for a Helm hook: its events (`pre-upgrade`, …) and the phase Helm recorded for its last run. */
  hook?: { events: string[]; phase?: string };
  /** The live object; undefined when the cluster has no such object. */
  live?: LiveObject;
}

export interface LiveObject {
  metadata?: { generation?: number; deletionTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/**
 * The readiness of one object in kstatus terms: `current` (ready), `in-progress` (may still become
 * ready) or `failed` (will not without a change). `reason` completes a sentence that starts with the
 * object's kind and name ("… has 0 of 1 replicas available"), from its own status and conditions.
 */
export type ObjectReadiness = { state: 'current' } | { state: 'in-progress' | 'failed'; reason: string };

interface StatusCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const CURRENT: ObjectReadiness = { state: 'current' };

/** kstatus's rules (sigs.k8s.io/cli-utils/pkg/kstatus) for the kinds a chart typically holds. */
export function objectReadiness(object: ReleaseObject): ObjectReadiness {
  if (object.hook) return hookReadiness(object);
  const live = object.live;
  if (live === undefined) return { state: 'in-progress', reason: 'does not exist' };
  if (live.metadata?.deletionTimestamp) return { state: 'in-progress', reason: 'is being deleted' };
  const status = live.status ?? {};
  const generation = live.metadata?.generation;
  const observed = num(status.observedGeneration);
  if (generation !== undefined && observed !== undefined && observed < generation && object.kind !== 'CustomResourceDefinition') {
    return { state: 'in-progress', reason: `has generation ${generation}, which its controller has not observed yet (observed ${observed})` };
  }
  switch (object.kind) {
    case 'Deployment':
      return deploymentReadiness(live);
    case 'StatefulSet':
      return statefulSetReadiness(live);
    case 'DaemonSet':
      return daemonSetReadiness(live);
    case 'ReplicaSet':
      return replicasReadiness(num(live.spec?.replicas) ?? 1, num(status.availableReplicas) ?? 0, 'available', conditionsOf(live));
    case 'Job':
      return jobReadiness(live);
    case 'Pod':
      return podReadiness(live);
    case 'CustomResourceDefinition':
      return crdReadiness(live);
    case 'PersistentVolumeClaim':
      return status.phase === 'Bound' ? CURRENT : { state: 'in-progress', reason: `is ${typeof status.phase === 'string' ? status.phase : 'not bound'}, not Bound` };
    case 'Service':
      return serviceReadiness(live);
    default:
      return genericReadiness(live);
  }
}

/** `Deployment "ns/web": 0 of 1 replicas available (…)` for each object that is not ready, failed ones first. */
export function describeUnreadyObjects(objects: readonly ReleaseObject[]): string[] {
  const unready = objects
    .map((o) => ({ o, r: objectReadiness(o) }))
    .filter((x): x is { o: ReleaseObject; r: Exclude<ObjectReadiness, { state: 'current' }> } => x.r.state !== 'current');
  unready.sort((a, b) => (a.r.state === b.r.state ? 0 : a.r.state === 'failed' ? -1 : 1));
  return unready.map(({ o, r }) => `${describeObject(o)} ${r.reason}`);
}

/** A whole sentence naming what was not ready, or undefined when everything is. */
export function formatUnreadyObjects(objects: readonly ReleaseObject[], limit = 5): string | undefined {
  const lines = describeUnreadyObjects(objects);
  if (lines.length === 0) return undefined;
  const shown = lines.slice(0, limit);
  const more = lines.length > limit ? `; and ${lines.length - limit} more` : '';
  return `Not ready: ${shown.join('; ')}${more}.`;
}

/**
 * A whole sentence naming the objects of an uninstalled release that still exist, or undefined
 * when all are gone. Hooks are left out: helm does not delete a hook on uninstall unless its
 * delete policy says so, and never waits for it.
 */
export function formatRemainingObjects(objects: readonly ReleaseObject[], limit = 5): string | undefined {
  const lines = objects.filter((o) => !o.hook && o.live !== undefined).map((o) => `${describeObject(o)}${o.live?.metadata?.deletionTimestamp ? ' is being deleted' : ' still exists'}`);
  if (lines.length === 0) return undefined;
  const shown = lines.slice(0, limit);
  const more = lines.length > limit ? `; and ${lines.length - limit} more` : '';
  return `Not deleted yet: ${shown.join('; ')}${more}.`;
}

function describeObject(o: ReleaseObject): string {
  const name = o.namespace ? `${o.namespace}/${o.name}` : o.name;
  const hook = o.hook ? ` (${o.hook.events.join(', ')} hook)` : '';
  return `${o.kind} "${name}"${hook}`;
}

function hookReadiness(object: ReleaseObject): ObjectReadiness {
  const phase = object.hook?.phase;
  if (phase === 'Failed') {
    const failed = object.live ? findTrue(conditionsOf(object.live), 'Failed') : undefined;
    return { state: 'failed', reason: failed ? `failed: ${conditionText(failed)}` : 'failed (Helm recorded its last run as Failed)' };
  }
  if (phase === 'Succeeded') return CURRENT;
  // A hook that has not run, or whose object was deleted after it ran, says nothing about readiness.
  if (object.live === undefined) return CURRENT;
  return objectReadiness({ ...object, hook: undefined } as ReleaseObject);
}

function deploymentReadiness(live: LiveObject): ObjectReadiness {
  const status = live.status ?? {};
  const conditions = conditionsOf(live);
  const replicas = num(live.spec?.replicas) ?? 1;
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', reason: `has ${num(status.availableReplicas) ?? 0} of ${replicas} replicas available and stopped progressing (${conditionText(progressing)})` };
  }
  const updated = num(status.updatedReplicas) ?? 0;
  if (updated < replicas) return { state: 'in-progress', reason: `has ${updated} of ${replicas} replicas updated${why(conditions, 'Available')}` };
  const total = num(status.replicas) ?? 0;
  // Old replicas are scaled down as updated ones become available: while they remain, the
  // updated ones are not (all) available, which is what the user needs to hear.
  if (total > updated) return { state: 'in-progress', reason: `has ${total - updated} old replicas still running while its updated replicas are not all available` };
  return replicasReadiness(replicas, num(status.availableReplicas) ?? 0, 'available', conditions);
}

function statefulSetReadiness(live: LiveObject): ObjectReadiness {
  const status = live.status ?? {};
  const replicas = num(live.spec?.replicas) ?? 1;
  const ready = num(status.readyReplicas) ?? 0;
  if (ready < replicas) return { state: 'in-progress', reason: `has ${ready} of ${replicas} replicas ready` };
  const strategy = (live.spec?.updateStrategy as { type?: string } | undefined)?.type ?? 'RollingUpdate';
  if (strategy === 'RollingUpdate') {
    const updated = num(status.updatedReplicas) ?? 0;
    if (updated < replicas) return { state: 'in-progress', reason: `has ${updated} of ${replicas} replicas updated` };
    if (status.currentRevision !== status.updateRevision) return { state: 'in-progress', reason: `is rolling out revision "${String(status.updateRevision)}"` };
  }
  return CURRENT;
}

function daemonSetReadiness(live: LiveObject): ObjectReadiness {
  const status = live.status ?? {};
  const desired = num(status.desiredNumberScheduled) ?? 0;
  const updated = num(status.updatedNumberScheduled) ?? 0;
  if (updated < desired) return { state: 'in-progress', reason: `has ${updated} of ${desired} pods updated` };
  const available = num(status.numberAvailable) ?? 0;
  if (available < desired) return { state: 'in-progress', reason: `has ${available} of ${desired} pods available` };
  return CURRENT;
}

function replicasReadiness(replicas: number, available: number, word: string, conditions: StatusCondition[]): ObjectReadiness {
  return available < replicas ? { state: 'in-progress', reason: `has ${available} of ${replicas} replicas ${word}${why(conditions, 'Available')}` } : CURRENT;
}

function jobReadiness(live: LiveObject): ObjectReadiness {
  const conditions = conditionsOf(live);
  const failed = findTrue(conditions, 'Failed');
  if (failed) return { state: 'failed', reason: `failed: ${conditionText(failed)}` };
  if (findTrue(conditions, 'Complete')) return CURRENT;
  const status = live.status ?? {};
  return { state: 'in-progress', reason: `has not completed (${num(status.active) ?? 0} active, ${num(status.succeeded) ?? 0} succeeded, ${num(status.failed) ?? 0} failed pods)` };
}

function podReadiness(live: LiveObject): ObjectReadiness {
  const status = live.status ?? {};
  const phase = typeof status.phase === 'string' ? status.phase : 'Pending';
  if (phase === 'Succeeded') return CURRENT;
  const detail = [typeof status.reason === 'string' ? status.reason : undefined, typeof status.message === 'string' ? status.message : undefined, containerProblem(status)].filter(Boolean).join(': ');
  if (phase === 'Failed') return { state: 'failed', reason: `is Failed${detail ? ` (${detail})` : ''}` };
  if (phase === 'Running' && findTrue(conditionsOf(live), 'Ready')) return CURRENT;
  return { state: 'in-progress', reason: `is ${phase} and not Ready${detail ? ` (${detail})` : why(conditionsOf(live), 'Ready')}` };
}

function containerProblem(status: Record<string, unknown>): string | undefined {
  const containers = Array.isArray(status.containerStatuses) ? (status.containerStatuses as { name?: string; state?: Record<string, { reason?: string; message?: string; exitCode?: number }> }[]) : [];
  for (const c of containers) {
    const state = c.state?.waiting ?? c.state?.terminated;
    if (state?.reason) return `container "${c.name ?? '?'}" ${state.reason}${state.message ? `: ${state.message}` : ''}`;
  }
  return undefined;
}

function crdReadiness(live: LiveObject): ObjectReadiness {
  const conditions = conditionsOf(live);
  const names = conditions.find((c) => c.type === 'NamesAccepted');
  if (names?.status === 'False') return { state: 'failed', reason: `has names that were not accepted (${conditionText(names)})` };
  if (findTrue(conditions, 'Established')) return CURRENT;
  return { state: 'in-progress', reason: `is not established yet${why(conditions, 'Established')}` };
}

function serviceReadiness(live: LiveObject): ObjectReadiness {
  if (live.spec?.type !== 'LoadBalancer') return CURRENT;
  const ingress = (live.status?.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
  return Array.isArray(ingress) && ingress.length > 0 ? CURRENT : { state: 'in-progress', reason: 'has no load balancer address yet' };
}

function genericReadiness(live: LiveObject): ObjectReadiness {
  const conditions = conditionsOf(live);
  const stalled = findTrue(conditions, 'Stalled');
  if (stalled) return { state: 'failed', reason: `is Stalled (${conditionText(stalled)})` };
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True') return { state: 'in-progress', reason: `is not Ready (${conditionText(ready)})` };
  return CURRENT;
}

function conditionsOf(live: LiveObject): StatusCondition[] {
  const conditions = live.status?.conditions;
  return Array.isArray(conditions) ? (conditions as StatusCondition[]) : [];
}

function findTrue(conditions: StatusCondition[], type: string): StatusCondition | undefined {
  return conditions.find((c) => c.type === type && c.status === 'True');
}

/** ` (Available=False, MinimumReplicasUnavailable: …)` when the condition is there and not True. */
function why(conditions: StatusCondition[], type: string): string {
  const c = conditions.find((x) => x.type === type);
  return c && c.status !== 'True' ? ` (${type}=${c.status ?? 'Unknown'}, ${conditionText(c)})` : '';
}

/** Longest condition message quoted; status messages stay bounded whatever a controller writes. */
const MAX_CONDITION_MESSAGE = 200;

function conditionText(c: StatusCondition): string {
  const full = (c.message ?? '').trim().replace(/\.$/, '');
  const message = full.length > MAX_CONDITION_MESSAGE ? `${full.slice(0, MAX_CONDITION_MESSAGE - 1)}…` : full;
  return [c.reason, message].filter((x) => x).join(': ') || `${c.type ?? 'condition'} is ${c.status ?? 'Unknown'}`;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
