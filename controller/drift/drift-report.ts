/**
 * The drift report: where clusters differ from git. Plain data, JSON-serializable, built by the
 * drift stage (`checkClusterDrift`) and read by every front end: `clusterext drift` (human,
 * markdown, json, html) and the controller's `Drifted` condition. The `json` output is this object
 * with keys sorted; `formatVersion` changes only when a field changes meaning or goes away.
 */
export const DRIFT_REPORT_FORMAT_VERSION = 1;

/**
 * The state of one (cluster, extension) cell, worst first when cells are summarized:
 * - `error`: the check itself failed for this release (message says why); neither drift nor clean.
 * - `failed`: the release exists but Helm records it failed or pending-* (not compliant).
 * - `missing`: git wants the release and the cluster has no record of it.
 * - `foreign`: a release of that name exists that clusterext does not manage.
 * - `orphaned`: a release clusterext manages on this cluster that git no longer has.
 * - `drifted`: chart version, values or live objects differ from what git wants.
 * - `in-sync`: release and every live object are what git wants.
 */
export const DRIFT_CELL_STATES = ['error', 'failed', 'missing', 'foreign', 'orphaned', 'drifted', 'in-sync'] as const;
export type DriftCellState = (typeof DRIFT_CELL_STATES)[number];

/** What differs at the release level. */
export type ReleaseDriftReason =
  | 'ChartVersionDiffers' // installed chart version ≠ desired
  | 'ChartDiffers' // installed chart name ≠ desired
  | 'ValuesDiffer' // configDigest recorded on the release ≠ desired configDigest
  | 'ReleaseFailed' // Helm status failed
  | 'ReleasePending' // Helm status pending-install|pending-upgrade|pending-rollback
  | 'ReleaseMissing'
  | 'ForeignRelease'
  | 'OrphanedRelease';

export interface ReleaseDrift {
  reason: ReleaseDriftReason;
  /** A whole sentence naming the release and what to do. Never holds a protected value. */
  message: string;
  desired?: string;
  live?: string;
}

/** One field that differs, as a JSON Pointer (RFC 6901) into the object. */
export interface FieldDrift {
  path: string;
  /** Absent when the field should not exist (it was added by hand). */
  desired?: unknown;
  /** Absent when the field is missing live (it was removed by hand). */
  live?: unknown;
  /** True when desired/live were replaced by a mask (Secret data, protected values). */
  masked?: boolean;
}

export type ObjectDriftState = 'changed' | 'missing';

export interface ObjectDrift {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  state: ObjectDriftState;
  /** Empty when state is `missing`. Sorted by path. */
  fields: FieldDrift[];
}

/** One ignore rule: a JSON Pointer, optionally limited to objects of one kind and/or name (manifest `driftIgnore`). */
export type { DriftIgnoreRule } from '../manifest/fleet.js';

export interface ExtensionDrift {
  cluster: string;
  extension: string;
  releaseName: string;
  namespace: string;
  extensionType?: string;
  /** `policy/<name>` or `explicit`. */
  origin?: string;
  driftDetection?: 'enabled' | 'warn' | 'disabled';
  state: DriftCellState;
  desired?: { chart: string; version?: string; configDigest: string };
  installed?: { chart: string; version: string; revision: number; status: string; configDigest?: string };
  release: ReleaseDrift[];
  /** Sorted by kind, namespace, name. */
  objects: ObjectDrift[];
  /** How many objects of the release's manifest were compared (absent when none were). */
  checkedObjects?: number;
  /** Set when state is `error`. */
  message?: string;
}

/** Policy compliance measured on the cluster: compliant only when every instance is in-sync. */
export interface PolicyCompliance {
  policy: string;
  compliant: boolean;
  instances: number;
  nonCompliant: string[];
}

export interface ClusterDrift {
  cluster: string;
  /** False when the cluster could not be reached: its extensions are neither drifted nor clean. */
  reachable: boolean;
  /** Why the cluster was unreachable (credentials never included). */
  message?: string;
  /** Sorted by extension name. */
  extensions: ExtensionDrift[];
  policies: PolicyCompliance[];
}

export interface DriftSummary {
  clusters: number;
  unreachableClusters: number;
  releases: number;
  byState: Record<DriftCellState, number>;
  driftedObjects: number;
}

export interface DriftReport {
  formatVersion: typeof DRIFT_REPORT_FORMAT_VERSION;
  /** What the desired state was read from: a fleet path, a git revision, or a hub's repositories. */
  source: { kind: 'path' | 'revision' | 'hub'; ref: string };
  /** Sorted by cluster name. */
  clusters: ClusterDrift[];
  summary: DriftSummary;
}

/** Exit status like `plan --detailed-exitcode`: 0 no drift, 2 drift, 1 the check failed somewhere. */
export function driftExitCode(report: DriftReport): 0 | 1 | 2 {
  if (report.summary.unreachableClusters > 0 || report.summary.byState.error > 0) return 1;
  const clean = report.summary.byState['in-sync'];
  return clean === report.summary.releases ? 0 : 2;
}
