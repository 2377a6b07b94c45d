import type { DesiredRelease } from '../plan/desired-release.js';

/** Marks a Helm release as managed by clusterext; a release without it is never touched. */
export const MANAGED_BY_LABEL = 'clusterext.io/managed-by';
export const MANAGED_BY_VALUE = 'clusterext';
/** The (truncated) configDigest of the desired release that produced this revision. */
export const CONFIG_DIGEST_LABEL = 'clusterext.io/config-digest';

/**
 * Label values are at most 63 characters, a sha256 hex digest is 64; the first 40 hex characters
 * (160 bits) are kept, which is as collision-resistant as a git commit id and leaves room to spare.
 */
export const DIGEST_LABEL_LENGTH = 40;

export function digestLabelValue(configDigest: string): string {
  return configDigest.slice(0, DIGEST_LABEL_LENGTH);
}

/**
 * The labels every release clusterext installs or upgrades carries (Helm 4 `--labels`, stored on the
 * release). The digest label lets observation decide "in sync" from the release record alone, with
 * no CR read and no helm process: Helm writes it atomically with the revision it describes, so it
 * can never claim a configuration that was not applied.
 */
export function releaseLabels(desired: Pick<DesiredRelease, 'configDigest'>): Record<string, string> {
  // Cluster and type names are not added: they may be longer than the 63 characters a label
  // value allows, and the Extension CR already records them.
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [CONFIG_DIGEST_LABEL]: digestLabelValue(desired.configDigest),
  };
}

export function isManagedRelease(labels: Readonly<Record<string, string>>): boolean {
  return labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** Whether the release was produced from exactly this desired configuration. */
export function releaseMatchesDigest(labels: Readonly<Record<string, string>>, configDigest: string): boolean {
  return labels[CONFIG_DIGEST_LABEL] === digestLabelValue(configDigest);
}
