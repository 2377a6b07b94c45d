/**
 * The JSON merge patch (RFC 7386) that turns `from` into `to`: members of `to` that differ, `null`
 * for members of `from` that `to` lacks, objects recursively. Arrays and scalars are replaced whole,
 * as merge patch always does with them.
 */
export function mergePatchBetween(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) {
    if (to[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    if (JSON.stringify(from[key]) === JSON.stringify(value)) continue;
    patch[key] = isObject(from[key]) && isObject(value) ? mergePatchBetween(from[key], value) : value;
  }
  return patch;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
