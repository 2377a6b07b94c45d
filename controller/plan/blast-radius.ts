import type { ReleaseOperation } from './release-operations.js';

export const DEFAULT_BLAST_RADIUS_THRESHOLD = 0.5;

/** A cluster that would lose more than the threshold share of its releases at once. */
export interface BlastRadiusWarning {
  cluster: string;
  uninstalls: number;
  releasesBefore: number;
  threshold: number;
  message: string;
}

/**
 * The blast-radius guard (DESIGN.md §3), one rule for `plan` (which warns) and the controller
 * (which holds the revision): per cluster, the `uninstall` operations against the releases the
 * cluster runs now. Per cluster, because the damage is per cluster: emptying one cluster of a
 * hundred is 1 % of a repository but 100 % of that cluster's extensions. A `reinstall` puts the
 * release back and a `leave` touches nothing, so neither counts. A single uninstall is never over
 * the guard, so a cluster of one or two releases can still remove one. Sorted by cluster.
 */
export function findBlastRadius(operations: readonly ReleaseOperation[], threshold: number): BlastRadiusWarning[] {
  const counts = new Map<string, { uninstalls: number; before: number }>();
  for (const op of operations) {
    const count = counts.get(op.cluster) ?? { uninstalls: 0, before: 0 };
    if (op.from) count.before += 1;
    if (op.operation === 'uninstall') count.uninstalls += 1;
    counts.set(op.cluster, count);
  }
  const warnings: BlastRadiusWarning[] = [];
  for (const [cluster, { uninstalls, before }] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (uninstalls <= 1 || uninstalls / before <= threshold) continue;
    const percent = Math.round((uninstalls / before) * 100);
    const share = uninstalls === before ? `all ${before}` : `${uninstalls} of the ${before}`;
    warnings.push({
      cluster,
      uninstalls,
      releasesBefore: before,
      threshold,
      message: `This change uninstalls ${share} releases on cluster ${JSON.stringify(cluster)} (${percent}%), more than the blast-radius threshold of ${Math.round(threshold * 100)}%.`,
    });
  }
  return warnings;
}
