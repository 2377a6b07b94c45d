import { DRIFT_CELL_STATES, type DriftReport } from '../drift/drift-report.js';
import { count } from './describe-drift-cell.js';

/**
 * The one-line summary every drift form carries, in words for the empty case as Terraform's plan
 * does: `No drift: all 12 releases on 3 clusters are as git wants them.` or `Drift: 2 of 12
 * releases differ from git (1 drifted, 1 missing); 3 objects drifted.`, then checks that failed
 * and clusters that could not be reached, which are neither drift nor clean. Pure.
 */
export function driftSummaryLine(report: DriftReport): string {
  const s = report.summary;
  const errors = s.byState.error;
  const differing = s.releases - s.byState['in-sync'] - errors;
  const unchecked = [
    ...(errors > 0 ? [`the check of ${count(errors, 'release')} failed`] : []),
    ...(s.unreachableClusters > 0 ? [`${s.unreachableClusters} of ${count(s.clusters, 'cluster')} could not be reached (not checked)`] : []),
  ];
  const tail = unchecked.length > 0 ? `; ${unchecked.join('; ')}.` : '.';
  if (differing === 0) {
    if (s.releases === 0 && s.unreachableClusters === 0) return `No drift: no releases to check on ${count(s.clusters, 'cluster')}.`;
    if (unchecked.length === 0) return `No drift: all ${count(s.releases, 'release')} on ${count(s.clusters, 'cluster')} are as git wants them.`;
    return `No drift found in the ${count(s.byState['in-sync'], 'release')} checked${tail}`;
  }
  const parts = DRIFT_CELL_STATES.filter((state) => state !== 'in-sync' && state !== 'error' && s.byState[state] > 0).map((state) => `${s.byState[state]} ${state}`);
  const objects = s.driftedObjects > 0 ? `; ${count(s.driftedObjects, 'object')} drifted` : '';
  return `Drift: ${differing} of ${count(s.releases, 'release')} differ from git (${parts.join(', ')})${objects}${tail}`;
}
