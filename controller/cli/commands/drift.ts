import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import pLimit from 'p-limit';
import { checkClusterDrift } from '../../drift/check-cluster-drift.js';
import { buildDriftReport } from '../../drift/build-drift-report.js';
import { driftExitCode, type ClusterDrift, type DriftReport } from '../../drift/drift-report.js';
import { ClusterextError, ExitError } from '../../errors/clusterext-error.js';
import { hasErrors } from '../../manifest/diagnostic.js';
import { renderDiagnostics } from '../../render/diagnostics.js';
import { terminalText } from '../../render/escape-output.js';
import { renderDriftHtml } from '../../render/render-drift-html.js';
import { renderDriftHuman } from '../../render/render-drift-human.js';
import { renderDriftJson } from '../../render/render-drift-json.js';
import { renderDriftMarkdown } from '../../render/render-drift-markdown.js';
import { driftSummaryLine } from '../../render/drift-summary-line.js';
import { addChartIndexOptions, chartIndexLimitsFrom, type ChartIndexOptionValues } from '../chart-index-options.js';
import { directDriftTargets, hubDriftTargets, type DriftTarget, type DriftTargets } from '../drift-targets.js';
import { addHubOptions, connectHub, type HubOptions } from '../hub-options.js';
import { loadFleetArgument } from '../load-fleet-argument.js';
import { addControllerNamespaceOption, addValidationLimitOptions, validationLimitsFrom, type ControllerNamespaceOptionValue, type ValidationLimitOptionValues } from '../validation-limit-options.js';

const DRIFT_FORMATS = ['human', 'markdown', 'json', 'html'] as const;
type DriftFormat = (typeof DRIFT_FORMATS)[number];

interface DriftOptions extends HubOptions, ValidationLimitOptionValues, ControllerNamespaceOptionValue, ChartIndexOptionValues {
  rev?: string;
  clusterContext: Map<string, string>;
  cluster: string[];
  extension: string[];
  output?: DriftFormat;
  format?: DriftFormat;
  outputFile?: string;
  offline: boolean;
  concurrency: number;
}

/**
 * `clusterext drift`: where live clusters differ from git, through a hub (as the controller sees
 * the fleet) or directly against kubeconfig contexts with a fleet path or git revision as the
 * desired state. Exit 0 no drift, 2 drift, 1 error or incomplete check (`driftExitCode`).
 */
export function registerDriftCommand(program: Command): void {
  const command = program
    .command('drift')
    .description('report where live clusters differ from git: releases missing, failed, foreign or orphaned, other versions or values, objects changed or deleted by hand')
    .argument('[path]', 'direct mode: the fleet folder (with --rev, inside a git repository); without it and --rev, the hub is read')
    .option('--rev <rev>', 'direct mode: read PATH (default .) at this git revision (branch, tag or sha), without a checkout')
    .addOption(
      new Option('--cluster-context <name=context>', 'direct mode: check cluster NAME through kubeconfig context CONTEXT (repeatable; default: the context named like the cluster)')
        .argParser(collectClusterContext)
        .default(new Map<string, string>(), 'none'),
    )
    .addOption(new Option('--cluster <name>', 'only this cluster (repeatable)').argParser(collect).default([], 'all'))
    .addOption(new Option('--extension <name>', 'only this extension on each cluster (repeatable)').argParser(collect).default([], 'all'))
    .addOption(new Option('-o, --output <format>', 'human (a table and field diffs), markdown (for a PR or issue), json (formatVersion, sorted, stable), html (one self-contained page)').choices([...DRIFT_FORMATS]))
    .addOption(new Option('--format <format>', 'the same as --output, as plan and validate name it').choices([...DRIFT_FORMATS]))
    .option('--output-file <path>', 'write the report to this file instead of stdout (the summary line goes to stderr)')
    .option('--offline', 'do not read chart repository indexes; versions of auto-upgrading releases are not compared', false)
    .addOption(new Option('--concurrency <n>', 'clusters checked at once').default(4).argParser(parsePositive));
  addChartIndexOptions(addControllerNamespaceOption(addValidationLimitOptions(addHubOptions(command))))
    .addHelpText(
      'after',
      `
Two modes:
  hub      (no PATH, no --rev) read the hub at --kubeconfig/--context as the controller does: the
           fleet its ExtensionRepositories mirrored, each ConnectedCluster through its kubeconfig
           Secret, protected settings compared by digest and masked.
  direct   (PATH and/or --rev) the fleet in PATH, or at --rev of its repository, checked against
           the contexts of --kubeconfig (or $KUBECONFIG, ~/.kube/config): cluster NAME through the
           context NAME, or through the one --cluster-context NAME=CONTEXT names.

What counts as drift: a release missing, failed or pending, foreign (not installed by clusterext)
or orphaned (managed, no longer in git), another chart, version or values than git wants, and live
objects changed or deleted by hand (server-side apply dry run; fields the server or other
controllers own, status, injected caBundles and HPA-managed replicas are not drift). Secret data
and protected values are masked in every format. An unreachable cluster is reported as such,
neither drifted nor clean.

Exit status: 0 no drift, 2 drift, 1 error (a cluster unreachable, a check failed, bad input).

Examples:
  clusterext drift --kubeconfig hub.yaml                         every cluster the hub manages
  clusterext drift --kubeconfig hub.yaml --cluster prod-eu -o markdown > drift.md
  clusterext drift samples/fleet --cluster-context prod-eu=kind-prod-eu --cluster prod-eu
  clusterext drift fleet --rev origin/main --kubeconfig all-clusters.yaml -o json
  clusterext drift --kubeconfig hub.yaml -o html --output-file drift.html   one page to open offline
  clusterext drift --kubeconfig hub.yaml --extension monitoring || echo "exit $?"`,
    )
    .action(async (fleetPath: string | undefined, options: DriftOptions) => {
      const format = chooseFormat(options);
      const report = await runDrift(fleetPath, options);
      const text = render(report, format, options.outputFile === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR);
      if (options.outputFile !== undefined) {
        writeFileSync(options.outputFile, text);
        process.stderr.write(`${driftSummaryLine(report)} The ${format} report is in ${terminalText(options.outputFile)}.\n`);
      } else {
        process.stdout.write(text);
      }
      const code = driftExitCode(report);
      if (code !== 0) throw new ExitError(code);
    });
}

