import type { ReleaseStoragePort } from '../reconcile/release-ports.js';
import type { KubeRest } from '../runtime/kube-rest.js';
import { readLatestFromHeads, type ClusterReleaseHeads, type ReleaseRecordCache } from './cluster-release-heads.js';
import { markReleaseFailed } from './mark-release-failed.js';
import { readLatestRelease, type ReadReleaseOptions, type ReleaseKey } from './read-latest-release.js';

/**
 * Helm's storage of one release on one cluster, as the reconciler's storage port. With the
 * cluster's heads listed at the start of the pass, the first read comes from them and the record
 * cache; every later read (after helm acted) lists the release's own Secrets afresh, and the cache
 * keeps what it read, so the next pass does not fetch the release again.
 */
export function createReleaseStorage(
  kube: KubeRest,
  key: ReleaseKey,
  options: ReadReleaseOptions = {},
  pass?: { heads?: ClusterReleaseHeads; records: ReleaseRecordCache },
): ReleaseStoragePort {
  let heads = pass?.heads;
  const records = pass?.records;
  return {
    readLatest: () => {
      const listed = heads;
      heads = undefined;
      if (listed && records) return readLatestFromHeads(kube, key, { heads: listed, records }, options);
      return readLatestRelease(kube, key, options, records ? (secret, record) => records.remember(key.namespace, secret, record) : undefined);
    },
    markFailed: (revision) => markReleaseFailed(kube, { ...key, revision }),
  };
}
