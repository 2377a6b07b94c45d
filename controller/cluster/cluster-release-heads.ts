import type { ObservedRelease } from '../reconcile/observed-release.js';
import type { KubeRest } from '../runtime/kube-rest.js';
import { observedRelease, readLatestRelease, revisionHead, type ReadReleaseOptions, type ReleaseKey, type ReleaseRevisionHead } from './read-latest-release.js';
import { decodeReleaseSecret, type HelmSecret, type ReleaseRecord } from './release-record.js';

/**
 * Every Helm release on one cluster, as the metadata of its storage Secrets, from ONE list request
 * (a PartialObjectMetadataList: labels and resourceVersions, no release data). A pass reads this once
 * per cluster instead of one list per release; only a release whose latest Secret changed since the
 * last pass is fetched and decoded again (ReleaseRecordCache).
 */
export interface ClusterReleaseHeads {
  /** When the list was taken (epoch ms): a caller uses it only while it is fresh. */
  takenAt: number;
  /** The revisions of the release, newest first; empty when Helm has no record of it. */
  revisionsOf(key: ReleaseKey): readonly ReleaseRevisionHead[];
  /** Every listed storage Secret, as `namespace/secretName` → resourceVersion. */
  readonly secrets: ReadonlyMap<string, string | undefined>;
}

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/**
 * Lists Helm's storage Secrets of every namespace. Undefined when the list is not allowed (the
 * controller's credentials may only reach the release namespaces) or fails otherwise: the caller
 * then reads each release on its own, as before, and that read reports any error.
 */
export async function listClusterReleaseHeads(kube: KubeRest, now: number): Promise<ClusterReleaseHeads | undefined> {
  let items: Pick<HelmSecret, 'metadata' | 'type'>[];
  try {
    const res = await kube.request<{ items?: Pick<HelmSecret, 'metadata' | 'type'>[] }>({ method: 'GET', path: `/api/v1/secrets?labelSelector=${encodeURIComponent('owner=helm')}`, accept: METADATA_LIST });
    if (res.status !== 200 || !Array.isArray(res.body.items)) return undefined;
    items = res.body.items;
  } catch {
    return undefined;
  }
  const byRelease = new Map<string, ReleaseRevisionHead[]>();
  const secrets = new Map<string, string | undefined>();
  for (const item of items) {
    // Metadata lists carry no `type`; Helm's own labels and name pattern identify its Secrets.
    const labels = item.metadata.labels ?? {};
    const namespace = item.metadata.namespace ?? '';
    const revision = Number(labels.version);
    if (!labels.name || !Number.isInteger(revision) || revision <= 0 || !item.metadata.name.startsWith('sh.helm.release.v1.')) continue;
    const key = `${namespace}/${labels.name}`;
    const list = byRelease.get(key) ?? [];
    list.push(revisionHead(item, revision));
    byRelease.set(key, list);
    secrets.set(`${namespace}/${item.metadata.name}`, item.metadata.resourceVersion);
  }
  for (const list of byRelease.values()) list.sort((a, b) => b.revision - a.revision);
  return { takenAt: now, revisionsOf: (key) => byRelease.get(`${key.namespace}/${key.name}`) ?? [], secrets };
}

/** The part of a release record the reconciler reads; the manifest and chart files are not kept. */
type KeptRecord = Pick<ReleaseRecord, 'name' | 'namespace' | 'version' | 'info' | 'config' | 'labels'> & { chart?: { metadata?: NonNullable<ReleaseRecord['chart']>['metadata'] } };

function keep(full: ReleaseRecord): KeptRecord {
  return {
    name: full.name,
    namespace: full.namespace,
    version: full.version,
    ...(full.info ? { info: full.info } : {}),
    ...(full.config ? { config: full.config } : {}),
    ...(full.labels ? { labels: full.labels } : {}),
    ...(full.chart?.metadata ? { chart: { metadata: full.chart.metadata } } : {}),
  };
}

/**
 * Decoded release records of one cluster by storage Secret and resourceVersion. A Secret whose
 * resourceVersion is unchanged holds the same record (Helm rewrites the Secret to change it), so a
 * release at rest is neither fetched nor decoded again.
 */
export class ReleaseRecordCache {
  private readonly entries = new Map<string, { resourceVersion: string; record: KeptRecord }>();

  /** The record of a listed revision: from the cache, or one GET of its Secret; undefined when it is gone. */
  async recordOf(kube: KubeRest, namespace: string, head: ReleaseRevisionHead): Promise<ReleaseRecord | undefined> {
    const id = `${namespace}/${head.secretName}`;
    const cached = this.entries.get(id);
    if (cached && head.resourceVersion !== undefined && cached.resourceVersion === head.resourceVersion) return cached.record as ReleaseRecord;
    const res = await kube.request<HelmSecret>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(head.secretName)}` });
    if (res.status !== 200) return undefined;
    const kept = keep(decodeReleaseSecret(res.body));
    const resourceVersion = res.body.metadata.resourceVersion;
    if (resourceVersion !== undefined && resourceVersion === head.resourceVersion) this.entries.set(id, { resourceVersion, record: kept });
    return kept as ReleaseRecord;
  }

  /**
   * Keeps a record read some other way (the reconciler's read after a helm operation), so the next
   * pass finds the release unchanged without fetching its Secret again.
   */
  remember(namespace: string, secret: Pick<HelmSecret, 'metadata'>, record: ReleaseRecord): void {
    const resourceVersion = secret.metadata.resourceVersion;
    if (resourceVersion === undefined) return;
    this.entries.set(`${namespace}/${secret.metadata.name}`, { resourceVersion, record: keep(record) });
  }

  /** Forgets the records of Secrets the latest list no longer holds as cached (changed, pruned, released gone). */
  retain(heads: ClusterReleaseHeads): void {
    for (const [id, entry] of this.entries) if (heads.secrets.get(id) !== entry.resourceVersion) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The latest revision of a release from a cluster's heads and record cache: no request when the
 * release is unchanged since the record was cached. Falls back to a list of its own when the
 * latest Secret vanished between the cluster list and the GET.
 */
export async function readLatestFromHeads(
  kube: KubeRest,
  key: ReleaseKey,
  pass: { heads: ClusterReleaseHeads; records: ReleaseRecordCache },
  options: ReadReleaseOptions = {},
): Promise<ObservedRelease | undefined> {
  const revisions = pass.heads.revisionsOf(key);
  const latest = revisions[0];
  if (latest === undefined) return undefined;
  const record = await pass.records.recordOf(kube, key.namespace, latest);
  if (record === undefined) return readLatestRelease(kube, key, options);
  return observedRelease(key, revisions, record, options);
}
