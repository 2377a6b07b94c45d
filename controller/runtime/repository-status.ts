import { compareDiagnostics, type Diagnostic } from '../manifest/diagnostic.js';
import { setCondition, type Condition } from '../status/condition.js';
import { formatDuration } from './duration.js';
import { deriveReadyCondition } from '../status/ready-condition.js';

/** The longest message or pointer of a diagnostic on the status; a settings key can be megabytes long. */
export const STATUS_DIAGNOSTIC_TEXT_LIMIT = 1024;

/** How many diagnostics of a rejected revision the status carries; the counts say how many in all. */
export const STATUS_DIAGNOSTICS_LIMIT = 20;

export interface ExtensionRepositoryStatus {
  lastFetchedRevision?: string;
  lastAppliedRevision?: string;
  /**
   * The value of the `clusterext.io/requested-at` annotation the last pass acted on (Flux's
   * lastHandledReconcileAt), so `clusterext reconcile repository --wait` knows its request was seen.
   */
  lastHandledReconcileAt?: string;
  diagnostics?: Diagnostic[];
  errorCount?: number;
  warningCount?: number;
  observedGeneration: number;
  conditions: Condition[];
}

export interface RepositoryStatusInput {
  previous: ExtensionRepositoryStatus | undefined;
  generation: number;
  now: Date;
  lastFetchedRevision: string | undefined;
  appliedRevision: string | undefined;
  fetchError: string | undefined;
  rejected: { commit: string; diagnostics: Diagnostic[] } | undefined;
  held: string | undefined;
  /**
   * Set when applying `revision` failed with an error no other stage handled: `message` a whole
   * sentence, `failures` in a row for this revision, `retryAfterMs` until the next attempt.
   */
  syncError?: { revision: string | undefined; message: string; failures?: number; retryAfterMs?: number };
  /** The requested-at annotation this pass saw (and so acted on); the previous value is kept otherwise. */
  handledRequest?: string;
  /** Releases Ready / in all, for the message of a successful apply. */
  summary?: { releases: number; ready: number };
}

/**
 * The status of an ExtensionRepository after a pass. A fetch failure makes Ready False (and is
 * retried at the interval); a rejected revision and a held one make it Stalled, because nothing
 * changes until someone pushes a fix or allows the revision. The last applied revision always
 * stays on the status, so it is visible what is in force.
 */
export function buildRepositoryStatus(input: RepositoryStatusInput): ExtensionRepositoryStatus {
  const { generation } = input;
  const nowIso = input.now.toISOString();
  let conditions = input.previous?.conditions ?? [];
  const diagnostics = input.rejected ? [...input.rejected.diagnostics].sort(compareDiagnostics).map(boundDiagnostic) : [];
  const applied = input.appliedRevision ?? input.previous?.lastAppliedRevision;
  if (input.syncError) {
    const { revision, message: why, failures, retryAfterMs } = input.syncError;
    const attempted = revision && revision !== applied ? `Revision ${revision.slice(0, 12)} was not applied` : 'The repository could not be synced';
    const kept = applied ? `revision ${applied.slice(0, 12)} stays in force` : 'nothing has been applied yet';
    const retry =
      retryAfterMs === undefined
        ? 'it is retried at the next pass'
        : `it is retried in ${formatDuration(Math.ceil(retryAfterMs / 1000) * 1000)}${failures && failures > 1 ? ` (failure ${failures} in a row; the wait doubles up to a cap)` : ''}, or at once on a push, a new revision or clusterext reconcile repository`;
    const message = `${attempted}: ${why} Nothing was uninstalled because of it and ${kept}; ${retry}.`;
    conditions = setCondition(conditions, { type: 'Reconciling', status: 'False', observedGeneration: generation, reason: 'SyncFailed', message }, nowIso);
    conditions = setCondition(conditions, { type: 'Stalled', status: 'True', observedGeneration: generation, reason: 'SyncFailed', message }, nowIso);
  } else if (input.fetchError) {
    conditions = setCondition(conditions, { type: 'Reconciling', status: 'True', observedGeneration: generation, reason: 'FetchFailed', message: `${input.fetchError} The last good revision${applied ? ` ${applied.slice(0, 12)}` : ''} stays in force.` }, nowIso);
    conditions = setCondition(conditions, { type: 'Stalled', status: 'False', observedGeneration: generation, reason: 'FetchFailed', message: 'Fetching is retried at the interval.' }, nowIso);
  } else if (input.rejected) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const where = first ? ` First: ${first.file}:${first.line}:${first.column} ${first.code}: ${first.message}` : '';
    const message = `Revision ${input.rejected.commit.slice(0, 12)} is invalid (${errors.length} error(s)) and was not applied; ${applied ? `revision ${applied.slice(0, 12)} stays in force` : 'nothing has been applied yet'}.${where}`;
    conditions = setCondition(conditions, { type: 'Reconciling', status: 'False', observedGeneration: generation, reason: 'ValidationFailed', message }, nowIso);
    conditions = setCondition(conditions, { type: 'Stalled', status: 'True', observedGeneration: generation, reason: 'ValidationFailed', message }, nowIso);
  } else if (input.held) {
    conditions = setCondition(conditions, { type: 'Reconciling', status: 'False', observedGeneration: generation, reason: 'BlastRadiusExceeded', message: input.held }, nowIso);
    conditions = setCondition(conditions, { type: 'Stalled', status: 'True', observedGeneration: generation, reason: 'BlastRadiusExceeded', message: input.held }, nowIso);
  } else if (applied) {
    const summary = input.summary ? ` ${input.summary.ready} of ${input.summary.releases} release(s) Ready.` : '';
    const message = `Revision ${applied.slice(0, 12)} applied.${summary}`;
    conditions = setCondition(conditions, { type: 'Reconciling', status: 'False', observedGeneration: generation, reason: 'RevisionApplied', message }, nowIso);
    conditions = setCondition(conditions, { type: 'Stalled', status: 'False', observedGeneration: generation, reason: 'RevisionApplied', message }, nowIso);
  }
  conditions = setCondition(conditions, deriveReadyCondition(conditions, generation), nowIso);
  return {
    ...(input.lastFetchedRevision ?? input.previous?.lastFetchedRevision ? { lastFetchedRevision: input.lastFetchedRevision ?? input.previous?.lastFetchedRevision } : {}),
    ...(applied ? { lastAppliedRevision: applied } : {}),
    ...(input.handledRequest ?? input.previous?.lastHandledReconcileAt ? { lastHandledReconcileAt: input.handledRequest ?? input.previous?.lastHandledReconcileAt } : {}),
    diagnostics: diagnostics.slice(0, STATUS_DIAGNOSTICS_LIMIT),
    errorCount: diagnostics.filter((d) => d.severity === 'error').length,
    warningCount: diagnostics.filter((d) => d.severity === 'warning').length,
    observedGeneration: generation,
    conditions,
  };
}

/**
 * Messages and pointers quote what users wrote; bounded, so that a revision with huge keys cannot
 * make its own status too large for the API server to store (file and line still say where).
 */
function boundDiagnostic(d: Diagnostic): Diagnostic {
  const bound = (text: string) => (text.length > STATUS_DIAGNOSTIC_TEXT_LIMIT ? `${text.slice(0, STATUS_DIAGNOSTIC_TEXT_LIMIT)}…` : text);
  return { ...d, message: bound(d.message), pointer: bound(d.pointer) };
}
