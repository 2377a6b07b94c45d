import { parseJsonPointer } from '../manifest/json-pointer.js';
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

/**
 * Why `path` is not a usable JSON Pointer (RFC 6901) for an ignore rule, or undefined when it is.
 * The message says what the valid form would be.
 */
export function driftIgnorePathProblem(path: string): string | undefined {
  if (path === '' || path === '/') return `"${path}" would ignore the whole object; name a field, e.g. "/spec/replicas"`;
  if (!path.startsWith('/')) return `"${path}" is not a JSON Pointer: it must start with "/"; did you mean "/${path.replace(/\./g, '/')}"?`;
  const badEscape = /~(?![01])/.exec(path);
  if (badEscape) return `"${path}" has "~" not followed by 0 or 1 at character ${badEscape.index + 1}; write "~0" for "~" and "~1" for "/"`;
  if (path.includes('//')) return `"${path}" has an empty segment ("//"); remove the extra "/"`;
  if (path.endsWith('/')) return `"${path}" ends with "/"; remove it`;
  return undefined;
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
