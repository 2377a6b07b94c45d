import type { ReleaseStoragePort } from '../reconcile/release-ports.js';
import type { KubeRest } from '../runtime/kube-rest.js';
import { markReleaseFailed } from './mark-release-failed.js';
import { readLatestRelease, type ReadReleaseOptions, type ReleaseKey } from './read-latest-release.js';

/** Helm's storage of one release on one cluster, as the reconciler's storage port. */
export function createReleaseStorage(kube: KubeRest, key: ReleaseKey, options: ReadReleaseOptions = {}): ReleaseStoragePort {
  return {
    readLatest: () => readLatestRelease(kube, key, options),
    markFailed: (revision) => markReleaseFailed(kube, { ...key, revision }),
  };
}
