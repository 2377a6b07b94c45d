import { planSourceKey, type PlanSource, type PlanSources } from '../plan/locate-plan-sources.js';
import type { Plan } from '../plan/plan.js';
import { changeDetail, changeStyle, complianceDetail, extraFlags } from './describe-plan-change.js';
import { githubData, githubProperty } from './escape-output.js';
import { planSummaryLine } from './plan-summary-line.js';

export interface RenderPlanGithubOptions {
  /** Where each entry is written (locatePlanSources); entries it lacks get annotations without a file. */
  sources: PlanSources;
  /** Prepended to the fleet-relative files, so annotations land on the repository's paths (`fleet/`). */
  pathPrefix?: string;
}

/**
 * The plan as GitHub Actions workflow commands: one annotation per change on the line of the
 * manifest that causes it (`::notice`, or `::warning` for what needs a second look: uninstalls,
 * major upgrades, downgrades, reinstalls, unresolved versions), the blast-radius and other
 * warnings, and the summary line last. Every piece of text from manifests is escaped
 * (githubData/githubProperty), so no name or message can end a command or start one. Pure.
 */
export function renderPlanGithub(plan: Plan, options: RenderPlanGithubOptions): string {
  const prefix = options.pathPrefix ?? '';
  const lines: string[] = [];
  const annotate = (command: 'notice' | 'warning', title: string, message: string, source?: PlanSource) => {
    const where = source ? `file=${githubProperty(prefix + source.file)},${source.side === 'head' ? `line=${source.line},` : ''}` : '';
    lines.push(`::${command} ${where}title=${githubProperty(title)}::${githubData(message)}`);
  };
  for (const warning of plan.blastRadius) annotate('warning', `clusterext plan: blast radius on ${warning.cluster}`, warning.message, options.sources.clusters[warning.cluster]);
  for (const warning of plan.warnings) annotate('warning', 'clusterext plan', warning);
  for (const d of plan.diagnostics.filter((x) => x.severity === 'warning')) {
    lines.push(`::warning file=${githubProperty(prefix + d.file)},line=${d.line},col=${d.column},title=${githubProperty(d.code)}::${githubData(d.message)}`);
  }
  for (const cluster of plan.clusters) {
    for (const change of cluster.changes) {
      const style = changeStyle(change);
      const flags = extraFlags(change);
      const title = `${cluster.cluster}/${change.extension}: ${style.label}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`;
      const source = options.sources.releases[planSourceKey(cluster.cluster, change.extension)];
      const file = source?.side === 'base' ? ` It was declared in ${prefix}${source.file}.` : '';
      annotate(style.tone === 'attention' || style.tone === 'remove' ? 'warning' : 'notice', title, `${changeDetail(change)}. ${change.reason}${file}`, source);
    }
    for (const change of cluster.compliance) {
      annotate(change.to?.compliant === false ? 'warning' : 'notice', `${cluster.cluster}: policy ${change.policy}`, `${complianceDetail(change)}. ${change.reason}`, options.sources.policies[change.policy]);
    }
  }
  annotate('notice', 'clusterext plan', planSummaryLine(plan));
  return `${lines.join('\n')}\n`;
}
