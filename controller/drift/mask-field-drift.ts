import type { FieldDrift } from './drift-report.js';

export const MASKED_VALUE = '[MASKED]';

/**
 * Replaces the values of a field drift that must never be shown: everything under a Secret's `data`
 * or `stringData` (and a whole `data` object when the field drift is the map itself), and any value
 * that contains a protected value anywhere inside it. The path stays, so the drift is still
 * reported and actionable. Pure.
 */
export function maskFieldDrift(field: FieldDrift, object: { kind: string }, protectedValues: readonly string[]): FieldDrift {
  const secretData = object.kind === 'Secret' && /^\/(data|stringData)(\/|$)/.test(field.path);
  const holdsProtected = (value: unknown) => value !== undefined && containsProtected(value, protectedValues);
  if (!secretData && !holdsProtected(field.desired) && !holdsProtected(field.live)) return field;
  return {
    path: field.path,
    ...(field.desired !== undefined ? { desired: MASKED_VALUE } : {}),
    ...(field.live !== undefined ? { live: MASKED_VALUE } : {}),
    masked: true,
  };
}

/**
 * Whether a protected value occurs in `value`: as a substring of any string in it, or in its base64
 * form (Secret data, and values a chart base64-encodes into a ConfigMap or annotation).
 */
export function containsProtected(value: unknown, protectedValues: readonly string[]): boolean {
  const needles = protectedValues.filter((p) => p.length > 0).flatMap((p) => [p, Buffer.from(p, 'utf8').toString('base64')]);
  if (needles.length === 0) return false;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return needles.some((n) => text.includes(n) || (typeof value !== 'string' && text.includes(JSON.stringify(n).slice(1, -1))));
}
