import { mergeDriftIgnoreRules } from '../drift/drift-ignore.js';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { ChartRef, ExtensionTypeManifest, Fleet, ReleaseTrain } from '../manifest/fleet.js';
import { chartKey, type ChartCatalog } from './chart-catalog.js';
import { parseDuration } from '../runtime/duration.js';
import { computeConfigDigest } from './config-digest.js';
import type { DesiredRelease, VersionResolution } from './desired-release.js';
import { expandPolicies, type ExtensionInstance, type PolicyCompliance } from './expand-policies.js';
import { nestSettings, type NestedSettings } from './nest-settings.js';
import { planDiagnostic } from './plan-diagnostic.js';
import { resolveVersion, versionLabel } from './resolve-version.js';

/** A chart version a repository index lists that is not strict SemVer, with the types that use the chart. */
export interface IgnoredChartVersion {
  chart: ChartRef;
  version: string;
  reason: string;
  extensionTypes: string[];
}

export interface DesiredState {
  /** One per (cluster, extension), sorted by cluster, then extension. */
  releases: DesiredRelease[];
  /** Per policy and selected cluster, sorted by policy, then cluster. */
  compliance: PolicyCompliance[];
  /** Sorted by repository, chart, version. Empty offline. */
  ignoredVersions: IgnoredChartVersion[];
  /**
   * Problems found while building releases. An instance with an error diagnostic has no release, so
   * callers must treat errors like validation errors (reject the revision) rather than act on the
   * remaining releases: a missing release would otherwise read as an uninstall.
   */
  diagnostics: Diagnostic[];
  /**
   * Errors of releases that are still built, with an unresolved version (a pin the index does not
   * list): `plan` fails on them; the controller applies the revision and reports those releases
   * Stalled without a helm call.
   */
  releaseProblems: Diagnostic[];
}

export interface ComputeDesiredStateInput {
  fleet: Fleet;
  /** The chart versions; undefined means offline (auto-upgrading versions stay unresolved). */
  catalog?: ChartCatalog;
  /** `releaseKey(cluster, extension)` → version running now, so auto-upgrade stays in its major. */
  installedVersions?: ReadonlyMap<string, string>;
  /** Protected-settings Secret name → HMAC digest of its data, for `configDigest`. Never the data. */
  protectedDigests?: ReadonlyMap<string, string>;
}

/** What runs now for one release, as far as version resolution needs it. */
export interface InstalledRelease {
  version: string;
  /** The chart name it runs; undefined when unknown (then the version applies whatever the chart). */
  chartName?: string;
}

/**
 * The desired state over what is installed, for `plan` (the base revision) and the controller (the
 * Extension CRs) alike: auto-upgrading releases stay within the installed major, except where the
 * desired chart is another chart than the one installed — another chart's major says nothing about
 * this one, so that release resolves as a fresh install. Pure.
 */
export function computeDesiredStateOver(input: Omit<ComputeDesiredStateInput, 'installedVersions'> & { installed: ReadonlyMap<string, InstalledRelease> }): DesiredState {
  const versions = new Map([...input.installed].map(([key, r]) => [key, r.version]));
  const { installed, ...rest } = input;
  const first = computeDesiredState({ ...rest, installedVersions: versions });
  let recompute = false;
  for (const release of first.releases) {
    const key = releaseKey(release.cluster, release.extension);
    const chartName = installed.get(key)?.chartName;
    if (chartName !== undefined && chartName !== release.chart.name && versions.delete(key)) recompute = true;
  }
  return recompute ? computeDesiredState({ ...rest, installedVersions: versions }) : first;
}

/** The key of a release in maps: `<cluster>/<extension>` (both are DNS labels, so unambiguous). */
export function releaseKey(cluster: string, extension: string): string {
  return `${cluster}/${extension}`;
}

/**
 * What every cluster must run (DESIGN.md §3): policies expanded, versions resolved per train,
 * settings nested, one DesiredRelease per (cluster, extension) with its configDigest. Pure.
 */
