import semver from 'semver';
import { redactUrl } from '../errors/redact-url.js';
import { compareDiagnostics, hasErrors, type Diagnostic } from '../manifest/diagnostic.js';
import { capDiagnostics } from '../manifest/cap-diagnostics.js';
import type { Fleet } from '../manifest/fleet.js';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from '../manifest/validation-limits.js';
import { chartKey, type ChartCatalog } from './chart-catalog.js';
import type { DesiredRelease, VersionResolution } from './desired-release.js';
import { computeDesiredState, computeDesiredStateOver, releaseKey, type DesiredState, type InstalledRelease } from './desired-state.js';
import { diffSettings } from './diff-settings.js';
import { DEFAULT_BLAST_RADIUS_THRESHOLD, findBlastRadius } from './blast-radius.js';
import { computeReleaseOperations, currentReleaseOf } from './release-operations.js';
import type { PolicyCompliance } from './expand-policies.js';
import {
  PLAN_FORMAT_VERSION,
  RELEASE_CHANGE_ACTIONS,
  type ClusterPlan,
  type ComplianceChange,
  type ComplianceSide,
  type Plan,
  type PlanSummary,
  type ReleaseChange,
  type ReleaseSide,
} from './plan.js';
import { versionLabel } from './resolve-version.js';

export { DEFAULT_BLAST_RADIUS_THRESHOLD };

export interface ComputePlanInput {
  /** The base revision's fleet; undefined plans against an empty fleet (say why in `warnings`). */
  base: Fleet | undefined;
  head: Fleet;
  /** The same catalog for both sides; undefined is offline. */
  catalog?: ChartCatalog;
  /** Share of a cluster's releases that may be uninstalled before the plan warns (default 0.5). */
  blastRadiusThreshold?: number;
  /** Secret name → digest of protected settings per side, when a caller can read them. */
  protectedDigests?: { base?: ReadonlyMap<string, string>; head?: ReadonlyMap<string, string> };
  baseRevision?: string;
  headRevision?: string;
  /** Warnings from the caller (invalid base, unreachable indexes), shown first. */
  warnings?: readonly string[];
  /**
   * The head's validation diagnostics (warnings), listed with the plan's own; not capped yet
   * (UNCAPPED_DIAGNOSTICS), as one cap applies to both.
   */
  headDiagnostics?: readonly Diagnostic[];
  /**
   * How many diagnostics, the head's validation ones and the plan's own (building the head's
   * releases: one per Extension can fail alike) together, are shown per file and in all; default
   * DEFAULT_VALIDATION_LIMITS.
   */
  diagnosticLimits?: Pick<ValidationLimits, 'maxDiagnosticsPerFile' | 'maxDiagnostics'>;
}

/**
 * What merging head over base changes, per cluster (Terraform's plan for the fleet). Both sides are
 * resolved against the same catalog; the head's auto-upgrading releases stay within the major the
 * base resolves to, as they would on the running cluster. Pure.
 */
