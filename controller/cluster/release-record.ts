import { gunzipSync, gzipSync } from 'node:zlib';
import { ClusterextError } from '../errors/clusterext-error.js';
import { HELM_RELEASE_STATUSES, type HelmReleaseStatus } from '../reconcile/observed-release.js';

/**
 * Helm's storage format (helm.sh/helm/v4 pkg/storage/driver, "secret" driver): one Secret per
 * revision, named `sh.helm.release.v1.<name>.v<revision>`, type `helm.sh/release.v1`, labelled
 * owner=helm, name, status, version; `data.release` is base64(gzip(JSON of the release)), which the
 * Kubernetes API base64-encodes once more like any Secret data. Custom release labels
 * (`--labels`) are stored as further labels on the Secret.
 */
export const HELM_SYSTEM_LABELS = ['name', 'owner', 'status', 'version', 'createdAt', 'modifiedAt'] as const;

export interface HelmSecret {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  type?: string;
  data?: Record<string, string>;
}

/** The fields of Helm's release JSON that clusterext reads; everything else is left alone. */
export interface ReleaseRecord {
  name: string;
  namespace: string;
  version: number;
  info?: { status?: string; last_deployed?: string; first_deployed?: string; description?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
  config?: Record<string, unknown>;
  labels?: Record<string, string>;
  [other: string]: unknown;
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

/** Decodes the release JSON in a Helm storage Secret as returned by the Kubernetes API. */
export function decodeReleaseSecret(secret: HelmSecret): ReleaseRecord {
  const encoded = secret.data?.release;
  if (encoded === undefined) {
    throw new ClusterextError('ReleaseRecordInvalid', `Helm storage Secret "${secret.metadata.name}" has no "release" key; it was not written by Helm.`, { secret: secret.metadata.name });
  }
  const helmPayload = Buffer.from(encoded, 'base64').toString('utf8');
  const bytes = Buffer.from(helmPayload, 'base64');
  const json = GZIP_MAGIC.every((b, i) => bytes[i] === b) ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  try {
    return JSON.parse(json) as ReleaseRecord;
  } catch {
    throw new ClusterextError('ReleaseRecordInvalid', `Helm storage Secret "${secret.metadata.name}" does not hold a readable release; inspect it with "helm history".`, { secret: secret.metadata.name });
  }
}

/** The inverse of decodeReleaseSecret's payload step: the value of `data.release` for the API. */
export function encodeReleaseData(record: ReleaseRecord): string {
  const helmPayload = gzipSync(Buffer.from(JSON.stringify(record), 'utf8')).toString('base64');
  return Buffer.from(helmPayload, 'utf8').toString('base64');
}

export function toReleaseStatus(status: string | undefined): HelmReleaseStatus {
  return (HELM_RELEASE_STATUSES as readonly string[]).includes(status ?? '') ? (status as HelmReleaseStatus) : 'unknown';
}

/** The custom labels of a release: the Secret's labels without Helm's own. */
export function customLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!(HELM_SYSTEM_LABELS as readonly string[]).includes(k)) out[k] = v;
  }
  return out;
}