export function computeDesiredState(input: ComputeDesiredStateInput): DesiredState {
  const { fleet, catalog } = input;
  const expanded = expandPolicies(fleet);
  const context: BuildContext = {
    types: new Map(fleet.extensionTypes.map((type) => [type.metadata.name, type])),
    clusters: new Set(fleet.clusters.map((cluster) => cluster.metadata.name)),
    catalog,
    installedVersions: input.installedVersions,
    protectedDigests: input.protectedDigests,
    trains: new Map(),
    nested: new WeakMap(),
    sharedDigests: new WeakMap(),
  };
  const diagnostics: Diagnostic[] = [...expanded.diagnostics];
  const releaseProblems: Diagnostic[] = [];
  const releases: DesiredRelease[] = [];
  for (const instance of expanded.instances) {
    const built = buildRelease(instance, context);
    if (built.diagnostics) (built.release ? releaseProblems : diagnostics).push(...built.diagnostics);
    if (built.release) releases.push(built.release);
  }
  return { releases, compliance: expanded.compliance, ignoredVersions: catalog ? collectIgnoredVersions(fleet.extensionTypes, catalog) : [], diagnostics, releaseProblems };
}

/** A type's train, worked out once per desired state: thousands of instances share a few trains. */
interface TrainInfo {
  train: ReleaseTrain;
  chart: ChartRef;
  chartKey: string;
  /** The chart's listed valid versions, when the catalog has them. */
  listed?: ReadonlySet<string>;
  /** Auto-upgrade resolution per installed version ('' for a fresh install); pinned per version. */
  resolutions: Map<string, VersionResolution>;
}

interface BuildContext {
  types: ReadonlyMap<string, ExtensionTypeManifest>;
  clusters: ReadonlySet<string>;
  catalog: ChartCatalog | undefined;
  installedVersions: ReadonlyMap<string, string> | undefined;
  protectedDigests: ReadonlyMap<string, string> | undefined;
  trains: Map<string, TrainInfo | undefined>;
  /** Instances generated by one policy share the template's settings object, so they share its values. */
  nested: WeakMap<object, NestedSettings>;
  sharedDigests: WeakMap<object, Map<string, string>>;
}

function buildRelease(instance: ExtensionInstance, context: BuildContext): { release?: DesiredRelease; diagnostics?: Diagnostic[] } {
  const { spec } = instance;
  const problems = findProblems(instance, context);
  if (problems.info === undefined) return { diagnostics: problems.diagnostics };
  const { info, namespace, nested } = problems;
  const installedVersion = context.installedVersions?.get(releaseKey(instance.cluster, instance.name));
  const version = resolveFor(spec, info, installedVersion, context.catalog);
  let diagnostics: Diagnostic[] | undefined;
  if (version.kind === 'unresolved' && version.cause === 'not-listed') {
    diagnostics = [
      planDiagnostic({
        severity: 'error',
        code: 'PinnedVersionNotInIndex',
        message: `${subjectOf(instance)}: ${version.reason}`,
        source: instance.source,
        pointer: `${pointerOf(instance)}/version`,
      }),
    ];
  }
  const type = context.types.get(spec.extensionType);
  const timeout = spec.timeout ?? type?.spec.timeout;
  const driftIgnore = mergeDriftIgnoreRules(type?.spec.driftIgnore, spec.driftIgnore);
  const protectedRef = spec.configurationProtectedSettingsRef;
  const protectedDigest = protectedRef ? context.protectedDigests?.get(protectedRef.secretName) : undefined;
  const release: DesiredRelease = {
    cluster: instance.cluster,
    extension: instance.name,
    releaseName: instance.name,
    namespace,
    scope: spec.scope,
    extensionType: spec.extensionType,
    chart: info.chart,
    version,
    autoUpgradeMinorVersion: spec.autoUpgradeMinorVersion,
    releaseTrain: spec.releaseTrain,
    values: nested.values,
    ...(protectedRef ? { protectedSettingsRef: { secretName: protectedRef.secretName } } : {}),
    ...(protectedDigest !== undefined ? { protectedSettingsDigest: protectedDigest } : {}),
    driftDetection: spec.driftDetection,
    ...(driftIgnore.length > 0 ? { driftIgnore } : {}),
    ...(timeout !== undefined ? { timeoutMs: parseDuration(timeout, 'timeout') } : {}),
    origin: instance.origin,
    configDigest: digestFor(instance, info, { version: versionLabel(version), values: nested.values, protectedDigest }, context),
  };
  return diagnostics ? { release, diagnostics } : { release };
}

