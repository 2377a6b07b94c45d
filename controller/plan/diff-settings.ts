import { joinSettingPath } from './nest-settings.js';
import type { SettingChange } from './plan.js';

/**
 * Key-level differences between two values trees, as settings keys (`a.b`, with `\.` for literal
 * dots), sorted by key. Comparing the nested values rather than the flat settings means rewriting a
 * key in an equivalent form is no change. Values are configurationSettings, which are not secret.
 */
export function diffSettings(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): SettingChange[] {
  // Most releases in a plan keep their settings; checking that allocates nothing.
  if (sameValues(before, after)) return [];
  const from = flattenValues(before);
  const to = flattenValues(after);
  const changes: SettingChange[] = [];
  for (const [key, value] of from) {
    if (!to.has(key)) changes.push({ key, change: 'removed', from: value });
    else if (!Object.is(to.get(key), value)) changes.push({ key, change: 'changed', from: value, to: to.get(key) });
  }
  for (const [key, value] of to) {
    if (!from.has(key)) changes.push({ key, change: 'added', to: value });
  }
  return changes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function sameValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b)) return Object.is(a, b);
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key)) continue;
    if (!Object.hasOwn(right, key) || !sameValues(left[key], right[key])) return false;
    count++;
  }
  let rightCount = 0;
  for (const key in right) if (Object.hasOwn(right, key)) rightCount++;
  return count === rightCount;
}

/** Leaf path (as a settings key) → leaf value. */
export function flattenValues(values: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  const walk = (node: Readonly<Record<string, unknown>>, path: string[]): void => {
    for (const key of Object.keys(node)) {
      const value = node[key];
      const childPath = [...path, key];
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) walk(value as Record<string, unknown>, childPath);
      else leaves.set(joinSettingPath(childPath), value);
    }
  };
  walk(values, []);
  return leaves;
}
