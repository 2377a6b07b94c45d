import type { Plan, ReleaseChange } from '../plan/plan.js';
import { changeDetail, changeStyle, complianceDetail, extraFlags, formatSettingValue } from './describe-plan-change.js';
import { markdownCode, markdownHtmlText, markdownText } from './escape-output.js';
import { planSummaryLine } from './plan-summary-line.js';

export interface RenderPlanMarkdownOptions {
  /**
   * Table rows (changes and compliance changes) to show before the rest is only counted; GitHub
   * comments hold at most 65,536 characters. Default 300.
   */
  maxRows?: number;
}

const ICON: Record<ReturnType<typeof changeStyle>['tone'], string> = { add: '🟢', remove: '🔴', change: '🟡', attention: '⚠️' };

/**
 * The plan as a pull-request comment: a heading, the blast-radius warning at the top, the summary,
 * a table per cluster, settings diffs in collapsible details, ignored chart versions. Pure.
 */
export function renderPlanMarkdown(plan: Plan, options: RenderPlanMarkdownOptions = {}): string {
  const maxRows = options.maxRows ?? 300;
  const out: string[] = [];
  const revisions = plan.baseRevision !== undefined || plan.headRevision !== undefined ? ` ${markdownCode(plan.baseRevision ?? '(none)')} → ${markdownCode(plan.headRevision ?? '(working tree)')}` : '';
  out.push(`## clusterext plan${revisions}`, '');
  if (plan.blastRadius.length > 0) {
    out.push('> [!CAUTION]', '> **Blast radius.** ' + (plan.blastRadius.length === 1 ? markdownText(plan.blastRadius[0]!.message) : 'More than the threshold share of releases would be uninstalled on these clusters:'));
    if (plan.blastRadius.length > 1) for (const warning of plan.blastRadius) out.push(`> - ${markdownText(warning.message)}`);
    out.push('');
  }
  out.push(`**${markdownText(planSummaryLine(plan))}**`, '');
  const warnings = [...plan.warnings, ...plan.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.file}:${d.line}:${d.column}: ${d.message} (${d.code})`)];
  if (plan.offline || warnings.length > 0) {
    out.push('> [!WARNING]');
    if (plan.offline) out.push('> Offline: auto-upgrading versions are not resolved; they show their release train and constraint.');
    for (const warning of warnings) out.push(`> - ${markdownText(warning)}`);
    out.push('');
  }

  let rows = 0;
  let hiddenRows = 0;
  let hiddenClusters = 0;
  for (const cluster of plan.clusters) {
    const clusterRows = cluster.changes.length + cluster.compliance.length;
    if (rows >= maxRows) {
      hiddenRows += clusterRows;
      hiddenClusters++;
      continue;
    }
    rows += clusterRows;
    out.push(`### Cluster ${markdownCode(cluster.cluster)}`, '');
    if (cluster.changes.length > 0) {
      out.push('| | Change | Extension | Details | Reason |', '|---|---|---|---|---|');
      for (const change of cluster.changes) out.push(changeRow(change));
      out.push('');
      for (const change of cluster.changes) if (change.settings && change.settings.length > 0) out.push(...settingsDetails(change));
    }
    if (cluster.compliance.length > 0) {
      out.push('| | Policy | Compliance | Reason |', '|---|---|---|---|');
      for (const change of cluster.compliance) out.push(`| ${change.to?.compliant ? '✅' : '❌'} | ${markdownCode(change.policy)} | ${markdownText(complianceDetail(change))} | ${markdownText(change.reason)} |`);
      out.push('');
    }
  }
  if (hiddenClusters > 0) {
    out.push(`_${hiddenRows} more change${hiddenRows === 1 ? '' : 's'} on ${hiddenClusters} more cluster${hiddenClusters === 1 ? '' : 's'} not shown; run \`clusterext plan --format json\` for all of them._`, '');
  }
  if (plan.ignoredVersions.length > 0) {
    out.push(`<details><summary>Ignored chart versions (${plan.ignoredVersions.length}): not strict SemVer 2.0.0, never installed</summary>`, '');
    out.push('| Repository | Chart | Version | Reason |', '|---|---|---|---|');
    for (const v of plan.ignoredVersions) out.push(`| ${markdownText(v.chart.repository)} | ${markdownCode(v.chart.name)} | ${markdownCode(v.version)} | ${markdownText(v.reason)} |`);
    out.push('', '</details>', '');
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

function changeRow(change: ReleaseChange): string {
  const style = changeStyle(change);
  const shown = extraFlags(change);
  const flags = shown.length > 0 ? ` **${shown.join(', ')}**` : '';
  return `| ${ICON[style.tone]} | ${style.label}${flags} | ${markdownCode(change.extension)} | ${markdownText(changeDetail(change))} | ${markdownText(change.reason)} |`;
}

function settingsDetails(change: ReleaseChange): string[] {
  const settings = change.settings ?? [];
  const lines = [`<details><summary>Settings of <code>${markdownHtmlText(change.extension)}</code>: ${settings.length} change${settings.length === 1 ? '' : 's'}</summary>`, '', '| | Key | Base | Head |', '|---|---|---|---|'];
  for (const s of settings) {
    const sign = s.change === 'added' ? '+' : s.change === 'removed' ? '-' : '~';
    const before = s.change === 'added' ? '' : markdownCode(formatSettingValue(s.from));
    const after = s.change === 'removed' ? '' : markdownCode(formatSettingValue(s.to));
    lines.push(`| ${sign} | ${markdownCode(s.key)} | ${before} | ${after} |`);
  }
  lines.push('', '</details>', '');
  return lines;
}
