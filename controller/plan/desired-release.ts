import type { ChartRef, DriftDetection, DriftIgnoreRule, ProtectedSettingsRef, Scope } from '../manifest/fleet.js';

/**
 * How the version of a desired release was decided. `resolved` came from the chart repository
 * index (newest of the train within the major, or newest of the train on a fresh install);
 * `pinned` is the Extension's exact `version`; `unresolved` is what `--offline` (or an unreachable
 * index) leaves: the train and the constraint, no concrete version.
 */
export type VersionResolution =
  | { kind: 'pinned'; version: string }
  | { kind: 'resolved'; version: string; train: string; constraint: string }
  | { kind: 'unresolved'; train: string; constraint: string; reason: string; cause?: UnresolvedCause; pinned?: string };

/**
 * Why a version stayed unresolved: `offline` was asked for (not a problem), the chart's versions
 * were `unavailable` (index unreachable, chart not listed, oci:// repository), the train has
 * `no-match` for the constraint, or the pinned version (`pinned`) is `not-listed` by an index that
 * was read. The last three mean the release cannot be applied as written; the last two stay so
 * until the index or the manifest changes (the controller reports them Stalled).
 */
export type UnresolvedCause = 'offline' | 'unavailable' | 'no-match' | 'not-listed';

export type ReleaseOrigin = { kind: 'explicit' } | { kind: 'policy'; policy: string };

/** What one (cluster, extension) must run: one Helm release. Plain data, JSON-serializable. */
export interface DesiredRelease {
  cluster: string;
  /** The Extension's name, which is also the Helm release name. */
  extension: string;
  releaseName: string;
  /** Release namespace: releaseNamespace / the type's default for scope cluster, targetNamespace for scope namespace. */
  namespace: string;
  scope: Scope;
  extensionType: string;
  chart: ChartRef;
  version: VersionResolution;
  autoUpgradeMinorVersion: boolean;
  releaseTrain: string;
  /** configurationSettings nested per DESIGN.md §1 (`a.b: 1` → `{a: {b: 1}}`). */
  values: Record<string, unknown>;
  protectedSettingsRef?: ProtectedSettingsRef;
  /** HMAC digest of the protected settings, when the caller supplied one (never the data). */
  protectedSettingsDigest?: string;
  driftDetection: DriftDetection;
  /**
   * What drift checks ignore: the type's `driftIgnore` then the Extension's. Not part of
   * `configDigest`: it changes what is reported, not what runs.
   */
  driftIgnore?: DriftIgnoreRule[];
  /**
   * How long one helm operation may take, hook Jobs and readiness of the release's objects
   * included: the Extension's `timeout`, else its type's; the reconcile policy's default when
   * absent. Not part of `configDigest`: a new timeout changes how long to wait, not what runs.
   */
  timeoutMs?: number;
  origin: ReleaseOrigin;
  /**
   * sha256 over chart, version, values and the protected-settings digest (hex). Computed with
   * `computeConfigDigest`; stages that cannot read Secrets (plan) pass no protected digest.
   */
  configDigest: string;
}
