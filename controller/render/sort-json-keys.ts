/**
 * A copy of a JSON value with every object's keys in code-unit order and undefined members
 * dropped, so the versioned JSON forms (plan, drift) are byte-identical whenever the data is.
 * Arrays keep their order: the data's own sort is part of its meaning. Pure.
 */
export function sortJsonKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortJsonKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    // defineProperty, not assignment: a key named __proto__ stays a plain key.
    if (record[key] !== undefined) Object.defineProperty(sorted, key, { value: sortJsonKeys(record[key]), enumerable: true, writable: true, configurable: true });
  }
  return sorted;
}
