import type { Diagnostic } from '../manifest/diagnostic.js';
import type { ExtensionRepositoryStatus } from '../runtime/repository-status.js';
import type { Condition } from '../status/condition.js';

/**
 * What `clusterext reconcile repository` prints once the controller has handled its request: the
 * revision applied (and the one before), or why nothing was (rejected with its first diagnostics,
 * fetch or sync failed, held by the blast-radius guard). `ok` is false unless a revision is applied.
 */
export function describeRepositoryOutcome(name: string, previousApplied: string | undefined, status: ExtensionRepositoryStatus | undefined): { ok: boolean; text: string } {
  const conditions = status?.conditions ?? [];
  const reconciling = findCondition(conditions, 'Reconciling');
  const stalled = findCondition(conditions, 'Stalled');
  const applied = status?.lastAppliedRevision;
  const short = (rev: string | undefined) => rev?.slice(0, 12) ?? '(none)';
  if (stalled?.status === 'True' && stalled.reason === 'ValidationFailed') {
    const diagnostics = (status?.diagnostics ?? []).filter((d) => d.severity === 'error').map(formatDiagnostic);
    const more = (status?.errorCount ?? diagnostics.length) - diagnostics.length;
    return {
      ok: false,
      text: [`✗ ExtensionRepository "${name}": revision ${short(status?.lastFetchedRevision)} was rejected; ${applied ? `revision ${short(applied)} stays applied` : 'nothing is applied yet'}.`, ...diagnostics.map((d) => `  ${d}`), ...(more > 0 ? [`  … and ${more} more (run "clusterext validate" on that revision)`] : [])].join('\n'),
    };
  }
  if (reconciling?.status === 'True' || stalled?.status === 'True') {
    const why = stalled?.status === 'True' ? stalled : reconciling!;
    return { ok: false, text: `✗ ExtensionRepository "${name}": ${why.reason}: ${why.message}` };
  }
  if (applied === undefined) return { ok: false, text: `✗ ExtensionRepository "${name}": no revision has been applied yet.` };
  const ready = findCondition(conditions, 'Ready');
  const change = previousApplied === applied ? `revision ${short(applied)} is applied (unchanged)` : `revision ${short(applied)} is applied (was ${short(previousApplied)})`;
  return { ok: true, text: `✔ ExtensionRepository "${name}": ${change}.${ready?.message ? ` ${ready.message}` : ''}` };
}

function findCondition(conditions: readonly Condition[], type: Condition['type']): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.code}: ${d.message}`;
}
