import type { DriftReport, ExtensionDrift } from '../drift/drift-report.js';
import { describeDriftCell, describeObject, describeReleaseDrift, DRIFT_MATRIX_STATES, DRIFT_STATE_STYLE, driftMatrixCell, driftMatrixColumns, formatDriftValue } from './describe-drift-cell.js';
import { driftSummaryLine } from './drift-summary-line.js';
import { markdownCode, markdownHtmlText, markdownText } from './escape-output.js';

export interface RenderDriftMarkdownOptions {
  /** Releases whose details are shown before the rest is only counted; GitHub comments hold at most 65,536 characters. Default 100. */
  maxDetails?: number;
  /** Longest value shown in a field diff before it is cut. Default 200. */
  maxValueLength?: number;
}

/**
 * The drift report for a pull request or an issue: a heading with the source, the summary, the
 * clusters × extensions matrix with an icon per state and a legend of the states present, then a
 * collapsible section per release that is not in sync with its reasons and field diffs. Every
 * text from manifests and clusters is escaped (escape-output.ts). Pure.
 */
export function renderDriftMarkdown(report: DriftReport, options: RenderDriftMarkdownOptions = {}): string {
  const maxDetails = options.maxDetails ?? 100;
  const maxValue = options.maxValueLength ?? 200;
  const out: string[] = [`## clusterext drift: ${markdownText(report.source.kind)} ${markdownCode(report.source.ref)}`, '', `**${markdownText(driftSummaryLine(report))}**`, ''];

  const columns = driftMatrixColumns(report);
  if (report.clusters.length > 0) {
    out.push(`| Cluster | ${columns.map(markdownCode).join(' | ')}${columns.length === 0 ? 'Extensions' : ''} |`, `|---|${columns.map(() => '---|').join('')}${columns.length === 0 ? '---|' : ''}`);
    const seen = new Set<string>();
    for (const cluster of report.clusters) {
      if (!cluster.reachable) {
        seen.add('unreachable');
        const style = DRIFT_STATE_STYLE.unreachable;
        const cells = (columns.length === 0 ? [''] : columns).map(() => `${style.icon} ${style.label}`);
        out.push(`| ${markdownCode(cluster.cluster)} | ${cells.join(' | ')} |`);
        continue;
      }
      const cells = columns.map((extension) => {
        const { state } = driftMatrixCell(cluster, extension);
        seen.add(state);
        const style = DRIFT_STATE_STYLE[state];
        return style.icon ? `${style.icon} ${style.label}` : style.label;
      });
      out.push(`| ${markdownCode(cluster.cluster)} | ${(columns.length === 0 ? ['-'] : cells).join(' | ')} |`);
    }
    out.push('');
    const legend = DRIFT_MATRIX_STATES.filter((state) => seen.has(state) && state !== 'absent').map((state) => `${DRIFT_STATE_STYLE[state].icon} **${DRIFT_STATE_STYLE[state].label}**: ${DRIFT_STATE_STYLE[state].meaning}`);
    if (legend.length > 0) out.push(legend.join('<br>'), '');
  }

  const unreachable = report.clusters.filter((c) => !c.reachable);
  if (unreachable.length > 0) {
    out.push('> [!WARNING]', '> These clusters could not be reached, so they were not checked (neither drift nor clean):');
    for (const cluster of unreachable) out.push(`> - ${markdownCode(cluster.cluster)}: ${markdownText(cluster.message ?? 'unreachable')}`);
    out.push('');
  }

  const notInSync = report.clusters.flatMap((c) => c.extensions.filter((e) => e.state !== 'in-sync'));
  for (const cell of notInSync.slice(0, maxDetails)) out.push(...cellDetails(cell, maxValue));
  if (notInSync.length > maxDetails) {
    const hidden = notInSync.length - maxDetails;
    out.push(`_${hidden} more release${hidden === 1 ? '' : 's'} not shown; run \`clusterext drift -o json\` or \`-o html\` for all of them._`, '');
  }

  const nonCompliant = report.clusters.flatMap((c) => c.policies.filter((p) => !p.compliant).map((p) => ({ cluster: c.cluster, policy: p })));
  if (nonCompliant.length > 0) {
    out.push('| Policy | Cluster | Not in sync |', '|---|---|---|');
    for (const { cluster, policy } of nonCompliant) out.push(`| ${markdownCode(policy.policy)} | ${markdownCode(cluster)} | ${policy.nonCompliant.map(markdownCode).join(', ')} |`);
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

function cellDetails(cell: ExtensionDrift, maxValue: number): string[] {
  const style = DRIFT_STATE_STYLE[cell.state];
  const cut = (text: string) => (text.length <= maxValue ? text : `${text.slice(0, maxValue - 1)}…`);
  const lines = [
    `<details><summary>${style.icon} <code>${markdownHtmlText(cell.cluster)}/${markdownHtmlText(cell.extension)}</code> ${style.label}: ${markdownHtmlText(describeDriftCell(cell))}</summary>`,
    '',
    `Release ${markdownCode(cell.releaseName)} in namespace ${markdownCode(cell.namespace)}.`,
    '',
  ];
  if (cell.state === 'error' && cell.message) lines.push(`- ${markdownText(cell.message)}`);
  for (const drift of cell.release) lines.push(`- **${markdownText(describeReleaseDrift(drift))}**: ${markdownText(drift.message)}`);
  if (cell.release.length > 0 || (cell.state === 'error' && cell.message)) lines.push('');
  const fields = cell.objects.flatMap((o) =>
    o.state === 'missing'
      ? [`| ${markdownText(describeObject(o))} | _missing_ | | |`]
      : o.fields.map((f) => `| ${markdownText(describeObject(o))} | ${markdownCode(f.path)}${f.masked ? ' (masked)' : ''} | ${markdownCode(cut(formatDriftValue(f.desired)))} | ${markdownCode(cut(formatDriftValue(f.live)))} |`),
  );
  if (fields.length > 0) lines.push('| Object | Field | Desired | Live |', '|---|---|---|---|', ...fields, '');
  lines.push('</details>', '');
  return lines;
}