type Checked = { diagnostics: Diagnostic[]; info?: undefined } | { diagnostics: []; info: TrainInfo; namespace: string; nested: NestedSettings };

/** Everything that stops a release from being built, as error diagnostics; otherwise (and only then) its parts. */
function findProblems(instance: ExtensionInstance, context: BuildContext): Checked {
  const { spec } = instance;
  const diagnostics: Diagnostic[] = [];
  const error = (code: string, message: string, at: string): void => {
    diagnostics.push(planDiagnostic({ severity: 'error', code, message, source: instance.source, pointer: `${pointerOf(instance)}${at}` }));
  };
  if (instance.origin.kind === 'explicit' && !context.clusters.has(instance.cluster)) {
    error('UnknownCluster', `${subjectOf(instance)} names a cluster that no ConnectedCluster defines; add the ConnectedCluster or fix spec.clusterName.`, '/clusterName');
  }
  const type = context.types.get(spec.extensionType);
  if (type === undefined) {
    error('UnknownExtensionType', `${subjectOf(instance)} has type ${q(spec.extensionType)}, which no ExtensionType defines.`, '/extensionType');
    return { diagnostics };
  }
  const info = trainInfo(type, spec.releaseTrain, context);
  if (info === undefined) {
    error('UnknownReleaseTrain', `${subjectOf(instance)} follows release train ${q(spec.releaseTrain)}, which ExtensionType ${q(type.metadata.name)} does not define.`, '/releaseTrain');
  }
  const namespace = spec.scope === 'namespace' ? spec.targetNamespace : (spec.releaseNamespace ?? type.spec.defaultReleaseNamespace);
  if (namespace === undefined) {
    const fix = spec.scope === 'namespace' ? 'set spec.targetNamespace' : `set spec.releaseNamespace or the type's defaultReleaseNamespace`;
    error('MissingReleaseNamespace', `${subjectOf(instance)} has no release namespace; ${fix}.`, spec.scope === 'namespace' ? '/targetNamespace' : '/releaseNamespace');
  }
  let nested = context.nested.get(spec.configurationSettings);
  if (nested === undefined) {
    nested = nestSettings(spec.configurationSettings);
    if (instance.origin.kind === 'policy') context.nested.set(spec.configurationSettings, nested);
  }
  for (const problem of nested.problems) error(problem.reason, `${subjectOf(instance)}: ${problem.message}`, `/configurationSettings/${escapePointer(problem.key)}`);
  if (info === undefined || namespace === undefined || diagnostics.length > 0) return { diagnostics };
  return { diagnostics: [], info, namespace, nested };
}

function trainInfo(type: ExtensionTypeManifest, trainName: string, context: BuildContext): TrainInfo | undefined {
  const id = `${type.metadata.name}\u0000${trainName}`;
  if (context.trains.has(id)) return context.trains.get(id);
  const train = Object.hasOwn(type.spec.releaseTrains, trainName) ? type.spec.releaseTrains[trainName] : undefined;
  let info: TrainInfo | undefined;
  if (train !== undefined) {
    const chart = trainChart(type, train);
    const key = chartKey(chart);
    const listed = context.catalog?.get(key);
    info = { train, chart, chartKey: key, resolutions: new Map(), ...(listed && listed.unavailableReason === undefined ? { listed: new Set(listed.versions) } : {}) };
  }
  context.trains.set(id, info);
  return info;
}

