import semver from 'semver';
import type { ChartRef, ExtensionTemplate, ReleaseTrain } from '../manifest/fleet.js';
import { chartKey, type ChartCatalog, type IgnoredVersion } from './chart-catalog.js';
import type { VersionResolution } from './desired-release.js';
import { hasVersionPrefix } from '../manifest/strict-semver.js';

export interface ResolveVersionInput {
  template: Pick<ExtensionTemplate, 'autoUpgradeMinorVersion' | 'version' | 'releaseTrain'>;
  train: ReleaseTrain;
  /** The chart the train takes its versions from (the train's overrides applied). */
  chart: ChartRef;
  /** Undefined when offline: auto-upgrading releases then show the train and the constraint. */
  catalog?: ChartCatalog;
  /** What runs now; auto-upgrade stays within its major. Absent for a fresh install. */
  installedVersion?: string;
}

/**
 * The version a release must run (DESIGN.md §1). Pinned (`autoUpgradeMinorVersion: false`) is
 * exactly `version`. Otherwise the newest version of the train within the installed major (the
 * newest of the train for a fresh install); prereleases only where the train includes them.
 * Never crosses a major on its own, and never guesses: when nothing matches, the result is
 * `unresolved` with the reason, and callers must not apply it.
 *
 * Installed versions newer than anything the train lists resolve to the newest in the major, which
 * the plan shows as a (flagged) downgrade rather than hiding it.
 */
export function resolveVersion(input: ResolveVersionInput): VersionResolution {
  const { template, train, chart, catalog } = input;
  const trainName = template.releaseTrain;
  if (!template.autoUpgradeMinorVersion) {
    if (template.version !== undefined) return resolvePinned(template.version, trainName, chart, catalog);
    return { kind: 'unresolved', train: trainName, constraint: '(none)', cause: 'no-match', reason: 'Auto-upgrade is off but no version is pinned; set spec.version.' };
  }
  const installed = input.installedVersion === undefined ? null : semver.parse(input.installedVersion);
  const major = installed?.major;
  const constraint = major === undefined ? '*' : `${major}.x`;
  const within = major === undefined ? 'newest' : `newest within ${major}.x`;
  if (catalog === undefined) {
    return { kind: 'unresolved', train: trainName, constraint, cause: 'offline', reason: `Offline: the ${within} version of train ${JSON.stringify(trainName)} is resolved when the chart index is read.` };
  }
  const versions = catalog.get(chartKey(chart));
  if (versions === undefined || versions.unavailableReason !== undefined) {
    const why = versions?.unavailableReason ?? `The versions of chart ${JSON.stringify(chart.name)} from ${JSON.stringify(chart.repository)} were not loaded.`;
    return { kind: 'unresolved', train: trainName, constraint, cause: 'unavailable', reason: why };
  }
  // versions are newest first, so the first match is the answer.
  for (const version of versions.versions) {
    if (!train.includePrereleases && semver.prerelease(version) !== null) continue;
    if (major !== undefined && semver.major(version) !== major) continue;
    return { kind: 'resolved', version, train: trainName, constraint };
  }
  const kinds = train.includePrereleases ? 'version' : 'release version (prereleases are excluded from this train)';
  const scope = major === undefined ? '' : ` within ${major}.x; pin a version to move to another major`;
  return {
    kind: 'unresolved',
    train: trainName,
    constraint,
    cause: 'no-match',
    reason: `Chart ${JSON.stringify(chart.name)} from ${JSON.stringify(chart.repository)} lists no ${kinds}${scope}.${ignoredNote(versions.ignored)}`,
  };
}

/**
 * A pin is exactly what runs, so it must be exactly a version the index lists: helm's `--version`
 * is a constraint, and `1.21.2` would otherwise install a listed `v1.21.2`. When the index could not
 * be read (offline, unreachable, OCI) the pin stands as written.
 */
function resolvePinned(version: string, trainName: string, chart: ChartRef, catalog: ChartCatalog | undefined): VersionResolution {
  const versions = catalog?.get(chartKey(chart));
  if (versions === undefined || versions.unavailableReason !== undefined || versions.versions.includes(version)) return { kind: 'pinned', version };
  const bare = version.replace(/^v/, '');
  const listed = versions.versions.filter((v) => v.replace(/^v/, '') === bare);
  const lookalikes = versions.ignored.filter((i) => i.version.replace(/^v/i, '').trim() === bare);
  const optIn = lookalikes.some((i) => hasVersionPrefix(i.version)) ? ', set versionPrefix: v on the ExtensionType and pin the "v" form,' : '';
  const hint =
    listed.length > 0
      ? ` The index lists ${listed.map((v) => JSON.stringify(v)).join(', ')}; pin exactly that.`
      : lookalikes.length > 0
        ? ` The index lists ${lookalikes.map((i) => JSON.stringify(i.version)).join(', ')}, which is not strict SemVer and is ignored; publish the chart as ${JSON.stringify(version)}${optIn} or pin a listed version.`
        : ' Pin a version the index lists, or publish this one.';
  return {
    kind: 'unresolved',
    train: trainName,
    constraint: `=${version}`,
    cause: 'not-listed',
    pinned: version,
    reason: `Version ${JSON.stringify(version)} is pinned, but the index of ${JSON.stringify(chart.repository)} does not list it for chart ${JSON.stringify(chart.name)}.${hint}`,
  };
}

/** The ignored index entries, named so a user sees why a train that "has versions" resolves to none. */
function ignoredNote(ignored: readonly IgnoredVersion[]): string {
  if (ignored.length === 0) return '';
  const shown = ignored.slice(0, 5).map((i) => `${JSON.stringify(i.version)} (${i.reason.replace(/\.$/, '')})`);
  const more = ignored.length > 5 ? ` and ${ignored.length - 5} more` : '';
  return ` The index lists ${ignored.length} version${ignored.length === 1 ? '' : 's'} that ${ignored.length === 1 ? 'is' : 'are'} not strict SemVer and ignored: ${shown.join('; ')}${more}.`;
}

/** The version to compare and digest: the concrete version, or `<train>@<constraint>` when unresolved. */
export function versionLabel(resolution: VersionResolution): string {
  return resolution.kind === 'unresolved' ? `${resolution.train}@${resolution.constraint}` : resolution.version;
}
