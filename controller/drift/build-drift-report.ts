import { DRIFT_CELL_STATES, DRIFT_REPORT_FORMAT_VERSION, type ClusterDrift, type DriftCellState, type DriftReport } from './drift-report.js';

/** The report of several clusters' drift, clusters sorted by name, with its summary counts. Pure. */
export function buildDriftReport(source: DriftReport['source'], clusters: ClusterDrift[]): DriftReport {
  const sorted = [...clusters].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  const byState = Object.fromEntries(DRIFT_CELL_STATES.map((s) => [s, 0])) as Record<DriftCellState, number>;
  let releases = 0;
  let driftedObjects = 0;
  for (const cluster of sorted) {
    // An unreachable cluster's extensions are neither drifted nor clean: they are not counted.
    if (!cluster.reachable) continue;
    for (const e of cluster.extensions) {
      releases += 1;
      byState[e.state] += 1;
      driftedObjects += e.objects.length;
    }
  }
  return {
    formatVersion: DRIFT_REPORT_FORMAT_VERSION,
    source,
    clusters: sorted,
    summary: { clusters: sorted.length, unreachableClusters: sorted.filter((c) => !c.reachable).length, releases, byState, driftedObjects },
  };
}
