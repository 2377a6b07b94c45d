import { createHash } from 'node:crypto';
import type { ChartRef } from '../manifest/fleet.js';
import { normalizeRepositoryUrl } from './chart-catalog.js';

export interface ConfigDigestInput {
  chart: ChartRef;
  /** The concrete version (or `versionLabel` of an unresolved one, which is never applied). */
  version: string;
  values: Readonly<Record<string, unknown>>;
  /** HMAC digest of the protected settings; absent where Secrets cannot be read (plan). */
  protectedDigest?: string;
}

/**
 * sha256 (hex) over a canonical JSON of chart, version, values and protected digest: object keys
 * sorted at every depth, so the digest depends on content only, never on key order. The controller
 * compares it with the digest recorded for the deployed release to skip needless helm runs
 * (DESIGN.md §3), so any change here changes every digest: keep the encoding stable.
 */
export function computeConfigDigest(input: ConfigDigestInput): string {
  // Spelled out rather than canonicalJson({chart, protectedDigest, values, version}): the same text
  // (keys in sorted order), without building a wrapper object per release.
  const canonical =
    `{"chart":{"name":${JSON.stringify(input.chart.name)},"repository":${JSON.stringify(normalizeRepositoryUrl(input.chart.repository))}}` +
    `,"protectedDigest":${input.protectedDigest === undefined ? 'null' : JSON.stringify(input.protectedDigest)}` +
    `,"values":${canonicalJson(input.values)},"version":${JSON.stringify(input.version)}}`;
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * JSON with object keys sorted at every depth; `undefined` members are left out as JSON does.
 * Iterative, with its own stack: the values come from settings that many people can push, and a
 * recursive encoder would overflow the call stack on a deep enough tree and fail every pass.
 */
export function canonicalJson(value: unknown): string {
  let out = '';
  // Work items, last first: a value still to encode, or text (punctuation, a key) to emit as is.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof Literal) {
      out += item.text;
      continue;
    }
    if (item === null || typeof item !== 'object') {
      out += JSON.stringify(item) ?? 'null';
      continue;
    }
    if (Array.isArray(item)) {
      stack.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i] === undefined ? null : item[i]);
        if (i > 0) stack.push(COMMA);
      }
      stack.push(OPEN_ARRAY);
      continue;
    }
    const record = item as Record<string, unknown>;
    // Plain sort: keys are compared by UTF-16 code units, the same everywhere this runs.
    const keys = Object.keys(record).filter((key) => record[key] !== undefined);
    if (keys.length > 1) keys.sort();
    stack.push(CLOSE_OBJECT);
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push(record[keys[i]!]);
      stack.push(new Literal((i > 0 ? ',' : '') + JSON.stringify(keys[i]) + ':'));
    }
    stack.push(OPEN_OBJECT);
  }
  return out;
}

/** Text canonicalJson emits verbatim; a class so that no value from the input can pass for one. */
class Literal {
  constructor(readonly text: string) {}
}

const OPEN_ARRAY = new Literal('[');
const CLOSE_ARRAY = new Literal(']');
const OPEN_OBJECT = new Literal('{');
const CLOSE_OBJECT = new Literal('}');
const COMMA = new Literal(',');
