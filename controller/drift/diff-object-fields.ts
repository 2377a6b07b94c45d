import { toJsonPointer } from '../manifest/json-pointer.js';
import type { FieldDrift } from './drift-report.js';

/**
 * Every leaf where `live` differs from `desired`, as JSON Pointers sorted by path. Objects are
 * compared key by key; arrays element by element (by index: the server keeps list order, so an
 * element moved is reported as the elements that changed). A field present on one side only is
 * reported whole, without `desired` or without `live`. Pure.
 */
export function diffObjectFields(desired: unknown, live: unknown): FieldDrift[] {
  const out: FieldDrift[] = [];
  walk(desired, live, [], out);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function walk(desired: unknown, live: unknown, at: (string | number)[], out: FieldDrift[]): void {
  if (isRecord(desired) && isRecord(live)) {
    const keys = new Set([...Object.keys(desired), ...Object.keys(live)]);
    for (const key of keys) {
      const inDesired = Object.hasOwn(desired, key) && desired[key] !== undefined;
      const inLive = Object.hasOwn(live, key) && live[key] !== undefined;
      if (inDesired && inLive) walk(desired[key], live[key], [...at, key], out);
      else if (inDesired) out.push({ path: toJsonPointer([...at, key]), desired: desired[key] });
      else if (inLive) out.push({ path: toJsonPointer([...at, key]), live: live[key] });
    }
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    for (let i = 0; i < Math.max(desired.length, live.length); i++) {
      if (i >= live.length) out.push({ path: toJsonPointer([...at, i]), desired: desired[i] });
      else if (i >= desired.length) out.push({ path: toJsonPointer([...at, i]), live: live[i] });
      else walk(desired[i], live[i], [...at, i], out);
    }
    return;
  }
  // Scalars, or two values of different shapes (object vs array, null vs object): those always differ.
  if (desired !== live) out.push({ path: toJsonPointer(at), desired, live });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