function resolveFor(spec: ExtensionInstance['spec'], info: TrainInfo, installedVersion: string | undefined, catalog: ChartCatalog | undefined): VersionResolution {
  const key = spec.autoUpgradeMinorVersion ? `auto:${installedVersion ?? ''}` : `pin:${spec.version ?? ''}`;
  let resolution = info.resolutions.get(key);
  if (resolution === undefined) {
    resolution = resolveVersion({ template: spec, train: info.train, chart: info.chart, catalog, ...(installedVersion !== undefined ? { installedVersion } : {}) });
    info.resolutions.set(key, resolution);
  }
  return resolution;
}

function digestFor(instance: ExtensionInstance, info: TrainInfo, input: { version: string; values: Record<string, unknown>; protectedDigest: string | undefined }, context: BuildContext): string {
  const { protectedDigest, ...rest } = input;
  const digestInput = { chart: info.chart, ...rest, ...(protectedDigest !== undefined ? { protectedDigest } : {}) };
  if (instance.origin.kind !== 'policy') return computeConfigDigest(digestInput);
  let byTarget = context.sharedDigests.get(input.values);
  if (byTarget === undefined) context.sharedDigests.set(input.values, (byTarget = new Map()));
  const key = `${info.chartKey}\u0000${input.version}\u0000${protectedDigest ?? ''}`;
  let digest = byTarget.get(key);
  if (digest === undefined) byTarget.set(key, (digest = computeConfigDigest(digestInput)));
  return digest;
}

function subjectOf(instance: ExtensionInstance): string {
  return `Extension ${q(instance.name)} on cluster ${q(instance.cluster)}`;
}

function pointerOf(instance: ExtensionInstance): string {
  return instance.origin.kind === 'policy' ? '/spec/extension' : '/spec';
}

/** The chart a train takes its versions from: the type's chart with the train's overrides. */
export function trainChart(type: ExtensionTypeManifest, train: ReleaseTrain): ChartRef {
  return { repository: train.repository ?? type.spec.chart.repository, name: train.name ?? type.spec.chart.name, ...(type.spec.versionPrefix ? { versionPrefix: type.spec.versionPrefix } : {}) };
}

/** Every chart the fleet's types use, over all trains, deduplicated by chartKey and sorted. */
export function chartsOfFleet(fleet: Fleet): ChartRef[] {
  const charts = new Map<string, ChartRef>();
  for (const type of fleet.extensionTypes) {
    for (const train of Object.values(type.spec.releaseTrains)) {
      const chart = trainChart(type, train);
      charts.set(chartKey(chart), chart);
    }
  }
  return [...charts.entries()].sort(([a], [b]) => compare(a, b)).map(([, chart]) => chart);
}

function collectIgnoredVersions(types: readonly ExtensionTypeManifest[], catalog: ChartCatalog): IgnoredChartVersion[] {
  const byVersion = new Map<string, IgnoredChartVersion>();
  for (const type of types) {
    for (const train of Object.values(type.spec.releaseTrains)) {
      const chart = trainChart(type, train);
      const key = chartKey(chart);
      for (const ignored of catalog.get(key)?.ignored ?? []) {
        const id = `${key}\u0000${ignored.version}`;
        const entry = byVersion.get(id) ?? { chart, version: ignored.version, reason: ignored.reason, extensionTypes: [] };
        if (!entry.extensionTypes.includes(type.metadata.name)) entry.extensionTypes.push(type.metadata.name);
        byVersion.set(id, entry);
      }
    }
  }
  const result = [...byVersion.values()];
  for (const entry of result) entry.extensionTypes.sort();
  return result.sort((a, b) => compare(a.chart.repository, b.chart.repository) || compare(a.chart.name, b.chart.name) || compare(a.version, b.version));
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function q(text: string): string {
  return JSON.stringify(text);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
