import type { Diagnostic } from '../manifest/diagnostic.js';
import type { ChartRef, DriftDetection, DriftIgnoreRule, PolicyEffect } from '../manifest/fleet.js';
import type { IgnoredChartVersion } from './desired-state.js';
import type { ReleaseOrigin, VersionResolution } from './desired-release.js';
import type { BlastRadiusWarning } from './blast-radius.js';
import type { ComplianceReason } from './expand-policies.js';
import type { ReleaseOperationKind, ReleaseOperationReason } from './release-operations.js';

export type { BlastRadiusWarning };

/**
 * The plan between two revisions, as data (Terraform's plan): a closed set of actions, each with a
 * reason and flags, per cluster, sorted deterministically. Renderers only format it; the JSON form
 * is this object with `formatVersion`, and any incompatible change to it bumps the version.
 */
export const PLAN_FORMAT_VERSION = '1';

/**
 * One change to one release. A release can have several (an upgrade and a settings change), each
 * its own entry, so counts and filters stay simple.
 */
export type ReleaseChangeAction =
  | 'install'
  | 'uninstall'
  /** The cluster leaves the fleet: the release stays on it, untouched and no longer managed. */
  | 'leave'
  | 'upgrade'
  | 'major-upgrade'
  | 'downgrade'
  /** The version policy changes where a side is unresolved (offline, or nothing matches): train, constraint or pin. */
  | 'version-changed'
  | 'chart-changed'
  | 'namespace-moved'
  | 'settings-changed'
  | 'protected-settings-changed'
  | 'drift-detection-changed'
  /** The drift ignore rules (the type's and the Extension's) change; nothing runs differently. */
  | 'drift-ignore-changed';

/** The display and sort order of actions within a release. */
export const RELEASE_CHANGE_ACTIONS: readonly ReleaseChangeAction[] = [
  'leave',
  'uninstall',
  'install',
  'namespace-moved',
  'chart-changed',
  'major-upgrade',
  'downgrade',
  'upgrade',
  'version-changed',
  'settings-changed',
  'protected-settings-changed',
  'drift-detection-changed',
  'drift-ignore-changed',
];

/** What needs a reviewer's attention. */
export type PlanFlag = 'major-upgrade' | 'downgrade' | 'reinstall' | 'unresolved-version';

/** One side of a release in the plan. No values: settings appear only as key-level changes. */
export interface ReleaseSide {
  extensionType: string;
  namespace: string;
  chart: ChartRef;
  version: VersionResolution;
  origin: ReleaseOrigin;
  driftDetection: DriftDetection;
  /** The merged drift ignore rules; absent when there are none. */
  driftIgnore?: DriftIgnoreRule[];
  /** The protected-settings Secret by name; its data is never read here. */
  protectedSettingsSecret?: string;
  configDigest: string;
}

export interface SettingChange {
  /** The values path as a settings key (dots nest, `\.` is a literal dot). */
  key: string;
  change: 'added' | 'removed' | 'changed';
  from?: unknown;
  to?: unknown;
}

export interface ReleaseChange {
  action: ReleaseChangeAction;
  extension: string;
  /** A whole sentence. */
  reason: string;
  flags: PlanFlag[];
  /** Absent for install. */
  from?: ReleaseSide;
  /** Absent for uninstall. */
  to?: ReleaseSide;
  /** Key-level changes of configurationSettings, for `settings-changed`. */
  settings?: SettingChange[];
}

export interface ComplianceSide {
  effect: PolicyEffect;
  compliant: boolean;
  reason: ComplianceReason;
  message: string;
}

/** A policy's verdict for a cluster changes; a side is absent when the policy does not select the cluster there. */
export interface ComplianceChange {
  policy: string;
  from?: ComplianceSide;
  to?: ComplianceSide;
  reason: string;
}

/**
 * What the controller does to one release when head is merged (`computeReleaseOperations`, the
 * model the controller acts on): the helm steps follow from `operation` (`helmStepsOf`).
 */
export interface PlannedOperation {
  extension: string;
  operation: Exclude<ReleaseOperationKind, 'none'>;
  reason: ReleaseOperationReason;
  message: string;
  /** Where the release runs now (absent for install). */
  from?: { namespace: string; extensionType: string };
  /** Where and at which version it runs after (absent for uninstall and leave); no version when unresolved. */
  to?: { namespace: string; extensionType: string; version?: string };
}

export interface ClusterPlan {
  cluster: string;
  /** One per release the merge touches, sorted by extension. */
  operations: PlannedOperation[];
  /** Sorted by extension, then action in RELEASE_CHANGE_ACTIONS order. */
  changes: ReleaseChange[];
  /** Sorted by policy. */
  compliance: ComplianceChange[];
  blastRadius?: BlastRadiusWarning;
}

export interface PlanSummary {
  install: number;
  upgrade: number;
  majorUpgrade: number;
  downgrade: number;
  uninstall: number;
  /** namespace-moved: uninstall from one namespace and install in another. */
  reinstall: number;
  /** Releases left in place on clusters that leave the fleet. */
  leftInPlace: number;
  /** settings-changed plus protected-settings-changed. */
  settingsChanged: number;
  /** version-changed, chart-changed, drift-detection-changed, drift-ignore-changed. */
  otherChanges: number;
  complianceChanges: number;
  /** Releases in each revision. */
  releasesBefore: number;
  releasesAfter: number;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  baseRevision?: string;
  headRevision?: string;
  /** Versions were not resolved from chart indexes. */
  offline: boolean;
  blastRadiusThreshold: number;
  /** Only clusters with changes, sorted by name. */
  clusters: ClusterPlan[];
  /** The clusters over the blast-radius threshold, sorted by name; shown at the top. */
  blastRadius: BlastRadiusWarning[];
  summary: PlanSummary;
  ignoredVersions: IgnoredChartVersion[];
  /** Whole sentences: an invalid base, unreachable chart indexes, unresolved versions. */
  warnings: string[];
  /** The head's desired-state diagnostics. Any error means the head cannot be applied. */
  diagnostics: Diagnostic[];
}

/** True when the plan changes anything (releases or compliance): `--detailed-exitcode` 2. */
export function planHasChanges(plan: Plan): boolean {
  return plan.clusters.length > 0;
}