export function computePlan(input: ComputePlanInput): Plan {
  const threshold = input.blastRadiusThreshold ?? DEFAULT_BLAST_RADIUS_THRESHOLD;
  const baseFleet = input.base ?? { extensionTypes: [], clusters: [], extensions: [], policies: [] };
  const base = computeDesiredState({ fleet: baseFleet, catalog: input.catalog, protectedDigests: input.protectedDigests?.base });
  const head = computeHeadState(input, base);
  const warnings = [...(input.warnings ?? [])];
  if (hasErrors(base.diagnostics)) {
    const count = base.diagnostics.filter((d) => d.severity === 'error').length;
    warnings.push(`The base revision has ${count} problem${count === 1 ? '' : 's'} building its releases; releases it could not build show as installs.`);
  }
  warnings.push(...unresolvedWarnings(head.releases));

  const clusters = new Map<string, ClusterPlan>();
  const clusterPlan = (name: string): ClusterPlan => {
    let plan = clusters.get(name);
    if (!plan) clusters.set(name, (plan = { cluster: name, operations: [], changes: [], compliance: [] }));
    return plan;
  };
  const context = planContext({ head, headFleet: input.head, baseFleet });
  const baseByKey = new Map(base.releases.map((r) => [releaseKey(r.cluster, r.extension), r]));
  // The one change model: what the controller will do once head is merged over a fleet that runs base.
  // A base release whose version resolves to nothing was never installed (the controller stalls it).
  const installable = base.releases.filter((r) => !(r.version.kind === 'unresolved' && (r.version.cause === 'no-match' || r.version.cause === 'not-listed')));
  const operations = computeReleaseOperations({ desired: head.releases, current: installable.map(currentReleaseOf), clusters: context.headClusters });
  for (const op of operations) {
    const before = baseByKey.get(releaseKey(op.cluster, op.extension));
    let changes: ReleaseChange[];
    switch (op.operation) {
      case 'install':
        changes = [installChange(op.to!, context)];
        break;
      case 'uninstall':
        changes = [uninstallChange(before!, context)];
        break;
      case 'leave':
        changes = [{ action: 'leave', extension: op.extension, reason: op.message, flags: [], from: sideOf(before!) }];
        break;
      default:
        changes = classifyRelease(before!, op.to!);
    }
    if (changes.length > 0) clusterPlan(op.cluster).changes.push(...changes);
    if (op.operation !== 'none') {
      clusterPlan(op.cluster).operations.push({
        extension: op.extension,
        operation: op.operation,
        reason: op.reason,
        message: op.message,
        ...(op.from ? { from: { namespace: op.from.namespace, extensionType: op.from.extensionType } } : {}),
        ...(op.to ? { to: { namespace: op.to.namespace, extensionType: op.to.extensionType, ...(op.to.version.kind !== 'unresolved' ? { version: op.to.version.version } : {}) } } : {}),
      });
    }
  }
  for (const change of diffCompliance(base.compliance, head.compliance)) clusterPlan(change.cluster).compliance.push(change.change);

  const sorted = [...clusters.values()].sort((a, b) => compare(a.cluster, b.cluster));
  const blastRadius = findBlastRadius(operations, threshold);
  for (const plan of sorted) {
    plan.changes.sort((a, b) => compare(a.extension, b.extension) || RELEASE_CHANGE_ACTIONS.indexOf(a.action) - RELEASE_CHANGE_ACTIONS.indexOf(b.action));
    plan.compliance.sort((a, b) => compare(a.policy, b.policy));
    const warning = blastRadius.find((w) => w.cluster === plan.cluster);
    if (warning) plan.blastRadius = warning;
  }
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    ...(input.baseRevision !== undefined ? { baseRevision: input.baseRevision } : {}),
    ...(input.headRevision !== undefined ? { headRevision: input.headRevision } : {}),
    offline: input.catalog === undefined,
    blastRadiusThreshold: threshold,
    clusters: sorted,
    blastRadius,
    summary: summarize(sorted, base.releases.length, head.releases.length),
    // A plan is output (a PR comment, a CI log): chart repository credentials stay out of it.
    ignoredVersions: head.ignoredVersions.map((v) => ({ ...v, chart: { ...v.chart, repository: redactUrl(v.chart.repository) } })),
    warnings,
    // One cap over validation's diagnostics and the plan's own: --max-diagnostics(-per-file) is the
    // most a plan shows, not that many of each.
    diagnostics: capDiagnostics([...(input.headDiagnostics ?? []), ...head.diagnostics, ...head.releaseProblems].sort(compareDiagnostics), input.diagnosticLimits ?? DEFAULT_VALIDATION_LIMITS),
  };
}

/** The head over the base as "installed" (`computeDesiredStateOver`, as the controller computes it). */
function computeHeadState(input: ComputePlanInput, base: DesiredState): DesiredState {
  const installed = new Map<string, InstalledRelease>();
  for (const release of base.releases) {
    if (release.version.kind !== 'unresolved') installed.set(releaseKey(release.cluster, release.extension), { version: release.version.version, chartName: release.chart.name });
  }
  return computeDesiredStateOver({ fleet: input.head, ...(input.catalog ? { catalog: input.catalog } : {}), installed, ...(input.protectedDigests?.head ? { protectedDigests: input.protectedDigests.head } : {}) });
}

interface PlanContext {
  baseClusters: ReadonlySet<string>;
  headClusters: ReadonlySet<string>;
  headPolicies: ReadonlyMap<string, Fleet['policies'][number]>;
  /** `<cluster>\0<type>` → an Extension of that type on the cluster in head. */
  headTypeOnCluster: ReadonlyMap<string, DesiredRelease>;
}

