import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ClusterextError, ExitError } from '../../errors/clusterext-error.js';
import { capDiagnostics, UNCAPPED_DIAGNOSTICS } from '../../manifest/cap-diagnostics.js';
import { hasErrors } from '../../manifest/diagnostic.js';
import type { ChartRef } from '../../manifest/fleet.js';
import { findRepositoryRoot } from '../../manifest/git-tree-reader.js';
import { FleetFileCache } from '../../manifest/fleet-file-cache.js';
import { loadFleetFromGit } from '../../manifest/load-fleet.js';
import { chartKey } from '../../plan/chart-catalog.js';
import { computePlan, DEFAULT_BLAST_RADIUS_THRESHOLD } from '../../plan/compute-plan.js';
import { chartsOfFleet } from '../../plan/desired-state.js';
import { locatePlanSources, type PlanSources } from '../../plan/locate-plan-sources.js';
import { planHasChanges, type Plan } from '../../plan/plan.js';
import { renderDiagnostics } from '../../render/diagnostics.js';
import { renderPlanHuman } from '../../render/render-plan-human.js';
import { renderPlanJson } from '../../render/render-plan-json.js';
import { renderPlanGithub } from '../../render/render-plan-github.js';
import { renderPlanMarkdown } from '../../render/render-plan-markdown.js';
import { createHttpChartIndexReader, loadChartCatalog } from '../../source/chart-index.js';
import { addChartIndexOptions, chartIndexLimitsFrom, type ChartIndexOptionValues } from '../chart-index-options.js';
import { addControllerNamespaceOption, addValidationLimitOptions, validationLimitsFrom, type ControllerNamespaceOptionValue, type ValidationLimitOptionValues } from '../validation-limit-options.js';

type PlanFormat = 'human' | 'markdown' | 'json' | 'github';

interface PlanOptions extends ValidationLimitOptionValues, ControllerNamespaceOptionValue, ChartIndexOptionValues {
  base: string;
  head: string;
  repo?: string;
  format: PlanFormat;
  offline: boolean;
  detailedExitcode: boolean;
  blastRadius: number;
}

/**
 * `clusterext plan --base REV --head REV [PATH]`: what merging head over base changes on each
 * cluster. Exit 0, or with --detailed-exitcode 0 no changes, 1 error, 2 changes (Terraform's).
 */
export function registerPlanCommand(program: Command): void {
  const command = program
    .command('plan')
    .description('show what a change between two git revisions does on each cluster: installs, upgrades, uninstalls, settings, compliance')
    .argument('[path]', 'the fleet folder inside the repository, relative to --repo', '.')
    .requiredOption('--base <rev>', 'the revision the clusters run now (branch, tag or sha), e.g. origin/main')
    .option('--head <rev>', 'the revision to plan (branch, tag or sha)', 'HEAD')
    .option('--repo <dir>', 'the git repository (default: the one holding the current directory)')
    .addOption(new Option('--format <format>', 'output format; markdown is ready to paste as a PR comment, github prints workflow annotations (and the markdown job summary)').choices(['human', 'markdown', 'json', 'github']).default('human'))
    .option('--offline', 'do not read chart repository indexes; auto-upgrading versions show their train and constraint', false)
    .option('--detailed-exitcode', 'exit 0 when nothing changes, 1 on error, 2 when something changes', false)
    .addOption(
      new Option('--blast-radius <percent>', "warn when the plan uninstalls more than this share of a cluster's releases")
        .default(DEFAULT_BLAST_RADIUS_THRESHOLD * 100)
        .argParser(parsePercent),
    );
  addChartIndexOptions(addControllerNamespaceOption(addValidationLimitOptions(command)))
    .addHelpText(
      'after',
      `
Both revisions are read from git objects, without a checkout. An invalid head prints its
diagnostics and exits 1; an invalid base is planned as an empty fleet, with a warning.

--format github is for a GitHub Actions step: each change becomes a ::notice (or, for uninstalls,
major upgrades, downgrades, reinstalls and unresolved versions, a ::warning) annotation on the line
of the manifest that causes it, so it shows in the pull request's diff; the plan in markdown is
appended to the job summary ($GITHUB_STEP_SUMMARY) when the runner sets it. Names and messages
from manifests are escaped: they cannot end an annotation or start a workflow command. An invalid
head prints ::error annotations. See "Plans in CI" in the README for a whole workflow.

Exit codes with --detailed-exitcode: 0 no changes, 1 error (an invalid head, an unreadable
revision), 2 changes.

Examples:
  clusterext plan --base origin/main --head HEAD fleet
  clusterext plan --base main --head my-branch --format markdown > plan.md
  clusterext plan fleet --base "origin/$GITHUB_BASE_REF" --format github --detailed-exitcode
  clusterext plan --base v1.2.0 --head main --offline --detailed-exitcode`,
    )
    .action(async (fleetPath: string, options: PlanOptions) => {
      const { plan, sources, inside } = await runPlan(fleetPath, options);
      if (options.format === 'github') {
        process.stdout.write(renderPlanGithub(plan, { sources, pathPrefix: inside === '' || inside === '.' ? '' : `${inside}/` }));
        // The runner shows this file on the run's page; a missing variable means not on GitHub Actions.
        const summary = process.env.GITHUB_STEP_SUMMARY;
        if (summary) appendFileSync(summary, renderPlanMarkdown(plan));
      } else {
        process.stdout.write(render(plan, options.format));
      }
      if (options.detailedExitcode && planHasChanges(plan)) throw new ExitError(2);
    });
}

