import type { Plan } from '../plan/plan.js';
import { sortJsonKeys } from './sort-json-keys.js';

/**
 * The versioned JSON form of a plan: `formatVersion` first, then every object's keys sorted, arrays
 * in the plan's own deterministic order, so two runs over the same revisions are byte-identical. Pure.
 */
export function renderPlanJson(plan: Plan): string {
  const { formatVersion, ...rest } = plan;
  return JSON.stringify({ formatVersion, ...(sortJsonKeys(rest) as object) }, null, 2) + '\n';
}
