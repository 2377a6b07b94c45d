import type { ChartRef } from '../manifest/fleet.js';

/** A chart version found in a repository index that is not strict SemVer 2.0.0 (or `v` and strict SemVer, for a type with versionPrefix: v), and why. */
export interface IgnoredVersion {
  version: string;
  reason: string;
}

/** What the repository index says about one chart. */
export interface ChartVersions {
  /** Strict-SemVer-valid versions (`v`-prefixed ones too when read with versionPrefix: v), newest first, without duplicates. */
  versions: string[];
  /** Versions the index lists that fail strict SemVer; never silently dropped. */
  ignored: IgnoredVersion[];
  /**
   * Set when the versions could not be listed (index unreachable, chart not in the index, an
   * `oci://` repository): a whole sentence. `versions` is then empty and auto-upgrading releases of
   * this chart stay unresolved with this reason.
   */
  unavailableReason?: string;
}

/**
 * The versions of every chart the fleet uses, keyed by `chartKey(chart)`. Plain data: the source
 * adapter (`controller/source/chart-index.ts`) builds it from the repositories' `index.yaml`; tests
 * and the bench build it directly.
 */
export type ChartCatalog = ReadonlyMap<string, ChartVersions>;

/**
 * `<repository without trailing slash>#<chart name>`, and `#v` when the chart's versions are read
 * with the prefix allowed: two types on one chart that read its index differently have their own
 * entry.
 */
export function chartKey(chart: ChartRef): string {
  return `${normalizeRepositoryUrl(chart.repository)}#${chart.name}${chart.versionPrefix ? `#${chart.versionPrefix}` : ''}`;
}

/** The repository URL as compared and fetched: without trailing slashes. */
export function normalizeRepositoryUrl(repository: string): string {
  return repository.endsWith('/') ? repository.replace(/\/+$/, '') : repository;
}