async function runDrift(fleetPath: string | undefined, options: DriftOptions): Promise<DriftReport> {
  const direct = fleetPath !== undefined || options.rev !== undefined;
  if (!direct && options.clusterContext.size > 0) {
    throw new ClusterextError('OptionNotApplicable', '--cluster-context maps clusters to contexts in direct mode; give the fleet PATH (or --rev) too, or drop --cluster-context to read the hub.');
  }
  if (direct && options.context !== undefined) {
    throw new ClusterextError('OptionNotApplicable', '--context selects the hub in hub mode; in direct mode map each cluster with --cluster-context NAME=CONTEXT.');
  }
  const chartIndex = options.offline ? {} : { chartIndex: chartIndexLimitsFrom(options) };
  let targets: DriftTargets;
  let closeHub = () => {};
  if (direct) {
    targets = await directTargets(fleetPath ?? '.', options, chartIndex);
  } else {
    const hub = connectHub(options);
    closeHub = () => hub.close();
    try {
      targets = await hubDriftTargets(hub, chartIndex);
    } catch (err) {
      hub.close();
      throw err;
    }
  }
  try {
    for (const warning of targets.warnings) process.stderr.write(`Warning: ${terminalText(warning)}\n`);
    const chosen = chooseTargets(targets.targets, options);
    const clusters = await checkAll(chosen, options);
    return buildDriftReport(targets.source, clusters);
  } finally {
    targets.close();
    closeHub();
  }
}

async function directTargets(fleetPath: string, options: DriftOptions, chartIndex: { chartIndex?: ReturnType<typeof chartIndexLimitsFrom> }): Promise<DriftTargets> {
  const loaded = await loadFleetArgument(fleetPath, options.rev, validationLimitsFrom(options));
  if (!loaded.fleet || hasErrors(loaded.diagnostics)) {
    process.stderr.write(renderDiagnostics(loaded.diagnostics, 'human', { color: process.stderr.isTTY === true && !process.env.NO_COLOR }));
    throw new ExitError(1, `The fleet at ${fleetPath}${options.rev ? ` (revision ${options.rev})` : ''} is invalid; fix the errors above before checking drift against it.`);
  }
  const fleet = loaded.fleet;
  const known = new Set(fleet.clusters.map((c) => c.metadata.name));
  for (const name of options.clusterContext.keys()) {
    if (!known.has(name)) throw new ClusterextError('UnknownCluster', `--cluster-context names cluster "${name}", which the fleet does not have; its clusters are ${[...known].map((c) => `"${c}"`).join(', ') || 'none'}.`, { cluster: name });
  }
  const wanted = options.cluster.length > 0 ? options.cluster.filter((c) => known.has(c)) : [...known];
  const source = options.rev !== undefined ? { kind: 'revision' as const, ref: `${options.rev}${loaded.commit ? ` (${loaded.commit.slice(0, 7)})` : ''} ${fleetPath}` } : { kind: 'path' as const, ref: fleetPath };
  return directDriftTargets({ fleet, source, ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}), clusterContexts: options.clusterContext, clusters: wanted, catalog: chartIndex });
}

