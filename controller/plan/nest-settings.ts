import type { SettingValue } from '../manifest/fleet.js';

/** A settings key that cannot become a values path; the release cannot be built until it is fixed. */
export interface SettingProblem {
  /** Why: also the diagnostic code of the problem, the same in validation and the desired state. */
  reason: 'ConflictingSettings' | 'EmptySettingSegment' | 'SettingTooDeep';
  /** The key as written in `configurationSettings`. */
  key: string;
  /** The other key involved, for conflicts. */
  conflictsWith?: string;
  /** How many path segments the key has, for keys beyond the depth limit. */
  depth?: number;
  /** A whole sentence naming the keys in quotes and saying what to do. */
  message: string;
}

export interface NestSettingsOptions {
  /**
   * Keys with more path segments than this are problems. Validation passes its limit, so a key
   * too deep never reaches the desired state, the values handed to helm or their digests.
   */
  maxDepth?: number;
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
 * problems too, and so are keys deeper than `maxDepth` when it is given.
 *
 * Validation calls this very function on every Extension and policy template, so what `validate`
 * accepts nests here without a problem.
 */
export function nestSettings(flat: Readonly<Record<string, SettingValue>>, options: NestSettingsOptions = {}): NestedSettings {
  const values: Tree = {};
  const problems: SettingProblem[] = [];
  const keys = Object.keys(flat).sort();
  const placed: { key: string; path: string[] }[] = [];
  for (const key of keys) {
    const path = splitSettingKey(key);
    if (path.some((segment) => segment === '')) {
      problems.push({ reason: 'EmptySettingSegment', key, message: `Setting ${JSON.stringify(key)} has an empty path segment; remove the extra dot or write a literal dot as "\\.".` });
      continue;
    }
    if (options.maxDepth !== undefined && path.length > options.maxDepth) {
      // The key itself may be megabytes of dots: the message quotes its start only.
      const shown = key.length > 80 ? `${key.slice(0, 80)}…` : key;
      problems.push({
        reason: 'SettingTooDeep',
        key,
        message: `Setting ${JSON.stringify(shown)} nests ${path.length} levels deep, more than the limit of ${options.maxDepth}; flatten it, write literal dots as "\\.", or raise --max-setting-depth.`,
        depth: path.length,
      });
      continue;
    }
    if (insertLeaf(values, path, flat[key]!)) {
      placed.push({ key, path });
      continue;
    }
    // Rare: find which earlier key holds the value or the subtree in the way.
    const conflict = placed.find((other) => isPrefix(other.path, path) || isPrefix(path, other.path))!.key;
    problems.push({
      reason: 'ConflictingSettings',
      key,
      conflictsWith: conflict,
      message:
        `Settings ${JSON.stringify(conflict)} and ${JSON.stringify(key)} conflict: one sets a value where the other nests keys ` +
        `under it, and Helm values can hold only one of them; keep one, or write a literal dot as "\\.".`,
    });
  }
  return { values, problems };
}

/** Splits on unescaped dots; `\.` is a literal dot, any other backslash is kept as written. */
export function splitSettingKey(key: string): string[] {
  if (!key.includes('\\')) return key.split('.');
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

/** Places the leaf; false when a value or a subtree is in the way (nothing is changed then). */
function insertLeaf(root: Tree, path: readonly string[], value: SettingValue): boolean {
  let node = root;
  const last = path.length - 1;
  for (let i = 0; i < last; i++) {
    const segment = path[i]!;
    if (Object.hasOwn(node, segment)) {
      const child = node[segment];
      if (!isTree(child)) return false;
      node = child;
    } else {
      const child: Tree = {};
      setOwn(node, segment, child);
      node = child;
    }
  }
  if (Object.hasOwn(node, path[last]!)) return false;
  setOwn(node, path[last]!, value);
  return true;
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null;
}

/** Own data property even for `__proto__`, which plain assignment would turn into a prototype change. */
function setOwn(target: Tree, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
