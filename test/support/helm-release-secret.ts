import { gunzipSync } from 'node:zlib';
import type { V1Secret } from '@kubernetes/client-node';

/** The parts of a Helm release record (as Helm stores it) that the tests look at. */
export interface HelmReleaseRecord {
  name: string;
  namespace: string;
  /** The revision. */
  version: number;
  info: { status: string; description?: string };
  chart: { metadata: { name: string; version: string; appVersion?: string } };
  /** The user-supplied values of this revision. */
  config?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `sh.helm.release.v1.<release>.v<revision>`: the Secret name Helm's default storage driver uses. */
export function helmReleaseSecretName(release: string, revision: number): string {
  return `sh.helm.release.v1.${release}.v${revision}`;
}

/**
 * Decodes the release record in a Helm storage Secret. The Secret's `release` key holds base64
 * (Helm's own) of gzip of JSON; the Kubernetes API adds its usual base64 of Secret data on top.
 */
export function decodeHelmReleaseSecret(secret: V1Secret): HelmReleaseRecord {
  const data = secret.data?.release;
  if (!data) throw new Error(`Secret "${secret.metadata?.name}" has no "release" key; it is not a Helm release record.`);
  const helmEncoded = Buffer.from(data, 'base64').toString('utf8');
  return JSON.parse(gunzipSync(Buffer.from(helmEncoded, 'base64')).toString('utf8')) as HelmReleaseRecord;
}
