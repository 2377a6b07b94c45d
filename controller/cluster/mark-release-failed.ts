import { ClusterextError } from '../errors/clusterext-error.js';
import { expectOk, type KubeRest } from '../runtime/kube-rest.js';
import { decodeReleaseSecret, encodeReleaseData, type HelmSecret } from './release-record.js';
import type { ReleaseKey } from './read-latest-release.js';

/**
 * Sets a pending revision's status to `failed` in Helm's storage, as fluxcd/helm-controller's
 * `Unlock` does: the helm CLI refuses to upgrade or roll back a release whose latest revision is
 * pending, and marking it failed (rather than deleting the record or uninstalling) keeps the history
 * and the deployed objects, and lets the usual remediation (rollback, or uninstall of a failed
 * first install) follow. The update carries the read resourceVersion, so a helm process that
 * finishes meanwhile wins and this call fails with a conflict instead of overwriting it.
 */
export async function markReleaseFailed(kube: KubeRest, key: ReleaseKey & { revision: number }, description = 'Marked failed by clusterext: the release was stuck in a pending state.'): Promise<void> {
  const path = `/api/v1/namespaces/${encodeURIComponent(key.namespace)}/secrets/${encodeURIComponent(`sh.helm.release.v1.${key.name}.v${key.revision}`)}`;
  const secret = expectOk(await kube.request<HelmSecret>({ method: 'GET', path }), `Reading revision ${key.revision} of release "${key.namespace}/${key.name}"`);
  const record = decodeReleaseSecret(secret);
  const status = record.info?.status ?? '';
  if (!status.startsWith('pending-') && status !== 'uninstalling') {
    throw new ClusterextError('ReleaseNotPending', `Revision ${key.revision} of release "${key.namespace}/${key.name}" is "${status}", not pending, so it was not marked failed.`, { ...key, status });
  }
  record.info = { ...record.info, status: 'failed', description };
  const updated: HelmSecret = {
    ...secret,
    metadata: { ...secret.metadata, labels: { ...secret.metadata.labels, status: 'failed' } },
    data: { ...secret.data, release: encodeReleaseData(record) },
  };
  expectOk(await kube.request({ method: 'PUT', path, body: updated }), `Marking revision ${key.revision} of release "${key.namespace}/${key.name}" failed`);
}
