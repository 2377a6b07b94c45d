import semver from 'semver';
import { checkChartVersion, checkComparableSemver, hasVersionPrefix, type VersionPrefix } from '../manifest/strict-semver.js';
import type { ChartVersions, IgnoredVersion } from './chart-catalog.js';

/** The part of a parsed Helm repository `index.yaml` this stage reads. */
export interface ChartIndex {
  entries?: Record<string, ReadonlyArray<{ version?: unknown } | null | undefined> | null | undefined>;
}

/**
 * Splits the versions a Helm index lists for `chartName` into strict-SemVer versions (newest first)
 * and ignored ones with the reason (DESIGN.md §1: a version such as `1.0.029903` is listed as
 * ignored, never silently dropped), and so is a strict version too large to compare
 * (`99999999999999999999.0.0`), rather than failing every pass. A chart the index does not list
 * yields `unavailableReason`. With `prefix` (the type's `versionPrefix: v`), `v` followed by a
 * strict SemVer version is valid too, and listed as written; without it such a version is ignored
 * with a reason that names the opt-in.
 */
export function classifyIndexVersions(index: ChartIndex, chartName: string, prefix?: VersionPrefix): ChartVersions {
  const entries = index.entries !== null && typeof index.entries === 'object' && Object.hasOwn(index.entries, chartName) ? index.entries[chartName] : undefined;
  if (!Array.isArray(entries)) {
    return { versions: [], ignored: [], unavailableReason: `The repository index does not list a chart named ${JSON.stringify(chartName)}.` };
  }
  const valid = new Set<string>();
  const ignored = new Map<string, IgnoredVersion>();
  for (const entry of entries) {
    const version: unknown = entry?.version;
    if (typeof version !== 'string') {
      const shown = version === undefined ? '(missing)' : String(version);
      if (!ignored.has(shown)) ignored.set(shown, { version: shown, reason: 'The index entry has no version string.' });
      continue;
    }
    const check = checkChartVersion(version, prefix);
    const comparable = check.ok ? checkComparableSemver(version) : check;
    if (check.ok && comparable.ok) valid.add(version);
    else if (ignored.has(version)) continue;
    else if (!check.ok && prefix === undefined && hasVersionPrefix(version)) {
      ignored.set(version, { version, reason: 'It is not a strict SemVer 2.0.0 version: it has a "v" prefix; set versionPrefix: v on the ExtensionType to accept such versions.' });
    } else if (!check.ok) ignored.set(version, { version, reason: `It is not a strict SemVer 2.0.0 version: ${sentence(check.reason)}` });
    else if (!comparable.ok) ignored.set(version, { version, reason: `It cannot be compared with other versions: ${sentence(comparable.reason)}` });
  }
  return {
    versions: [...valid].sort(semver.rcompare),
    ignored: [...ignored.values()].sort((a, b) => compareStrings(a.version, b.version)),
  };
}

function sentence(reason: string): string {
  return `${reason}${/[.?!]$/.test(reason) ? '' : '.'}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
