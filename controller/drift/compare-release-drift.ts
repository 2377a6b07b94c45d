import type { DesiredRelease } from '../plan/desired-release.js';
import { isPendingStatus, type ObservedRelease } from '../reconcile/observed-release.js';
import { CONFIG_DIGEST_LABEL, isManagedRelease } from '../reconcile/release-labels.js';
import { compareRelease } from '../reconcile/release-state.js';
import type { DriftCellState, ExtensionDrift, ReleaseDrift } from './drift-report.js';

export interface ReleaseDriftResult {
  /**
   * `in-sync` here means the release record is what git wants; the caller then compares its
   * objects, which may still make it `drifted`. Only then are the objects worth reading.
   */
  state: Exclude<DriftCellState, 'error' | 'orphaned'>;
  release: ReleaseDrift[];
  installed?: NonNullable<ExtensionDrift['installed']>;
}

/**
 * The release-level drift of one desired release against the latest revision Helm recorded for it
 * (undefined when there is none), with the same comparison the controller decides on
 * (`compareRelease`). The configDigest is compared only when it could be computed in full: a
 * release with protected settings needs their digest, which only a reader of the Secret (the
 * controller) has. Pure.
 */
export function compareReleaseDrift(desired: DesiredRelease, observed: ObservedRelease | undefined): ReleaseDriftResult {
  const name = `"${desired.namespace}/${desired.releaseName}"`;
  if (observed === undefined || observed.status === 'uninstalled') {
    return { state: 'missing', release: [{ reason: 'ReleaseMissing', message: `Release ${name} is not installed on cluster "${desired.cluster}"; the controller installs it on its next pass.` }] };
  }
  const installed: NonNullable<ExtensionDrift['installed']> = {
    chart: observed.chartName,
    version: observed.chartVersion,
    revision: observed.revision,
    status: observed.status,
    ...(observed.labels[CONFIG_DIGEST_LABEL] !== undefined ? { configDigest: observed.labels[CONFIG_DIGEST_LABEL] } : {}),
  };
  if (!isManagedRelease(observed.labels)) {
    return { state: 'foreign', installed, release: [{ reason: 'ForeignRelease', message: `Release ${name} exists but was not installed by clusterext (no clusterext.io/managed-by label); uninstall it or rename the Extension.` }] };
  }
  if (isPendingStatus(observed.status) || observed.status === 'uninstalling') {
    return { state: 'failed', installed, release: [{ reason: 'ReleasePending', message: `Release ${name} is "${observed.status}" at revision ${observed.revision}; a helm operation is running or was interrupted.`, live: observed.status }] };
  }
  if (observed.status !== 'deployed' && observed.status !== 'superseded') {
    return { state: 'failed', installed, release: [{ reason: 'ReleaseFailed', message: `Release ${name} is "${observed.status}" at revision ${observed.revision}; see "helm history ${desired.releaseName} -n ${desired.namespace}".`, live: observed.status }] };
  }
  const version = desired.version.kind === 'unresolved' ? observed.chartVersion : desired.version.version;
  const digestKnown = desired.protectedSettingsRef === undefined || desired.protectedSettingsDigest !== undefined;
  const release: ReleaseDrift[] = [];
  for (const d of compareRelease(desired, version, observed)) {
    if (d.field === 'chart') release.push({ reason: 'ChartDiffers', message: `Release ${name} runs chart "${d.observed}", git wants "${d.desired}".`, desired: d.desired, live: d.observed });
    else if (d.field === 'version') release.push({ reason: 'ChartVersionDiffers', message: `Release ${name} runs chart version ${d.observed}, git wants ${d.desired}.`, desired: d.desired, live: d.observed });
    else if (digestKnown) release.push({ reason: 'ValuesDiffer', message: `Release ${name} was deployed from other values than git has (configDigest ${d.observed ?? 'not recorded'}, git ${d.desired}).`, desired: d.desired, ...(d.observed !== undefined ? { live: d.observed } : {}) });
  }
  return { state: release.length > 0 ? 'drifted' : 'in-sync', installed, release };
}
