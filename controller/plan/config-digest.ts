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

/** JSON with object keys sorted at every depth; `undefined` members are left out as JSON does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]));
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Plain sort: keys are compared by UTF-16 code units, the same everywhere this runs.
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(member);
    first = false;
  }
  return out + '}';
}
