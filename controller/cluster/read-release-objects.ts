import { parseAllDocuments } from 'yaml';
import type { LiveObject, ReleaseObject } from '../reconcile/object-readiness.js';
import type { KubeRest } from '../runtime/kube-rest.js';
import { listReleaseRevisions, type ReleaseKey } from './read-latest-release.js';
import { decodeReleaseSecret } from './release-record.js';

/** Where each kind whose readiness is known lives in the API; other kinds are not read. */
const KINDS: Readonly<Record<string, { prefix: string; plural: string; namespaced: boolean }>> = {
  Deployment: { prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  StatefulSet: { prefix: '/apis/apps/v1', plural: 'statefulsets', namespaced: true },
  DaemonSet: { prefix: '/apis/apps/v1', plural: 'daemonsets', namespaced: true },
  ReplicaSet: { prefix: '/apis/apps/v1', plural: 'replicasets', namespaced: true },
  Job: { prefix: '/apis/batch/v1', plural: 'jobs', namespaced: true },
  Pod: { prefix: '/api/v1', plural: 'pods', namespaced: true },
  PersistentVolumeClaim: { prefix: '/api/v1', plural: 'persistentvolumeclaims', namespaced: true },
  Service: { prefix: '/api/v1', plural: 'services', namespaced: true },
  CustomResourceDefinition: { prefix: '/apis/apiextensions.k8s.io/v1', plural: 'customresourcedefinitions', namespaced: false },
};

interface StoredHook {
  name?: string;
  kind?: string;
  manifest?: string;
  events?: string[];
  last_run?: { phase?: string };
}

/**
 * The objects of the latest revision of a release (its manifest and its hooks, as Helm stored
 * them) whose readiness can be told, each with its live state read from the cluster. Only
 * workloads, Jobs, Pods, claims, Services and CRDs are read, never Secrets or ConfigMaps, and of
 * each only what readiness needs is kept.
 */
export async function readReleaseObjects(kube: KubeRest, key: ReleaseKey): Promise<ReleaseObject[]> {
  return readLiveObjects(kube, await readRecordedObjects(kube, key));
}

/**
 * The live state of objects read before (`readReleaseObjects`), again: after an uninstall Helm's
 * record of the release is gone, and these are the objects waited for.
 */
export async function readLiveObjects(kube: KubeRest, objects: readonly ReleaseObject[]): Promise<ReleaseObject[]> {
  const read = await Promise.all(objects.map(async ({ live: _live, ...o }) => withLive(kube, o)));
  return read.filter((o): o is ReleaseObject => o !== undefined);
}

async function readRecordedObjects(kube: KubeRest, key: ReleaseKey): Promise<ReleaseObject[]> {
  const latest = (await listReleaseRevisions(kube, key))[0];
  if (latest === undefined) return [];
  const record = decodeReleaseSecret(latest.secret);
  const objects: ReleaseObject[] = [];
  if (typeof record.manifest === 'string') objects.push(...objectsOf(record.manifest, key.namespace));
  const hooks = Array.isArray(record.hooks) ? (record.hooks as StoredHook[]) : [];
  for (const hook of hooks) {
    for (const o of objectsOf(hook.manifest ?? '', key.namespace)) {
      objects.push({ ...o, hook: { events: [...(hook.events ?? [])], ...(hook.last_run?.phase ? { phase: hook.last_run.phase } : {}) } });
    }
  }
  return objects;
}

function objectsOf(manifest: string, releaseNamespace: string): ReleaseObject[] {
  const out: ReleaseObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const value = doc.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (!value || typeof value.kind !== 'string' || typeof value.metadata?.name !== 'string' || typeof value.apiVersion !== 'string') continue;
    const kind = KINDS[value.kind];
    if (kind === undefined) continue;
    const namespace = typeof value.metadata.namespace === 'string' ? value.metadata.namespace : releaseNamespace;
    out.push({ apiVersion: value.apiVersion, kind: value.kind, name: value.metadata.name, ...(kind.namespaced ? { namespace } : {}) });
  }
  return out;
}

async function withLive(kube: KubeRest, o: ReleaseObject): Promise<ReleaseObject | undefined> {
  const kind = KINDS[o.kind]!;
  const path = `${kind.prefix}${o.namespace ? `/namespaces/${encodeURIComponent(o.namespace)}` : ''}/${kind.plural}/${encodeURIComponent(o.name)}`;
  try {
    const res = await kube.request<{ metadata?: LiveObject['metadata']; spec?: Record<string, unknown>; status?: Record<string, unknown> }>({ method: 'GET', path });
    if (res.status === 404) return o;
    if (res.status >= 300) return unreadable(o);
    return { ...o, live: readinessFields(res.body) };
  } catch {
    return unreadable(o);
  }
}

/** A hook still counts by the phase Helm recorded; any other object that cannot be read says nothing. */
function unreadable(o: ReleaseObject): ReleaseObject | undefined {
  return o.hook ? o : undefined;
}

/** What readiness looks at; the rest (pod templates with their env, data) is dropped at once. */
function readinessFields(body: { metadata?: LiveObject['metadata']; spec?: Record<string, unknown>; status?: Record<string, unknown> }): LiveObject {
  const spec = body.spec ?? {};
  const metadata = body.metadata ?? {};
  return {
    metadata: { ...(metadata.generation !== undefined ? { generation: metadata.generation } : {}), ...(metadata.deletionTimestamp ? { deletionTimestamp: metadata.deletionTimestamp } : {}) },
    spec: { ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}), ...(spec.type !== undefined ? { type: spec.type } : {}), ...(spec.updateStrategy !== undefined ? { updateStrategy: spec.updateStrategy } : {}) },
    ...(body.status ? { status: body.status } : {}),
  };
}