async function runPlan(fleetPath: string, options: PlanOptions): Promise<{ plan: Plan; sources: PlanSources; inside: string }> {
  const { repoDir, inside } = await locate(fleetPath, options.repo);
  // Base and head share most files: each unchanged file is checked once.
  const cache = new FleetFileCache();
  const limits = validationLimitsFrom(options);
  // Loaded uncapped: the head's diagnostics are capped once, with the plan's own (computePlan).
  const loadLimits = { ...limits, ...UNCAPPED_DIAGNOSTICS };
  const [base, head] = await Promise.all([
    loadFleetFromGit({ repoDir, rev: options.base, path: inside, cache, limits: loadLimits }),
    loadFleetFromGit({ repoDir, rev: options.head, path: inside, cache, limits: loadLimits }),
  ]);
  const baseLabel = revisionLabel(options.base, base.commit);
  const headLabel = revisionLabel(options.head, head.commit);
  if (!head.fleet) failWithDiagnostics(capDiagnostics(head.diagnostics, limits), options.format, `The head revision ${headLabel} is invalid; fix the errors above before planning it.`, inside);

  const warnings: string[] = [];
  if (!base.fleet) {
    const errors = base.diagnostics.filter((d) => d.severity === 'error').length;
    warnings.push(
      `The base revision ${baseLabel} is invalid (${errors} error${errors === 1 ? '' : 's'}), so the head is compared with an empty fleet and every release shows as an install; run "clusterext validate --rev ${options.base}" to see why.`,
    );
  }
  let catalog;
  if (!options.offline) {
    const charts = uniqueCharts([...chartsOfFleet(head.fleet), ...(base.fleet ? chartsOfFleet(base.fleet) : [])]);
    const loaded = await loadChartCatalog({ charts, reader: createHttpChartIndexReader(chartIndexLimitsFrom(options)) });
    catalog = loaded.catalog;
    warnings.push(...loaded.warnings);
  }
  const plan = computePlan({
    base: base.fleet,
    head: head.fleet,
    ...(catalog ? { catalog } : {}),
    blastRadiusThreshold: options.blastRadius / 100,
    baseRevision: baseLabel,
    headRevision: headLabel,
    warnings,
    headDiagnostics: head.diagnostics,
    diagnosticLimits: limits,
  });
  if (hasErrors(plan.diagnostics)) {
    failWithDiagnostics(plan.diagnostics, options.format, `The head revision ${headLabel} cannot be planned; fix the errors above.`, inside);
  }
  return { plan, sources: locatePlanSources(base.fleet, head.fleet), inside };
}

function failWithDiagnostics(diagnostics: Parameters<typeof renderDiagnostics>[0], format: PlanFormat, message: string, inside: string): never {
  const color = format === 'human' && process.stdout.isTTY === true && !process.env.NO_COLOR;
  // Annotations need the repository's paths; the other forms keep the fleet's, as before.
  const pathPrefix = format === 'github' && inside !== '' && inside !== '.' ? `${inside}/` : '';
  process.stdout.write(renderDiagnostics(diagnostics, format, { color, pathPrefix }));
  throw new ExitError(1, message);
}

function render(plan: Plan, format: Exclude<PlanFormat, 'github'>): string {
  switch (format) {
    case 'json':
      return renderPlanJson(plan);
    case 'markdown':
      return renderPlanMarkdown(plan);
    case 'human':
      return renderPlanHuman(plan, { color: process.stdout.isTTY === true && !process.env.NO_COLOR });
  }
}

/** PATH is resolved against --repo (default: the current directory) and must lie inside the repository. */
async function locate(fleetPath: string, repo: string | undefined): Promise<{ repoDir: string; inside: string }> {
  const start = path.resolve(repo ?? '.');
  const repoDir = await findRepositoryRoot(start);
  if (!repoDir) {
    throw new ClusterextError('NotAGitRepository', `"${repo ?? '.'}" is not inside a git repository; give the repository with --repo.`, { path: start });
  }
  const inside = path.relative(repoDir, path.resolve(start, fleetPath)).split(path.sep).join('/');
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new ClusterextError('FleetPathNotFound', `"${fleetPath}" is outside the repository at "${repoDir}".`, { path: fleetPath });
  }
  return { repoDir, inside };
}

/** `main (1a2b3c4)`, or just the short sha when the revision was given as a sha. */
function revisionLabel(rev: string, commit: string): string {
  const short = commit.slice(0, 7);
  return /^[0-9a-f]{4,40}$/i.test(rev) && commit.startsWith(rev.toLowerCase()) ? short : `${rev} (${short})`;
}

function uniqueCharts(charts: ChartRef[]): ChartRef[] {
  return [...new Map(charts.map((chart) => [chartKey(chart), chart])).values()];
}

function parsePercent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('give a percentage from 0 to 100.');
  return n;
}