/** --cluster and --extension: unknown names are errors, not an empty (clean-looking) report. */
function chooseTargets(targets: DriftTarget[], options: DriftOptions): DriftTarget[] {
  const known = new Set(targets.map((t) => t.cluster));
  const unknown = options.cluster.filter((c) => !known.has(c));
  if (unknown.length > 0) {
    throw new ClusterextError('UnknownCluster', `The fleet has no cluster ${unknown.map((c) => `"${c}"`).join(', ')}; its clusters are ${[...known].sort().map((c) => `"${c}"`).join(', ') || 'none'}.`, { clusters: unknown });
  }
  const chosen = options.cluster.length > 0 ? targets.filter((t) => options.cluster.includes(t.cluster)) : targets;
  if (options.extension.length === 0) return chosen.sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
  const extensions = new Set(chosen.flatMap((t) => t.desired.map((d) => d.extension)));
  const missing = options.extension.filter((e) => !extensions.has(e));
  if (missing.length === options.extension.length) {
    throw new ClusterextError('UnknownExtension', `No chosen cluster has extension ${missing.map((e) => `"${e}"`).join(', ')} in git; check the name (an Extension's name, as in "clusterext get extensions").`, { extensions: missing });
  }
  return chosen.map((t) => ({ ...t, desired: t.desired.filter((d) => options.extension.includes(d.extension)) })).sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
}

/** Every chosen cluster, `--concurrency` at once, with a progress line on a terminal when there are several. */
async function checkAll(targets: DriftTarget[], options: DriftOptions): Promise<ClusterDrift[]> {
  const progress = process.stderr.isTTY === true && targets.length > 1;
  let done = 0;
  const tick = () => progress && process.stderr.write(`\r\u001b[2KChecking drift: ${done} of ${targets.length} clusters`);
  tick();
  const limit = pLimit(options.concurrency);
  const results = await Promise.all(
    targets.map((target) =>
      limit(async (): Promise<ClusterDrift> => {
        try {
          const connection = await target.connect();
          if ('unreachable' in connection) return { cluster: target.cluster, reachable: false, message: connection.unreachable, extensions: [], policies: [] };
          const drift = await checkClusterDrift({ cluster: target.cluster, kube: connection.kube, desired: target.desired, protectedValues: target.protectedValues, compliance: target.compliance });
          // --extension narrows the report too: orphaned releases of other names are not asked about.
          return options.extension.length === 0 ? drift : { ...drift, extensions: drift.extensions.filter((e) => options.extension.includes(e.extension)) };
        } finally {
          done++;
          tick();
        }
      }),
    ),
  );
  if (progress) process.stderr.write('\r\u001b[2K');
  return results;
}

function render(report: DriftReport, format: DriftFormat, color: boolean): string {
  switch (format) {
    case 'human':
      return renderDriftHuman(report, { color });
    case 'markdown':
      return renderDriftMarkdown(report);
    case 'json':
      return renderDriftJson(report);
    case 'html':
      return renderDriftHtml(report);
  }
}

function chooseFormat(options: DriftOptions): DriftFormat {
  if (options.output !== undefined && options.format !== undefined && options.output !== options.format) {
    throw new ClusterextError('ConflictingOptions', `--output ${options.output} and --format ${options.format} disagree; give one of them.`);
  }
  return options.output ?? options.format ?? 'human';
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectClusterContext(value: string, previous: Map<string, string>): Map<string, string> {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError('give NAME=CONTEXT, e.g. prod-eu=kind-prod-eu.');
  const name = value.slice(0, at);
  if (previous.has(name)) throw new InvalidArgumentError(`cluster "${name}" is mapped twice.`);
  return new Map([...previous, [name, value.slice(at + 1)]]);
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number of at least 1.');
  return n;
}
