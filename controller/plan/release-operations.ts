import type { DesiredRelease } from './desired-release.js';
import { releaseKey } from './desired-state.js';

/**
 * What runs on a cluster now, as far as the change model needs it: where the release lives, which
 * type it was installed as, and the configDigest it was installed from. `plan` builds these from the
 * base revision's desired state; the controller from the Extension CRs' status (what is installed).
 */
export interface CurrentRelease {
  cluster: string;
  extension: string;
  releaseName: string;
  namespace: string;
  extensionType: string;
  /** The configDigest the release was last deployed from; undefined when never deployed as desired. */
  configDigest?: string;
}

/**
 * The helm-level outcome for one (cluster, extension), the closed set both front ends share:
 * - `install`: nothing runs, git wants a release.
 * - `upgrade`: the release stays where it is (same namespace and type) and its configDigest changes
 *   (version, chart, settings, protected settings); one `helm upgrade`.
 * - `reinstall`: the namespace or the extension type changes; Helm cannot move a release, so the old
 *   one is uninstalled from its namespace first and the new one installed after.
 * - `uninstall`: git no longer wants the release on a cluster that is still in the fleet.
 * - `leave`: the cluster left the fleet; its releases are left in place, untouched (clusterext
 *   stops managing them and never reaches that cluster again to remove them).
 * - `none`: the release is as git wants it.
 */
export type ReleaseOperationKind = 'install' | 'upgrade' | 'reinstall' | 'uninstall' | 'leave' | 'none';

export type ReleaseOperationReason =
  | 'ReleaseNew'
  | 'ConfigChanged'
  | 'NamespaceChanged'
  | 'ExtensionTypeChanged'
  | 'ExtensionRemoved'
  | 'ClusterLeft'
  | 'InSync';

export interface ReleaseOperation {
  cluster: string;
  extension: string;
  operation: ReleaseOperationKind;
  reason: ReleaseOperationReason;
  /** A whole sentence. */
  message: string;
  /** What runs now; absent for install. */
  from?: CurrentRelease;
  /** What git wants; absent for uninstall and leave. */
  to?: DesiredRelease;
}

/** The helm operations an operation performs, in order. */
export function helmStepsOf(operation: ReleaseOperationKind): ('install' | 'upgrade' | 'uninstall')[] {
  switch (operation) {
    case 'install':
      return ['install'];
    case 'upgrade':
      return ['upgrade'];
    case 'reinstall':
      return ['uninstall', 'install'];
    case 'uninstall':
      return ['uninstall'];
    case 'leave':
    case 'none':
      return [];
  }
}

export interface ComputeReleaseOperationsInput {
  desired: readonly DesiredRelease[];
  current: readonly CurrentRelease[];
  /** The clusters of the desired revision: a current release on any other cluster is left in place. */
  clusters: ReadonlySet<string>;
}

/**
 * The one change model (DESIGN.md §3): from what runs now to what git wants, one operation per
 * (cluster, extension), sorted by cluster, then extension. `plan` renders it; the controller acts
 * on it. Pure.
 */
export function computeReleaseOperations(input: ComputeReleaseOperationsInput): ReleaseOperation[] {
  const operations: ReleaseOperation[] = [];
  const current = new Map(input.current.map((c) => [releaseKey(c.cluster, c.extension), c]));
  const desired = new Set<string>();
  for (const to of input.desired) {
    const key = releaseKey(to.cluster, to.extension);
    desired.add(key);
    const from = current.get(key);
    operations.push(from ? compareRelease(from, to) : { cluster: to.cluster, extension: to.extension, operation: 'install', reason: 'ReleaseNew', message: `Release ${ref(to)} is not installed on cluster ${q(to.cluster)}; it is installed.`, to });
  }
  for (const [key, from] of current) {
    if (desired.has(key)) continue;
    operations.push(
      input.clusters.has(from.cluster)
        ? { cluster: from.cluster, extension: from.extension, operation: 'uninstall', reason: 'ExtensionRemoved', message: `Extension ${q(from.extension)} is no longer in git for cluster ${q(from.cluster)}; release ${ref(from)} is uninstalled.`, from }
        : {
            cluster: from.cluster,
            extension: from.extension,
            operation: 'leave',
            reason: 'ClusterLeft',
            message: `Cluster ${q(from.cluster)} leaves the fleet; release ${ref(from)} is left in place, untouched, and no longer managed.`,
            from,
          },
    );
  }
  return operations.sort((a, b) => compare(a.cluster, b.cluster) || compare(a.extension, b.extension));
}

function compareRelease(from: CurrentRelease, to: DesiredRelease): ReleaseOperation {
  const base = { cluster: to.cluster, extension: to.extension, from, to };
  if (from.namespace !== to.namespace) {
    return { ...base, operation: 'reinstall', reason: 'NamespaceChanged', message: `The release namespace of ${q(to.extension)} changes from ${q(from.namespace)} to ${q(to.namespace)}; Helm cannot move a release, so release ${ref(from)} is uninstalled and ${ref(to)} installed.` };
  }
  if (from.extensionType !== to.extensionType) {
    return { ...base, operation: 'reinstall', reason: 'ExtensionTypeChanged', message: `Extension ${q(to.extension)} changes type from ${q(from.extensionType)} to ${q(to.extensionType)}; release ${ref(from)} is uninstalled and installed again.` };
  }
  if (from.configDigest !== to.configDigest) {
    return { ...base, operation: 'upgrade', reason: 'ConfigChanged', message: `The configuration of release ${ref(to)} changes (chart, version or settings); it is upgraded.` };
  }
  return { ...base, operation: 'none', reason: 'InSync', message: `Release ${ref(to)} is as git wants it.` };
}

/** The current side of a desired release: what `plan` takes the base revision to have installed. */
export function currentReleaseOf(release: DesiredRelease): CurrentRelease {
  return { cluster: release.cluster, extension: release.extension, releaseName: release.releaseName, namespace: release.namespace, extensionType: release.extensionType, configDigest: release.configDigest };
}

function ref(release: { namespace: string; releaseName: string }): string {
  return `"${release.namespace}/${release.releaseName}"`;
}

function q(text: string): string {
  return JSON.stringify(text);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
