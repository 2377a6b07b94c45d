import { jsonPointerProblem, parseJsonPointer } from '../manifest/json-pointer.js';
import type { DriftIgnoreRule } from './drift-report.js';

/**
 * Whether a field drift at `path` (a JSON Pointer) of the object `kind`/`name` is covered by one of
 * the rules. A rule covers its path and everything below it; a segment `*` matches any one
 * segment (e.g. `/spec/template/spec/containers/*\/image`). Pure.
 */
export function isDriftIgnored(rules: readonly DriftIgnoreRule[], object: { kind: string; name: string }, path: string): boolean {
  const segments = parseJsonPointer(path);
  return rules.some((rule) => {
    if (rule.kind !== undefined && rule.kind !== object.kind) return false;
    if (rule.name !== undefined && rule.name !== object.name) return false;
    const pattern = parseJsonPointer(rule.path);
    if (pattern.length > segments.length) return false;
    return pattern.every((p, i) => p === '*' || p === segments[i]);
  });
}

/** Why `path` is not a usable JSON Pointer for an ignore rule (with the valid form), or undefined. */
export function driftIgnorePathProblem(path: string): string | undefined {
  return jsonPointerProblem(path);
}

/** The rules of an ExtensionType and of its Extension, type rules first; duplicates dropped. */
export function mergeDriftIgnoreRules(...lists: readonly (readonly DriftIgnoreRule[] | undefined)[]): DriftIgnoreRule[] {
  const seen = new Set<string>();
  const out: DriftIgnoreRule[] = [];
  for (const rule of lists.flatMap((l) => l ?? [])) {
    const key = JSON.stringify([rule.path, rule.kind ?? null, rule.name ?? null]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: rule.path, ...(rule.kind !== undefined ? { kind: rule.kind } : {}), ...(rule.name !== undefined ? { name: rule.name } : {}) });
  }
  return out;
}