function planContext({ head, headFleet, baseFleet }: { head: DesiredState; headFleet: Fleet; baseFleet: Fleet }): PlanContext {
  const headTypeOnCluster = new Map<string, DesiredRelease>();
  for (const release of head.releases) {
    const key = `${release.cluster}\u0000${release.extensionType}`;
    if (!headTypeOnCluster.has(key)) headTypeOnCluster.set(key, release);
  }
  return {
    baseClusters: new Set(baseFleet.clusters.map((c) => c.metadata.name)),
    headClusters: new Set(headFleet.clusters.map((c) => c.metadata.name)),
    headPolicies: new Map(headFleet.policies.map((p) => [p.metadata.name, p])),
    headTypeOnCluster,
  };
}

function classifyRelease(before: DesiredRelease, after: DesiredRelease): ReleaseChange[] {
  const from = sideOf(before);
  const to = sideOf(after);
  const common = { extension: after.extension, from, to };
  if (before.extensionType !== after.extensionType) {
    const reason = `Extension ${q(after.extension)} changes type from ${q(before.extensionType)} to ${q(after.extensionType)}; the release is replaced.`;
    return [
      { action: 'uninstall', extension: before.extension, reason, flags: ['reinstall'], from },
      { action: 'install', extension: after.extension, reason, flags: ['reinstall', ...unresolvedFlag(after.version)], to },
    ];
  }
  const changes: ReleaseChange[] = [];
  if (before.namespace !== after.namespace) {
    changes.push({
      ...common,
      action: 'namespace-moved',
      flags: ['reinstall'],
      reason: `The release namespace changes from ${q(before.namespace)} to ${q(after.namespace)}; Helm cannot move a release, so it is uninstalled from ${q(before.namespace)} and installed in ${q(after.namespace)}.`,
    });
  }
  if (!sameChart(before.chart, after.chart)) {
    changes.push({
      ...common,
      action: 'chart-changed',
      flags: [],
      reason: `The chart changes from ${q(before.chart.name)} (${redactUrl(before.chart.repository)}) to ${q(after.chart.name)} (${redactUrl(after.chart.repository)}).`,
    });
  }
  const versionChange = classifyVersion(before.version, after.version);
  if (versionChange) changes.push({ ...common, ...versionChange });
  const settings = diffSettings(before.values, after.values);
  if (settings.length > 0) {
    changes.push({ ...common, action: 'settings-changed', flags: [], settings, reason: `${settings.length} setting${settings.length === 1 ? '' : 's'} of configurationSettings change${settings.length === 1 ? 's' : ''}.` });
  }
  const protectedReason = protectedSettingsChange(before, after);
  if (protectedReason) changes.push({ ...common, action: 'protected-settings-changed', flags: [], reason: protectedReason });
  if (before.driftDetection !== after.driftDetection) {
    changes.push({ ...common, action: 'drift-detection-changed', flags: [], reason: `Drift detection changes from ${q(before.driftDetection)} to ${q(after.driftDetection)}.` });
  }
  const ignoreBefore = before.driftIgnore ?? [];
  const ignoreAfter = after.driftIgnore ?? [];
  if (JSON.stringify(ignoreBefore) !== JSON.stringify(ignoreAfter)) {
    changes.push({ ...common, action: 'drift-ignore-changed', flags: [], reason: `The drift ignore rules change from ${ignoreBefore.length} to ${ignoreAfter.length} rule${ignoreAfter.length === 1 ? '' : 's'}; drift checks report differently, nothing is upgraded.` });
  }
  return changes;
}

type VersionChange = Pick<ReleaseChange, 'action' | 'reason' | 'flags'>;

function classifyVersion(before: VersionResolution, after: VersionResolution): VersionChange | undefined {
  if (before.kind !== 'unresolved' && after.kind !== 'unresolved') {
    const order = semver.compare(after.version, before.version);
    if (order === 0) return undefined;
    const target = describeTarget(after);
    if (order < 0) {
      return { action: 'downgrade', flags: ['downgrade'], reason: `Downgrade from ${before.version} to ${after.version} (${target}); charts rarely support going back, check the chart's notes.` };
    }
    if (semver.major(after.version) !== semver.major(before.version)) {
      return { action: 'major-upgrade', flags: ['major-upgrade'], reason: `Major upgrade from ${before.version} to ${after.version} (${target}); check the chart's upgrade notes for breaking changes.` };
    }
    return { action: 'upgrade', flags: [], reason: `Upgrade from ${before.version} to ${after.version} (${target}).` };
  }
  if (versionLabel(before) === versionLabel(after) && before.kind === after.kind) return undefined;
  return { action: 'version-changed', flags: unresolvedFlag(after), reason: `The version changes from ${describeTarget(before)} to ${describeTarget(after)}.` };
}

