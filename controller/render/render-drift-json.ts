import type { DriftReport } from '../drift/drift-report.js';
import { sortJsonKeys } from './sort-json-keys.js';

/**
 * The versioned JSON form of a drift report: `formatVersion` first, then every object's keys
 * sorted and arrays in the report's own order (clusters, extensions and objects are sorted by the
 * drift stage), so two checks of an unchanged fleet are byte-identical. Pure.
 */
export function renderDriftJson(report: DriftReport): string {
  const { formatVersion, ...rest } = report;
  return JSON.stringify({ formatVersion, ...(sortJsonKeys(rest) as object) }, null, 2) + '\n';
}
