import type { Plan, ReleaseChange } from '../plan/plan.js';
import { changeDetail, changeStyle, complianceDetail, extraFlags, formatSettingValue, type ChangeStyle } from './describe-plan-change.js';
import { guardCommandLines, terminalText as t } from './escape-output.js';
import { planSummaryLine } from './plan-summary-line.js';

export interface RenderPlanHumanOptions {
  /** ANSI colours; the caller decides (stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
}

const ANSI = { green: '\u001b[32m', red: '\u001b[31m', yellow: '\u001b[33m', magenta: '\u001b[35m', bold: '\u001b[1m', dim: '\u001b[2m', reset: '\u001b[0m' };
type Paint = (code: keyof typeof ANSI, text: string) => string;
const TONE_COLOR: Record<ChangeStyle['tone'], keyof typeof ANSI> = { add: 'green', remove: 'red', change: 'yellow', attention: 'magenta' };

/**
 * The plan for a terminal, like Terraform's: warnings first (blast radius above all), then per
 * cluster one line per change (`+ install`, `~ upgrade 1.2.0 → 1.3.0`, `! major upgrade`, `- uninstall`)
 * with its reason below, settings diffs key by key, and the one-line summary last. Pure.
 */
export function renderPlanHuman(plan: Plan, options: RenderPlanHumanOptions = {}): string {
  const paint: Paint = (code, text) => (options.color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const out: string[] = [];
  if (plan.baseRevision !== undefined || plan.headRevision !== undefined) {
    out.push(paint('bold', `clusterext plan: ${t(plan.baseRevision ?? '(none)')} → ${t(plan.headRevision ?? '(working tree)')}`), '');
  }
  for (const warning of plan.blastRadius) out.push(paint('red', `! Blast radius: ${t(warning.message)}`));
  if (plan.blastRadius.length > 0) out.push('');
  if (plan.offline) out.push(paint('dim', 'Offline: auto-upgrading versions are not resolved; they show their release train and constraint.'), '');
  const warnings = [...plan.warnings, ...plan.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.file}:${d.line}:${d.column}: ${d.message} (${d.code})`)];
  if (warnings.length > 0) {
    out.push(paint('yellow', 'Warnings:'));
    for (const warning of warnings) out.push(`  ${paint('yellow', '!')} ${t(warning)}`);
    out.push('');
  }

  const labelWidth = Math.max(0, ...plan.clusters.flatMap((c) => [...c.changes.map((x) => changeStyle(x).label.length), ...(c.compliance.length > 0 ? ['compliance'.length] : [])]));
  for (const cluster of plan.clusters) {
    out.push(paint('bold', `cluster ${t(cluster.cluster)}`));
    for (const change of cluster.changes) out.push(...renderChange(change, labelWidth, paint));
    for (const change of cluster.compliance) {
      out.push(`  ${paint('yellow', '~'.padEnd(3))} ${paint('yellow', 'compliance'.padEnd(labelWidth))}  policy ${t(change.policy)}  ${t(complianceDetail(change))}`);
      out.push(`  ${' '.repeat(3 + 1 + labelWidth + 2)}${paint('dim', t(change.reason))}`);
    }
    out.push('');
  }

  if (plan.ignoredVersions.length > 0) {
    out.push(paint('yellow', 'Ignored chart versions (not strict SemVer 2.0.0, never installed):'));
    for (const ignored of plan.ignoredVersions) {
      out.push(`  ${t(ignored.chart.repository)} ${t(ignored.chart.name)} ${t(ignored.version)}: ${t(ignored.reason)} (types: ${t(ignored.extensionTypes.join(', '))})`);
    }
    out.push('');
  }
  out.push(paint('bold', planSummaryLine(plan)));
  return guardCommandLines(out.join('\n') + '\n');
}

function renderChange(change: ReleaseChange, labelWidth: number, paint: Paint): string[] {
  const style = changeStyle(change);
  const color = TONE_COLOR[style.tone];
  const shown = extraFlags(change);
  const flags = shown.length > 0 ? `  ${paint('magenta', `[${shown.join(', ')}]`)}` : '';
  const lines = [`  ${paint(color, style.symbol.padEnd(3))} ${paint(color, style.label.padEnd(labelWidth))}  ${paint('bold', t(change.extension))}  ${t(changeDetail(change))}${flags}`];
  const indent = ' '.repeat(2 + 3 + 1 + labelWidth + 2);
  lines.push(`${indent}${paint('dim', t(change.reason))}`);
  for (const setting of change.settings ?? []) {
    if (setting.change === 'added') lines.push(`${indent}${paint('green', '+')} ${t(setting.key)}: ${t(formatSettingValue(setting.to))}`);
    else if (setting.change === 'removed') lines.push(`${indent}${paint('red', '-')} ${t(setting.key)}: ${t(formatSettingValue(setting.from))}`);
    else lines.push(`${indent}${paint('yellow', '~')} ${t(setting.key)}: ${t(formatSettingValue(setting.from))} → ${t(formatSettingValue(setting.to))}`);
  }
  return lines;
}
