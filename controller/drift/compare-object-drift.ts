import { diffObjectFields } from './diff-object-fields.js';
import { isDriftIgnored } from './drift-ignore.js';
import type { DriftIgnoreRule, ObjectDrift } from './drift-report.js';
import { maskFieldDrift } from './mask-field-drift.js';
import { normalizeForDrift } from './normalize-for-drift.js';

export interface ObjectDriftInput {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /**
   * What re-applying the release's manifest would make of the object: the result of a server-side
   * apply dry run with helm's field manager. Undefined when the object is gone (`live` too).
   */
  desired?: Record<string, unknown>;
  /** The object as it is; undefined when it was deleted. */
  live?: Record<string, unknown>;
  hpaTargeted: boolean;
  ignore: readonly DriftIgnoreRule[];
  protectedValues: readonly string[];
}

/**
 * The drift of one object, or undefined when it has none: a deleted object is `missing`; otherwise
 * the fields where the live object differs from what re-applying the manifest would make of it,
 * after normalization, ignore rules and masking. Pure.
 */
export function compareObjectDrift(input: ObjectDriftInput): ObjectDrift | undefined {
  const identity = { apiVersion: input.apiVersion, kind: input.kind, ...(input.namespace !== undefined ? { namespace: input.namespace } : {}), name: input.name };
  if (input.live === undefined) return { ...identity, state: 'missing', fields: [] };
  if (input.desired === undefined) return undefined;
  const context = { hpaTargeted: input.hpaTargeted };
  const fields = diffObjectFields(normalizeForDrift(input.desired, context), normalizeForDrift(input.live, context))
    .filter((f) => !isDriftIgnored(input.ignore, input, f.path))
    .map((f) => maskFieldDrift(f, input, input.protectedValues));
  return fields.length === 0 ? undefined : { ...identity, state: 'changed', fields };
}

/** Objects sorted as the report wants them: by kind, namespace, name. */
export function compareObjectDriftOrder(a: ObjectDrift, b: ObjectDrift): number {
  return cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
