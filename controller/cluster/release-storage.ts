import type { ReleaseStoragePort } from '../reconcile/release-ports.js';
import type { KubeRest } from '../runtime/kube-rest.js';
import { readLatestFromHeads, type ClusterReleaseHeads, type ReleaseRecordCache } from './cluster-release-heads.js';
import { markReleaseFailed } from './mark-release-failed.js';
import { readLatestRelease, type ReadReleaseOptions, type ReleaseKey } from './read-latest-release.js';

/**
 * Helm's storage of one release on one cluster, as the reconciler's storage port. With `pass`
 * (the cluster's heads listed at the start of the pass), the first read comes from them and the
 * record cache; every later read (after helm acted) lists the release's own Secrets afresh.
 */
export function createReleaseStorage(
  kube: KubeRest,
  key: ReleaseKey,
  options: ReadReleaseOptions = {},
  pass?: { heads: ClusterReleaseHeads; records: ReleaseRecordCache },
): ReleaseStoragePort {
  let first = pass;
  return {
    readLatest: () => {
      const heads = first;
      first = undefined;
      return heads ? readLatestFromHeads(kube, key, heads, options) : readLatestRelease(kube, key, options);
    },
    markFailed: (revision) => markReleaseFailed(kube, { ...key, revision }),
  };
}
