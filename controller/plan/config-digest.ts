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
  const canonical = canonicalJson({
    chart: { name: input.chart.name, repository: normalizeRepositoryUrl(input.chart.repository) },
    protectedDigest: input.protectedDigest ?? null,
    values: input.values,
    version: input.version,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted at every depth; `undefined` members are left out as JSON does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  }
  return `{${members.join(',')}}`;
}
