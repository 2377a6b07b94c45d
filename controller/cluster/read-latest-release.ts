import type { ObservedRelease } from '../reconcile/observed-release.js';
import { expectOk, type KubeRest } from '../runtime/kube-rest.js';
import { customLabels, decodeReleaseSecret, toReleaseStatus, type HelmSecret, type ReleaseRecord } from './release-record.js';

export interface ReleaseKey {
  namespace: string;
  name: string;
}

export interface ReadReleaseOptions {
  /**
   * Paths (e.g. `[['db', 'password']]`) of the protected settings. Only when given is `config`
   * returned, with the value at each path replaced by [REDACTED]: the stored values include the
   * protected ones, and a reader that does not know which they are must not see any.
   */
  redactPaths?: readonly (readonly string[])[];
}

export const REDACTED_VALUE = '[REDACTED]';

/**
 * What the metadata of one storage Secret says of its revision: enough to find the latest revision
 * and the rollback target without decoding anything.
 */
export interface ReleaseRevisionHead {
  secretName: string;
  revision: number;
  /** Helm's `status` label (the same as the record's info.status). */
  status: string;
  labels: Record<string, string>;
  resourceVersion?: string;
}

/**
 * The latest revision of a Helm release, read from Helm's storage Secrets with one list request
 * (no helm process), or undefined when Helm has no record of the release. Only the latest revision
 * is decoded; the rollback target comes from the status labels of the others.
 */
export async function readLatestRelease(
  kube: KubeRest,
  key: ReleaseKey,
  options: ReadReleaseOptions = {},
  /** Given the latest Secret and its decoded record, e.g. to keep them in a ReleaseRecordCache. */
  seen?: (secret: HelmSecret, record: ReleaseRecord) => void,
): Promise<ObservedRelease | undefined> {
  const revisions = await listReleaseRevisions(kube, key);
  const latest = revisions[0];
  if (latest === undefined) return undefined;
  const { observed, record } = observeReleaseSecret(latest, key, { ...options, olderRevisions: revisions.slice(1).map((r) => revisionHead(r.secret, r.revision)) });
  seen?.(latest.secret, record);
  return observed;
}

/**
 * The release as the reconciler observes it, from its revisions (newest first, as listed) and the
 * decoded record of the newest. One function for both ways of reading storage (a list per release,
 * or one metadata list per cluster and a record cache: cluster-release-heads.ts).
 */
export function observedRelease(key: ReleaseKey, revisions: readonly ReleaseRevisionHead[], record: ReleaseRecord, options: ReadReleaseOptions = {}): ObservedRelease {
  const latest = revisions[0]!;
  const meta = record.chart?.metadata ?? {};
  const previous = revisions.slice(1).find((r) => ['deployed', 'superseded'].includes(r.status));
  const observed: ObservedRelease = {
    name: record.name ?? key.name,
    namespace: record.namespace ?? key.namespace,
    revision: latest.revision,
    status: toReleaseStatus(record.info?.status),
    chartName: meta.name ?? '',
    chartVersion: meta.version ?? '',
    labels: { ...record.labels, ...customLabels(latest.labels) },
  };
  if (meta.appVersion) observed.appVersion = meta.appVersion;
  if (record.info?.last_deployed) observed.lastDeployed = record.info.last_deployed;
  if (previous) observed.previousDeployedRevision = previous.revision;
  if (options.redactPaths) observed.config = redact(record.config ?? {}, options.redactPaths);
  return observed;
}

/**
 * The latest storage Secret of a release, decoded and observed as the reconciler observes it, and
 * the manifest helm rendered for it (which the caller must never print: it can hold protected
 * settings). The one way a Secret read whole becomes an ObservedRelease: the reconciler's
 * readLatestRelease (with the heads of the older revisions, for the rollback target) and the drift
 * engine (the latest Secret of a cluster-wide list, no older heads) both come here.
 */
export function observeReleaseSecret(
  latest: { secret: HelmSecret; revision: number },
  key: ReleaseKey,
  options: ReadReleaseOptions & { olderRevisions?: readonly ReleaseRevisionHead[] } = {},
): { observed: ObservedRelease; manifest: string; record: ReleaseRecord } {
  const record = decodeReleaseSecret(latest.secret);
  const observed = observedRelease(key, [revisionHead(latest.secret, latest.revision), ...(options.olderRevisions ?? [])], record, options.redactPaths ? { redactPaths: options.redactPaths } : {});
  return { observed, manifest: typeof record.manifest === 'string' ? record.manifest : '', record };
}

/**
 * The latest storage Secret of every Helm release in the cluster (or in one namespace), with one
 * list request, keyed `<namespace>/<name>`. Nothing is decoded here.
 */
export async function listLatestReleaseSecrets(kube: KubeRest, namespace?: string): Promise<Map<string, { secret: HelmSecret; revision: number }>> {
  const selector = encodeURIComponent('owner=helm');
  const where = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  const list = expectOk(
    await kube.request<{ items: HelmSecret[] }>({ method: 'GET', path: `/api/v1${where}/secrets?labelSelector=${selector}` }),
    namespace === undefined ? 'Listing the Helm release records of the cluster' : `Listing the Helm release records in namespace "${namespace}"`,
  );
  const latest = new Map<string, { secret: HelmSecret; revision: number }>();
  for (const secret of list.items) {
    if (secret.type !== undefined && secret.type !== 'helm.sh/release.v1') continue;
    const revision = Number(secret.metadata.labels?.version);
    const name = secret.metadata.labels?.name;
    if (!Number.isInteger(revision) || revision <= 0 || name === undefined) continue;
    const key = `${secret.metadata.namespace ?? namespace ?? ''}/${name}`;
    const known = latest.get(key);
    if (known === undefined || known.revision < revision) latest.set(key, { secret, revision });
  }
  return latest;
}

export function revisionHead(secret: Pick<HelmSecret, 'metadata'>, revision: number): ReleaseRevisionHead {
  const labels = secret.metadata.labels ?? {};
  return {
    secretName: secret.metadata.name,
    revision,
    status: labels.status ?? '',
    labels,
    ...(secret.metadata.resourceVersion !== undefined ? { resourceVersion: secret.metadata.resourceVersion } : {}),
  };
}

/** The storage Secrets of a release, newest revision first, with one list request. */
export async function listReleaseRevisions(kube: KubeRest, key: ReleaseKey): Promise<{ secret: HelmSecret; revision: number }[]> {
  const selector = encodeURIComponent(`owner=helm,name=${key.name}`);
  const list = expectOk(
    await kube.request<{ items: HelmSecret[] }>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(key.namespace)}/secrets?labelSelector=${selector}` }),
    `Listing the Helm records of release "${key.namespace}/${key.name}"`,
  );
  return list.items
    .filter((s) => s.type === undefined || s.type === 'helm.sh/release.v1')
    .map((secret) => ({ secret, revision: Number(secret.metadata.labels?.version) }))
    .filter((r) => Number.isInteger(r.revision) && r.revision > 0)
    .sort((a, b) => b.revision - a.revision);
}

function redact(config: Record<string, unknown>, paths: readonly (readonly string[])[]): Record<string, unknown> {
  const copy = structuredClone(config);
  for (const path of paths) {
    let node: unknown = copy;
    for (const [i, segment] of path.entries()) {
      if (typeof node !== 'object' || node === null || !(segment in node)) break;
      const holder = node as Record<string, unknown>;
      if (i === path.length - 1) holder[segment] = REDACTED_VALUE;
      else node = holder[segment];
    }
  }
  return copy;
}
