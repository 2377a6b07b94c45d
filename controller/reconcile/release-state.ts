import type { DesiredRelease } from '../plan/desired-release.js';
import type { ClusterFacts, UnreachableReason } from './cluster-facts.js';
import type { RequirementsResult, UnmetRequirement } from './check-requirements.js';
import { isPendingStatus, type ObservedRelease } from './observed-release.js';
import { CONFIG_DIGEST_LABEL, digestLabelValue, isManagedRelease } from './release-labels.js';

/** What differs between the desired release and the deployed one. */
export type ReleaseDifference =
  | { field: 'chart'; observed: string; desired: string }
  | { field: 'version'; observed: string; desired: string }
  | { field: 'config'; observed: string | undefined; desired: string };

/**
 * The state of one release, a closed set (after fluxcd/helm-controller's ReleaseStatus). Every state
 * carries `reason`, a sentence saying why it was chosen.
 */
export type ReleaseState =
  | { kind: 'unreachable'; cause: UnreachableReason; reason: string }
  | { kind: 'absent'; reason: string }
  | { kind: 'removed'; reason: string }
  | { kind: 'uninstall-requested'; release: ObservedRelease; reason: string }
  | { kind: 'not-managed'; release: ObservedRelease; reason: string }
  | { kind: 'requirements-not-met'; unmet: UnmetRequirement[]; release?: ObservedRelease; reason: string }
  /** `stalled`: nothing changes until the chart index or the manifest does (no match, pin not listed). */
  | { kind: 'version-unresolved'; stalled: boolean; release?: ObservedRelease; reason: string }
  | { kind: 'locked'; release: ObservedRelease; stuck: boolean; reason: string }
  | { kind: 'failed'; release: ObservedRelease; reason: string }
  | { kind: 'out-of-sync'; release: ObservedRelease; differences: ReleaseDifference[]; reason: string }
  | { kind: 'in-sync'; release: ObservedRelease; reason: string };

export type ReleaseStateKind = ReleaseState['kind'];

export interface ReleaseStateInput {
  desired: DesiredRelease;
  /** The Extension left git (or its CR is being deleted): the release must go. */
  uninstallRequested: boolean;
  /** The latest revision of the release; undefined when Helm has no record of it. */
  observed: ObservedRelease | undefined;
  cluster: ClusterFacts;
  requirements: RequirementsResult;
  now: Date;
  /**
   * How long a pending-* revision may be left alone. A younger one may belong to a helm process
   * that is still running (ours before a restart, or a person's), so it is waited for.
   */
  lockTimeoutMs: number;
}

/** Classifies one release from plain data; reads nothing and decides no action. */
export function determineReleaseState(input: ReleaseStateInput): ReleaseState {
  const { desired, cluster } = input;
  if (!cluster.reachable) {
    return { kind: 'unreachable', cause: cluster.reason, reason: cluster.message };
  }
  const release = input.observed && input.observed.status !== 'uninstalled' ? input.observed : undefined;
  const name = `"${desired.namespace}/${desired.releaseName}"`;

  if (input.uninstallRequested) {
    if (release === undefined) return { kind: 'removed', reason: `Release ${name} is not installed.` };
    if (!isManagedRelease(release.labels)) return { kind: 'not-managed', release, reason: `Release ${name} is not managed by clusterext, so it is not uninstalled.` };
    return { kind: 'uninstall-requested', release, reason: `The Extension was removed; release ${name} is still installed.` };
  }

  if (release === undefined) {
    if (!input.requirements.met) return { kind: 'requirements-not-met', unmet: input.requirements.unmet, reason: `The cluster does not meet the requirements of type "${desired.extensionType}".` };
    if (desired.version.kind === 'unresolved') return { kind: 'version-unresolved', stalled: isStalledVersion(desired), reason: desired.version.reason };
    return { kind: 'absent', reason: `Release ${name} is not installed.` };
  }
  if (!isManagedRelease(release.labels)) {
    return { kind: 'not-managed', release, reason: `Release ${name} exists without the clusterext managed-by label.` };
  }
  if (isPendingStatus(release.status) || release.status === 'uninstalling') {
    const age = release.lastDeployed ? input.now.getTime() - Date.parse(release.lastDeployed) : Number.POSITIVE_INFINITY;
    const stuck = !(age < input.lockTimeoutMs);
    return { kind: 'locked', release, stuck, reason: `Release ${name} is "${release.status}" at revision ${release.revision}${stuck ? ' and has been for longer than the lock timeout' : ''}.` };
  }
  if (release.status === 'failed' || release.status === 'unknown') {
    return { kind: 'failed', release, reason: `Revision ${release.revision} of release ${name} is "${release.status}".` };
  }
  if (desired.version.kind === 'unresolved') return { kind: 'version-unresolved', stalled: isStalledVersion(desired), release, reason: desired.version.reason };

  const differences = compareRelease(desired, desired.version.version, release);
  if (differences.length === 0 && release.status === 'deployed') {
    return { kind: 'in-sync', release, reason: `Release ${name} revision ${release.revision} was deployed from the desired configuration.` };
  }
  // An installed extension is never removed because its cluster stopped meeting the requirements;
  // they only block changing it.
  if (!input.requirements.met) return { kind: 'requirements-not-met', unmet: input.requirements.unmet, release, reason: `The cluster no longer meets the requirements of type "${desired.extensionType}".` };
  return { kind: 'out-of-sync', release, differences, reason: `Release ${name} differs from the desired configuration (${differences.map((d) => d.field).join(', ') || release.status}).` };
}

/** An index that was read has nothing for this release: retrying before it or git changes is useless. */
function isStalledVersion(desired: DesiredRelease): boolean {
  return desired.version.kind === 'unresolved' && (desired.version.cause === 'no-match' || desired.version.cause === 'not-listed');
}

/**
 * What differs between the desired release and a deployed one: chart, version, configDigest. The
 * one comparison the controller (determineReleaseState) and drift (compareReleaseDrift) share.
 */
export function compareRelease(desired: DesiredRelease, version: string, release: ObservedRelease): ReleaseDifference[] {
  const differences: ReleaseDifference[] = [];
  if (release.chartName !== desired.chart.name) differences.push({ field: 'chart', observed: release.chartName, desired: desired.chart.name });
  if (release.chartVersion !== version) differences.push({ field: 'version', observed: release.chartVersion, desired: version });
  const recorded = release.labels[CONFIG_DIGEST_LABEL];
  if (recorded !== digestLabelValue(desired.configDigest)) differences.push({ field: 'config', observed: recorded, desired: digestLabelValue(desired.configDigest) });
  return differences;
}