function protectedSettingsChange(before: DesiredRelease, after: DesiredRelease): string | undefined {
  const was = before.protectedSettingsRef?.secretName;
  const now = after.protectedSettingsRef?.secretName;
  if (was !== now) {
    if (was === undefined) return `Protected settings are added from Secret ${q(now!)}.`;
    if (now === undefined) return `Protected settings are removed (they came from Secret ${q(was)}).`;
    return `Protected settings now come from Secret ${q(now)} instead of Secret ${q(was)}.`;
  }
  if (before.protectedSettingsDigest !== undefined && after.protectedSettingsDigest !== undefined && before.protectedSettingsDigest !== after.protectedSettingsDigest) {
    return `The protected settings in Secret ${q(now!)} change (digest ${before.protectedSettingsDigest.slice(0, 12)} → ${after.protectedSettingsDigest.slice(0, 12)}).`;
  }
  return undefined;
}

function installChange(after: DesiredRelease, context: PlanContext): ReleaseChange {
  const joins = !context.baseClusters.has(after.cluster) ? `Cluster ${q(after.cluster)} joins the fleet; ` : '';
  const why =
    after.origin.kind === 'policy'
      ? `policy ${q(after.origin.policy)} deploys it because cluster ${q(after.cluster)} has no Extension of type ${q(after.extensionType)}`
      : `Extension ${q(after.extension)} is new`;
  const sentence = `${joins}${why}`;
  return { action: 'install', extension: after.extension, reason: `${sentence[0]!.toUpperCase()}${sentence.slice(1)} (${describeTarget(after.version)}).`, flags: unresolvedFlag(after.version), to: sideOf(after) };
}

function uninstallChange(before: DesiredRelease, context: PlanContext): ReleaseChange {
  return { action: 'uninstall', extension: before.extension, reason: uninstallReason(before, context), flags: [], from: sideOf(before) };
}

function uninstallReason(before: DesiredRelease, context: PlanContext): string {
  if (!context.headClusters.has(before.cluster)) return `Cluster ${q(before.cluster)} leaves the fleet.`;
  if (before.origin.kind === 'explicit') return `Extension ${q(before.extension)} is removed from cluster ${q(before.cluster)}.`;
  const policyName = before.origin.policy;
  const policy = context.headPolicies.get(policyName);
  if (!policy) return `Policy ${q(policyName)} is removed.`;
  if (policy.spec.effect === 'Audit') return `Policy ${q(policyName)} now only audits (effect Audit).`;
  const covering = context.headTypeOnCluster.get(`${before.cluster}\u0000${before.extensionType}`);
  if (covering) return `Extension ${q(covering.extension)} of type ${q(before.extensionType)} now covers cluster ${q(before.cluster)}, so policy ${q(policyName)} no longer deploys one.`;
  if (policy.spec.extension.name !== before.extension) return `Policy ${q(policyName)} now names its Extension ${q(policy.spec.extension.name)}.`;
  return `Policy ${q(policyName)} no longer selects cluster ${q(before.cluster)}.`;
}

function diffCompliance(base: readonly PolicyCompliance[], head: readonly PolicyCompliance[]): { cluster: string; change: ComplianceChange }[] {
  const key = (c: PolicyCompliance) => `${c.policy}\u0000${c.cluster}`;
  const before = new Map(base.map((c) => [key(c), c]));
  const after = new Map(head.map((c) => [key(c), c]));
  const changes: { cluster: string; change: ComplianceChange }[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(id);
    const now = after.get(id);
    if (was && now && was.compliant === now.compliant && was.reason === now.reason) continue;
    const entry = (now ?? was)!;
    const change: ComplianceChange = {
      policy: entry.policy,
      ...(was ? { from: complianceSide(was) } : {}),
      ...(now ? { to: complianceSide(now) } : {}),
      reason: now ? now.message : `Policy ${q(entry.policy)} no longer applies to cluster ${q(entry.cluster)}.`,
    };
    changes.push({ cluster: entry.cluster, change });
  }
  return changes;
}

