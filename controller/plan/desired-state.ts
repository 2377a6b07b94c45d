import type { Diagnostic } from '../manifest/diagnostic.js';
import type { ChartRef, ExtensionTypeManifest, Fleet, ReleaseTrain } from '../manifest/fleet.js';
import { chartKey, type ChartCatalog } from './chart-catalog.js';
import { computeConfigDigest } from './config-digest.js';
import type { DesiredRelease, VersionResolution } from './desired-release.js';
import { expandPolicies, type ExtensionInstance, type PolicyCompliance } from './expand-policies.js';
import { nestSettings } from './nest-settings.js';
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
  const types = new Map(fleet.extensionTypes.map((type) => [type.metadata.name, type]));
  const clusters = new Set(fleet.clusters.map((cluster) => cluster.metadata.name));
  const diagnostics: Diagnostic[] = [...expanded.diagnostics];
  const releases: DesiredRelease[] = [];
  // Thousands of instances share a handful of (chart, train, installed version) combinations.
  const resolutions = new Map<string, VersionResolution>();

  for (const instance of expanded.instances) {
    const built = buildRelease({ instance, types, clusters, catalog, resolutions, installedVersions: input.installedVersions, protectedDigests: input.protectedDigests });
    diagnostics.push(...built.diagnostics);
    if (built.release) releases.push(built.release);
  }
  return { releases, compliance: expanded.compliance, ignoredVersions: catalog ? collectIgnoredVersions(fleet.extensionTypes, catalog) : [], diagnostics };
}

interface BuildReleaseContext {
  instance: ExtensionInstance;
  types: ReadonlyMap<string, ExtensionTypeManifest>;
  clusters: ReadonlySet<string>;
  catalog: ChartCatalog | undefined;
  resolutions: Map<string, VersionResolution>;
  installedVersions: ReadonlyMap<string, string> | undefined;
  protectedDigests: ReadonlyMap<string, string> | undefined;
}

function buildRelease(context: BuildReleaseContext): { release?: DesiredRelease; diagnostics: Diagnostic[] } {
  const { instance, catalog } = context;
  const { spec } = instance;
  const pointer = instance.origin.kind === 'policy' ? '/spec/extension' : '/spec';
  const subject = `Extension ${q(instance.name)} on cluster ${q(instance.cluster)}`;
  const diagnostics: Diagnostic[] = [];
  const error = (code: string, message: string, at: string): void => {
    diagnostics.push(planDiagnostic({ severity: 'error', code, message, source: instance.source, pointer: `${pointer}${at}` }));
  };

  if (instance.origin.kind === 'explicit' && !context.clusters.has(instance.cluster)) {
    error('UnknownCluster', `${subject} names a cluster that no ConnectedCluster defines; add the ConnectedCluster or fix spec.clusterName.`, '/clusterName');
  }
  const type = context.types.get(spec.extensionType);
  if (type === undefined) {
    error('UnknownExtensionType', `${subject} has type ${q(spec.extensionType)}, which no ExtensionType defines.`, '/extensionType');
    return { diagnostics };
  }
  const train = Object.hasOwn(type.spec.releaseTrains, spec.releaseTrain) ? type.spec.releaseTrains[spec.releaseTrain] : undefined;
  if (train === undefined) {
    error('UnknownReleaseTrain', `${subject} follows release train ${q(spec.releaseTrain)}, which ExtensionType ${q(type.metadata.name)} does not define.`, '/releaseTrain');
  }
  const namespace = spec.scope === 'namespace' ? spec.targetNamespace : (spec.releaseNamespace ?? type.spec.defaultReleaseNamespace);
  if (namespace === undefined) {
    const fix = spec.scope === 'namespace' ? 'set spec.targetNamespace' : `set spec.releaseNamespace or the type's defaultReleaseNamespace`;
    error('MissingReleaseNamespace', `${subject} has no release namespace; ${fix}.`, spec.scope === 'namespace' ? '/targetNamespace' : '/releaseNamespace');
  }
  const nested = nestSettings(spec.configurationSettings);
  for (const problem of nested.problems) error('ConflictingSettings', `${subject}: ${problem.message}`, `/configurationSettings/${escapePointer(problem.key)}`);
  if (train === undefined || namespace === undefined || diagnostics.length > 0) return { diagnostics };

  const chart = trainChart(type, train);
  const installedVersion = context.installedVersions?.get(releaseKey(instance.cluster, instance.name));
  const version = memoizedResolve(context, { chart, train, installedVersion });
  if (version.kind === 'pinned' && catalog !== undefined) {
    const listed = catalog.get(chartKey(chart));
    if (listed !== undefined && listed.unavailableReason === undefined && !listed.versions.includes(version.version)) {
      diagnostics.push(
        planDiagnostic({
          severity: 'warning',
          code: 'PinnedVersionNotInIndex',
          message: `${subject} pins version ${q(version.version)}, which the index of ${q(chart.repository)} does not list as a valid version of chart ${q(chart.name)}.`,
          source: instance.source,
          pointer: `${pointer}/version`,
        }),
      );
    }
  }
  const protectedRef = spec.configurationProtectedSettingsRef;
  const protectedDigest = protectedRef ? context.protectedDigests?.get(protectedRef.secretName) : undefined;
  const release: DesiredRelease = {
    cluster: instance.cluster,
    extension: instance.name,
    releaseName: instance.name,
    namespace,
    scope: spec.scope,
    extensionType: spec.extensionType,
    chart,
    version,
    autoUpgradeMinorVersion: spec.autoUpgradeMinorVersion,
    releaseTrain: spec.releaseTrain,
    values: nested.values,
    ...(protectedRef ? { protectedSettingsRef: { secretName: protectedRef.secretName } } : {}),
    ...(protectedDigest !== undefined ? { protectedSettingsDigest: protectedDigest } : {}),
    driftDetection: spec.driftDetection,
    origin: instance.origin,
    configDigest: computeConfigDigest({
      chart,
      version: versionLabel(version),
      values: nested.values,
      ...(protectedDigest !== undefined ? { protectedDigest } : {}),
    }),
  };
  return { release, diagnostics };
}

function memoizedResolve(context: BuildReleaseContext, target: { chart: ChartRef; train: ReleaseTrain; installedVersion: string | undefined }): VersionResolution {
  const { spec } = context.instance;
  if (!spec.autoUpgradeMinorVersion) return resolveVersion({ template: spec, train: target.train, chart: target.chart, catalog: context.catalog });
  const key = [chartKey(target.chart), spec.releaseTrain, target.train.includePrereleases, target.installedVersion ?? ''].join('\u0000');
  let resolution = context.resolutions.get(key);
  if (resolution === undefined) {
    resolution = resolveVersion({
      template: spec,
      train: target.train,
      chart: target.chart,
      catalog: context.catalog,
      ...(target.installedVersion !== undefined ? { installedVersion: target.installedVersion } : {}),
    });
    context.resolutions.set(key, resolution);
  }
  return resolution;
}

/** The chart a train takes its versions from: the type's chart with the train's overrides. */
export function trainChart(type: ExtensionTypeManifest, train: ReleaseTrain): ChartRef {
  return { repository: train.repository ?? type.spec.chart.repository, name: train.name ?? type.spec.chart.name };
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
