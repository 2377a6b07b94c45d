import type { DriftReport, ExtensionDrift, FieldDrift } from '../drift/drift-report.js';
import { describeDriftCell, describeObject, describeReleaseDrift, DRIFT_STATE_STYLE, formatDriftValue, type DriftMatrixState } from './describe-drift-cell.js';
import { driftSummaryLine } from './drift-summary-line.js';
import { guardCommandLines, terminalText as t } from './escape-output.js';
import { formatTextTable, truncateCell, type TableCell } from './text-table.js';

export interface RenderDriftHumanOptions {
  /** ANSI colours; the caller decides (stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
  /** Longest value shown in a field diff before it is cut (the json and html forms keep it whole). Default 200. */
  maxValueLength?: number;
}

const ANSI = { green: '\u001b[32m', red: '\u001b[31m', yellow: '\u001b[33m', bold: '\u001b[1m', dim: '\u001b[2m', reset: '\u001b[0m' };
const TONE_ANSI = { good: 'green', bad: 'red', waiting: 'yellow', dim: 'dim' } as const;

/**
 * The drift report for a terminal, as kubectl and Terraform would show it: the source, a table
 * with one row per (cluster, extension) and one per unreachable cluster, then what differs for
 * every release that is not in sync (release-level reasons, each changed object with its fields as
 * JSON Pointers, desired and live values, and missing objects), policies that are not compliant,
 * and the one-line summary last. Every text from manifests and clusters is escaped. Pure.
 */
export function renderDriftHuman(report: DriftReport, options: RenderDriftHumanOptions = {}): string {
  const paint = (code: keyof typeof ANSI, text: string) => (options.color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const maxValue = options.maxValueLength ?? 200;
  const out: string[] = [paint('bold', `clusterext drift: ${report.source.kind} ${t(report.source.ref)}`), ''];

  const rows: TableCell[][] = [];
  const stateCell = (state: DriftMatrixState): TableCell => ({ text: DRIFT_STATE_STYLE[state].label, tone: DRIFT_STATE_STYLE[state].tone });
  for (const cluster of report.clusters) {
    if (!cluster.reachable) {
      rows.push([{ text: cluster.cluster }, { text: '-' }, { text: '-' }, stateCell('unreachable'), { text: truncateCell(cluster.message ?? 'The cluster could not be reached.', 160) }]);
      continue;
    }
    for (const cell of cluster.extensions) {
      rows.push([{ text: cluster.cluster }, { text: cell.extension }, { text: cell.namespace || '-' }, stateCell(cell.state), { text: truncateCell(describeDriftCell(cell), 160) || '-' }]);
    }
  }
  if (rows.length > 0) out.push(formatTextTable(['CLUSTER', 'EXTENSION', 'NAMESPACE', 'STATE', 'DETAIL'], rows, { color: options.color ?? false }), '');
  else out.push('No clusters to check.', '');

  for (const cluster of report.clusters) {
    for (const cell of cluster.extensions) {
      if (cell.state === 'in-sync') continue;
      out.push(...renderCellDetail(cell, paint, maxValue), '');
    }
  }

  const nonCompliant = report.clusters.flatMap((c) => c.policies.filter((p) => !p.compliant).map((p) => ({ cluster: c.cluster, policy: p })));
  if (nonCompliant.length > 0) {
    out.push(paint('bold', 'Policies not compliant:'));
    for (const { cluster, policy } of nonCompliant) {
      out.push(`  ${paint('red', '✗')} ${t(policy.policy)} on ${t(cluster)}: ${policy.nonCompliant.length} of ${policy.instances} instances not in sync (${t(policy.nonCompliant.join(', '))})`);
    }
    out.push('');
  }
  out.push(paint('bold', driftSummaryLine(report)));
  return guardCommandLines(out.join('\n') + '\n');
}

type Paint = (code: keyof typeof ANSI, text: string) => string;

function renderCellDetail(cell: ExtensionDrift, paint: Paint, maxValue: number): string[] {
  const style = DRIFT_STATE_STYLE[cell.state];
  const lines = [`${paint('bold', `${t(cell.cluster)}/${t(cell.extension)}`)} (release ${t(cell.releaseName)} in namespace ${t(cell.namespace)}): ${paint(TONE_ANSI[style.tone], style.label)}`];
  if (cell.state === 'error' && cell.message) lines.push(`  ${paint('red', '!')} ${t(cell.message)}`);
  for (const drift of cell.release) lines.push(`  ${paint('yellow', '~')} ${t(describeReleaseDrift(drift))}: ${t(drift.message)}`);
  for (const object of cell.objects) {
    if (object.state === 'missing') {
      lines.push(`  ${paint('red', '-')} ${t(describeObject(object))} is missing (deleted from the cluster)`);
      continue;
    }
    lines.push(`  ${paint('yellow', '~')} ${t(describeObject(object))} (${t(object.apiVersion)})`);
    for (const field of object.fields) lines.push(...renderField(field, paint, maxValue));
  }
  return lines;
}

function renderField(field: FieldDrift, paint: Paint, maxValue: number): string[] {
  const cut = (text: string) => (text.length <= maxValue ? text : `${text.slice(0, maxValue - 1)}…`);
  const masked = field.masked ? paint('dim', ' (masked)') : '';
  return [
    `      ${t(field.path)}${masked}`,
    `        desired: ${paint('green', t(cut(formatDriftValue(field.desired))))}`,
    `        live:    ${paint('red', t(cut(formatDriftValue(field.live))))}`,
  ];
}
