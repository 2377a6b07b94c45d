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
  run(): Promise<Figure[]>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
