import type { SettingValue } from '../manifest/fleet.js';

/** A settings key that cannot become a values path; the release cannot be built until it is fixed. */
export interface SettingProblem {
  /** The key as written in `configurationSettings`. */
  key: string;
  /** The other key involved, for conflicts. */
  conflictsWith?: string;
  /** A whole sentence naming the keys in quotes and saying what to do. */
  message: string;
}

export interface NestedSettings {
  values: Record<string, unknown>;
  problems: SettingProblem[];
}

type Tree = Record<string, unknown>;

/**
 * Turns a flat `configurationSettings` map into Helm values (DESIGN.md §1): dots nest
 * (`a.b: 1` → `{a: {b: 1}}`), `\.` is a literal dot. Keys are applied in sorted order so the result
 * and the problems do not depend on the order the YAML listed them in.
 *
 * A key that both holds a value and has keys nested under it (`a: 1` with `a.b: 2`) is a conflict:
 * Helm could only keep one of them, and silently picking one would deploy something nobody wrote.
 * It is reported as a problem (the first key in sorted order is kept in `values`) and callers must
 * treat any problem as an error for that release. Empty path segments (`a..b`, `.a`, `a.`) are
 * problems too.
 */
export function nestSettings(flat: Readonly<Record<string, SettingValue>>): NestedSettings {
  const values: Tree = {};
  const problems: SettingProblem[] = [];
  // Which original key put a leaf, or first created an object, at each path.
  const ownerOfPath = new Map<string, string>();
  for (const key of Object.keys(flat).sort()) {
    const path = splitSettingKey(key);
    if (path.some((segment) => segment === '')) {
      problems.push({ key, message: `Setting ${JSON.stringify(key)} has an empty path segment; remove the extra dot or write a literal dot as "\\.".` });
      continue;
    }
    const conflict = insertLeaf(values, path, flat[key]!, key, ownerOfPath);
    if (conflict !== undefined) {
      problems.push({
        key,
        conflictsWith: conflict,
        message:
          `Settings ${JSON.stringify(conflict)} and ${JSON.stringify(key)} conflict: one sets a value where the other nests keys ` +
          `under it, and Helm values can hold only one of them; keep one, or write a literal dot as "\\.".`,
      });
    }
  }
  return { values, problems };
}

/** Splits on unescaped dots; `\.` is a literal dot, any other backslash is kept as written. */
export function splitSettingKey(key: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (ch === '\\' && key[i + 1] === '.') {
      current += '.';
      i++;
    } else if (ch === '.') {
      segments.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return segments;
}

/** The inverse of splitSettingKey: joins with dots, escaping dots inside segments. */
export function joinSettingPath(path: readonly string[]): string {
  return path.map((segment) => segment.replaceAll('.', '\\.')).join('.');
}

/** Returns the key that conflicts, or undefined when the leaf was placed. */
function insertLeaf(root: Tree, path: string[], value: SettingValue, key: string, ownerOfPath: Map<string, string>): string | undefined {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i]!;
    const pathId = path.slice(0, i + 1).join('\u0000');
    if (Object.hasOwn(node, segment)) {
      const child = node[segment];
      if (!isTree(child)) return ownerOfPath.get(pathId);
      node = child;
    } else {
      const child: Tree = {};
      setOwn(node, segment, child);
      ownerOfPath.set(pathId, key);
      node = child;
    }
  }
  const last = path[path.length - 1]!;
  const pathId = path.join('\u0000');
  if (Object.hasOwn(node, last)) return ownerOfPath.get(pathId);
  setOwn(node, last, value);
  ownerOfPath.set(pathId, key);
  return undefined;
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null;
}

/** Own data property even for keys such as `__proto__`, which plain assignment would not create. */
function setOwn(target: Tree, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
