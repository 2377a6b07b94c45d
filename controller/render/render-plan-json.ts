import type { Plan } from '../plan/plan.js';

/**
 * The versioned JSON form of a plan: `formatVersion` first, then every object's keys sorted, arrays
 * in the plan's own deterministic order, so two runs over the same revisions are byte-identical. Pure.
 */
export function renderPlanJson(plan: Plan): string {
  const { formatVersion, ...rest } = plan;
  return JSON.stringify({ formatVersion, ...(sortKeys(rest) as object) }, null, 2) + '\n';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) Object.defineProperty(sorted, key, { value: sortKeys(record[key]), enumerable: true, writable: true, configurable: true });
  }
  return sorted;
}