function complianceSide(c: PolicyCompliance): ComplianceSide {
  return { effect: c.effect, compliant: c.compliant, reason: c.reason, message: c.message };
}

function summarize(clusters: readonly ClusterPlan[], releasesBefore: number, releasesAfter: number): PlanSummary {
  const summary: PlanSummary = { install: 0, upgrade: 0, majorUpgrade: 0, downgrade: 0, uninstall: 0, reinstall: 0, leftInPlace: 0, settingsChanged: 0, otherChanges: 0, complianceChanges: 0, releasesBefore, releasesAfter };
  for (const cluster of clusters) {
    summary.complianceChanges += cluster.compliance.length;
    for (const change of cluster.changes) {
      switch (change.action) {
        case 'install': summary.install++; break;
        case 'uninstall': summary.uninstall++; break;
        case 'leave': summary.leftInPlace++; break;
        case 'upgrade': summary.upgrade++; break;
        case 'major-upgrade': summary.majorUpgrade++; break;
        case 'downgrade': summary.downgrade++; break;
        case 'namespace-moved': summary.reinstall++; break;
        case 'settings-changed':
        case 'protected-settings-changed': summary.settingsChanged++; break;
        case 'version-changed':
        case 'chart-changed':
        case 'drift-detection-changed': summary.otherChanges++; break;
        case 'drift-ignore-changed': summary.otherChanges++; break;
      }
    }
  }
  return summary;
}

/** Unresolved head versions that are a problem (not offline), grouped by reason. */
function unresolvedWarnings(releases: readonly DesiredRelease[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const release of releases) {
    if (release.version.kind !== 'unresolved' || release.version.cause === 'offline' || release.version.cause === 'not-listed') continue;
    const list = byReason.get(release.version.reason) ?? [];
    list.push(releaseKey(release.cluster, release.extension));
    byReason.set(release.version.reason, list);
  }
  return [...byReason.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([reason, keys]) => {
      const shown = keys.slice(0, 3).join(', ') + (keys.length > 3 ? ` and ${keys.length - 3} more` : '');
      return `${keys.length} release${keys.length === 1 ? ' has' : 's have'} no resolved version (${shown}): ${reason}`;
    });
}

function sideOf(release: DesiredRelease): ReleaseSide {
  return {
    extensionType: release.extensionType,
    namespace: release.namespace,
    chart: { ...release.chart, repository: redactUrl(release.chart.repository) },
    version: release.version,
    origin: release.origin,
    driftDetection: release.driftDetection,
    ...(release.driftIgnore ? { driftIgnore: release.driftIgnore.map((r) => ({ ...r })) } : {}),
    ...(release.protectedSettingsRef ? { protectedSettingsSecret: release.protectedSettingsRef.secretName } : {}),
    configDigest: release.configDigest,
  };
}

/** `pinned 1.2.0`, `newest of train "stable" within 1.x`, and for unresolved the train and constraint. */
export function describeTarget(version: VersionResolution): string {
  switch (version.kind) {
    case 'pinned':
      return `pinned ${version.version}`;
    case 'resolved':
      return `${version.version}, newest of train ${q(version.train)}${version.constraint === '*' ? '' : ` within ${version.constraint}`}`;
    case 'unresolved':
      if (version.pinned !== undefined) return `pinned ${version.pinned}, not listed by the chart index`;
      return `newest of train ${q(version.train)}${version.constraint === '*' ? '' : ` within ${version.constraint}`}, unresolved${version.cause === 'offline' ? ' while offline' : ''}`;
  }
}

function unresolvedFlag(version: VersionResolution): ['unresolved-version'] | [] {
  return version.kind === 'unresolved' && version.cause !== 'offline' ? ['unresolved-version'] : [];
}

function sameChart(a: DesiredRelease['chart'], b: DesiredRelease['chart']): boolean {
  return (a.name === b.name && a.repository === b.repository) || chartKey(a) === chartKey(b);
}

function q(text: string): string {
  return JSON.stringify(text);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
