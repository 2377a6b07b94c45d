import type { ExtensionSpec } from '../manifest/fleet.js';
import { releaseKey, type InstalledRelease } from '../plan/desired-state.js';
import type { ExtensionStatus } from '../status/extension-status.js';
import type { CustomResource } from './cr-store.js';

/**
 * What runs now per release as the hub's Extension CRs record it (`status.installedVersion` and
 * the release's chart), keyed by `releaseKey`: the `installed` input of `computeDesiredStateOver`
 * for every front end that works from the hub, the controller and `clusterext drift` alike, so
 * both resolve auto-upgrading versions within the same installed major. Pure.
 */
export function installedReleasesOfCrs(crs: readonly CustomResource<ExtensionSpec, ExtensionStatus>[]): Map<string, InstalledRelease> {
  const installed = new Map<string, InstalledRelease>();
  for (const cr of crs) {
    const version = cr.status?.installedVersion;
    const chartName = cr.status?.release?.chart;
    const extension = cr.metadata.name.slice(cr.spec.clusterName.length + 1);
    if (version) installed.set(releaseKey(cr.spec.clusterName, extension), { version, ...(chartName !== undefined ? { chartName } : {}) });
  }
  return installed;
}
