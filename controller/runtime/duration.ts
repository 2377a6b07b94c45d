import { ClusterextError } from '../errors/clusterext-error.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go/Flux duration (`30s`, `5m`, `1h30m`, `250ms`) into milliseconds. The CLI and the CRs
 * use the same strings as Flux, so users can copy intervals between the two.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const trimmed = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = re.exec(trimmed)) !== null) {
    total += Number(match[1]) * UNITS[match[2]!]!;
    consumed = re.lastIndex;
  }
  if (trimmed === '' || consumed !== trimmed.length) {
    throw new ClusterextError('DurationInvalid', `${field} "${text}" is not a duration; write it like 30s, 5m, 1h30m or 48h.`, { field, value: text });
  }
  return total;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
