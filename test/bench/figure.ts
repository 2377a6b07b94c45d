/** One measured figure printed by `npm run bench`. Report medians and ratios: the machine is shared. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** e.g. "median of 5", "goal < 2 s". */
  note?: string;
}

/** A bench section: `test/bench/sections/<name>.ts` default-exports one. */
export interface BenchSection {
  name: string;
  /** Runs only when named (`npm run bench flux`), never in a plain `npm run bench`. */
  optIn?: boolean;
  run(): Promise<Figure[]>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The nearest-rank percentile (`p` in 0–100): the smallest value with at least p % of the values at
 * or below it, always one of the values measured (p95 of 20 is the 19th smallest).
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
