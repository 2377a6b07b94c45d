import { DRIFT_CELL_STATES, type DriftCellState, type DriftReport, type ExtensionDrift, type ObjectDrift, type ReleaseDrift } from '../drift/drift-report.js';

/**
 * What a cell of the clusters × extensions matrix shows: a release's state, `unreachable` for every
 * cell of a cluster that could not be checked (neither drift nor clean), or `absent` where git
 * wants no such extension on that cluster.
 */
export type DriftMatrixState = DriftCellState | 'unreachable' | 'absent';

export interface DriftStateStyle {
  /** The word every form prints (human, markdown, html legend). */
  label: string;
  /** Good (green), bad (red), worth a look (yellow), nothing to see (dim): the colour on a terminal. */
  tone: 'good' | 'bad' | 'waiting' | 'dim';
  /** For PR comments, where colour is not available. */
  icon: string;
  /** One sentence for the legend. */
  meaning: string;
}

export const DRIFT_STATE_STYLE: Readonly<Record<DriftMatrixState, DriftStateStyle>> = {
  error: { label: 'error', tone: 'bad', icon: '⛔', meaning: 'The check of this release failed; it is neither drifted nor clean.' },
  failed: { label: 'failed', tone: 'bad', icon: '❌', meaning: 'Helm records the release as failed or pending; it is not compliant.' },
  missing: { label: 'missing', tone: 'bad', icon: '🕳️', meaning: 'Git wants this release and the cluster has none.' },
  foreign: { label: 'foreign', tone: 'bad', icon: '🚫', meaning: 'A release of that name exists that clusterext does not manage.' },
  orphaned: { label: 'orphaned', tone: 'waiting', icon: '👻', meaning: 'clusterext manages this release and git no longer has it.' },
  drifted: { label: 'drifted', tone: 'waiting', icon: '🟡', meaning: 'Chart version, values or live objects differ from what git wants.' },
  'in-sync': { label: 'in-sync', tone: 'good', icon: '✅', meaning: 'The release and every live object are what git wants.' },
  unreachable: { label: 'unreachable', tone: 'bad', icon: '🔌', meaning: 'The cluster could not be reached; nothing on it was checked.' },
  absent: { label: '-', tone: 'dim', icon: '', meaning: 'Git wants no such extension on this cluster.' },
};

/** Worst first, as DRIFT_CELL_STATES orders them, then the states of the matrix alone. */
export const DRIFT_MATRIX_STATES: readonly DriftMatrixState[] = ['unreachable', ...DRIFT_CELL_STATES, 'absent'];

/**
 * A field value as the forms print it: JSON, so a string `"1"` and a number `1` differ; `(absent)`
 * when the field does not exist on that side; a masked value as the mask the report holds.
 */
export function formatDriftValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `Deployment "web/api"` (namespace/name, or the name alone for cluster-scoped objects). */
export function describeObject(object: Pick<ObjectDrift, 'kind' | 'namespace' | 'name'>): string {
  return `${object.kind} "${object.namespace ? `${object.namespace}/` : ''}${object.name}"`;
}

/** `ChartVersionDiffers (desired 1.3.0, live 1.2.0)`. */
export function describeReleaseDrift(drift: ReleaseDrift): string {
  const sides = [...(drift.desired !== undefined ? [`desired ${drift.desired}`] : []), ...(drift.live !== undefined ? [`live ${drift.live}`] : [])];
  return sides.length > 0 ? `${drift.reason} (${sides.join(', ')})` : drift.reason;
}

/** One line for a table: what differs at the release level, then how many objects changed or went missing. */
export function describeDriftCell(cell: ExtensionDrift): string {
  if (cell.state === 'error') return cell.message ?? 'The check failed.';
  if (cell.state === 'in-sync') return cell.installed ? `${cell.installed.chart} ${cell.installed.version}, revision ${cell.installed.revision}` : 'as git wants it';
  const parts = cell.release.map(describeReleaseDrift);
  const changed = cell.objects.filter((o) => o.state === 'changed');
  const missing = cell.objects.filter((o) => o.state === 'missing');
  const fields = changed.reduce((n, o) => n + o.fields.length, 0);
  if (changed.length > 0) parts.push(`${count(changed.length, 'object')} changed (${count(fields, 'field')})`);
  if (missing.length > 0) parts.push(`${count(missing.length, 'object')} missing`);
  return parts.length > 0 ? parts.join('; ') : (cell.message ?? cell.state);
}

/** The extension names of the matrix's columns, sorted, over every cluster. */
export function driftMatrixColumns(report: DriftReport): string[] {
  return [...new Set(report.clusters.flatMap((c) => c.extensions.map((e) => e.extension)))].sort();
}

/** What the cell (cluster, extension) shows, and the release behind it when there is one. */
export function driftMatrixCell(cluster: DriftReport['clusters'][number], extension: string): { state: DriftMatrixState; cell?: ExtensionDrift } {
  if (!cluster.reachable) return { state: 'unreachable' };
  const cell = cluster.extensions.find((e) => e.extension === extension);
  return cell ? { state: cell.state, cell } : { state: 'absent' };
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
