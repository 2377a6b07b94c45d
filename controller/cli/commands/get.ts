import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { ClusterextError, ExitError } from '../../errors/clusterext-error.js';
import { crTableSummary, isCrReady, plural, renderCrTable, type CrTableKind } from '../../render/render-cr-table.js';
import { systemClock } from '../../runtime/clock.js';
import type { CustomResource } from '../../runtime/cr-store.js';
import { parseDuration } from '../../runtime/duration.js';
import { parseCrKindArgument } from '../cr-kind-argument.js';
import { addHubOptions, withHub, type HubConnection, type HubOptions } from '../hub-options.js';
import { readClusterOwners } from '../../shard/shard-leases.js';

type GetOutput = 'table' | 'wide' | 'json' | 'yaml';

interface GetOptions extends HubOptions {
  cluster?: string;
  output: GetOutput;
  watch: boolean;
  watchInterval: string;
  failNotReady: boolean;
}

/**
 * `clusterext get KIND [NAME]`: the hub's CRs as `kubectl get` / `flux get` show them, with the
 * Ready condition's message and a summary line. Reads only; `--fail-not-ready` makes it a check.
 */
export function registerGetCommand(program: Command): void {
  const command = program
    .command('get')
    .description('list Extensions, repositories, types, clusters or policies on the hub, with their Ready state and message')
    .argument('<kind>', 'extensions, repositories, types, clusters or policies (singular and short forms work: ext, repo)')
    .argument('[name]', 'one object by name (an Extension is named <cluster>.<extension>)')
    .option('--cluster <name>', 'only the Extensions on this cluster (or this ConnectedCluster, or the policies that select it)')
    .addOption(new Option('-o, --output <format>', 'wide adds revision, release and namespace; json and yaml print the objects').choices(['table', 'wide', 'json', 'yaml']).default('table'))
    .option('-w, --watch', 'print the table again whenever it changes, until Ctrl-C', false)
    .addOption(new Option('--watch-interval <duration>', 'how often --watch reads the hub').default('2s').hideHelp())
    .option('--fail-not-ready', 'exit 1 when any object shown is not Ready (for scripts and CI)', false);
  addHubOptions(command)
    .addHelpText(
      'after',
      `
READY is the Ready condition (kstatus): True only when it was computed for the current spec.
MESSAGE is its message; the last line counts what is not Ready. Colours only on a terminal
(NO_COLOR turns them off). Exit 0, or 1 on error or, with --fail-not-ready, when something shown is
not Ready.

Examples:
  clusterext get extensions --kubeconfig hub.yaml
  clusterext get ext --cluster prod-eu -o wide
  clusterext get extension prod-eu.monitoring -o yaml
  clusterext get repositories
  clusterext get extensions --watch
  clusterext get extensions --fail-not-ready        in CI: exit 1 unless every Extension is Ready`,
    )
    .action(async (kindWord: string, name: string | undefined, options: GetOptions) => {
      const kind = parseCrKindArgument(kindWord);
      if (options.cluster !== undefined && kind !== 'Extension' && kind !== 'ConnectedCluster' && kind !== 'ExtensionPolicy') {
        throw new ClusterextError('OptionNotApplicable', `--cluster filters Extensions, clusters and policies, not ${plural(kind, 2)}; drop --cluster.`, { kind });
      }
      await withHub(options, async (hub) => {
        if (options.watch) return watch(hub, kind, name, options);
        const items = await read(hub, kind, name, options.cluster);
        const owners = kind === 'ConnectedCluster' && options.output === 'wide' ? await readClusterOwners(hub.kube, hub.namespace) : undefined;
        process.stdout.write(render(kind, items, name, options.output, owners));
        failIfNotReady(kind, items, options.failNotReady);
      });
    });
}

async function read(hub: HubConnection, kind: CrTableKind, name: string | undefined, cluster: string | undefined): Promise<CustomResource[]> {
  if (name !== undefined) {
    const one = await hub.store.get<Record<string, unknown>, Record<string, unknown>>(kind, name);
    if (!one) {
      throw new ClusterextError('NotFound', `${kind} "${name}" does not exist in namespace "${hub.namespace}" on the hub ${hub.server}; run "clusterext get ${plural(kind, 2).toLowerCase()}" to list them.`, { kind, name });
    }
    return [{ ...one, kind }];
  }
  const items = await hub.store.list<Record<string, unknown>, Record<string, unknown>>(kind);
  return cluster === undefined ? items : items.filter((cr) => onCluster(cr, cluster));
}

function onCluster(cr: CustomResource, cluster: string): boolean {
  switch (cr.kind) {
    case 'Extension':
      return (cr.spec as { clusterName?: string }).clusterName === cluster;
    case 'ConnectedCluster':
      return cr.metadata.name === cluster;
    case 'ExtensionPolicy': {
      const status = cr.status as { compliantClusters?: { name: string }[]; nonCompliantClusters?: { name: string }[] } | undefined;
      return [...(status?.compliantClusters ?? []), ...(status?.nonCompliantClusters ?? [])].some((c) => c.name === cluster);
    }
    default:
      return true;
  }
}

function render(kind: CrTableKind, items: readonly CustomResource[], name: string | undefined, output: GetOutput, owners?: ReadonlyMap<string, string>): string {
  // managedFields is the API server's bookkeeping; kubectl hides it too.
  const plain = items.map((cr) => ({ ...cr, apiVersion: cr.apiVersion ?? 'clusterext.io/v1alpha1', metadata: withoutManagedFields(cr.metadata) }));
  const document = name !== undefined ? plain[0] : { apiVersion: 'v1', kind: 'List', items: plain };
  switch (output) {
    case 'json':
      return `${JSON.stringify(document, null, 2)}\n`;
    case 'yaml':
      return stringify(document);
    case 'table':
    case 'wide':
      return `${renderCrTable(kind, items, { wide: output === 'wide', color: colour(), now: systemClock.now(), ...(owners ? { owners } : {}) })}\n`;
  }
}

function withoutManagedFields(metadata: CustomResource['metadata']): CustomResource['metadata'] {
  const { managedFields: _dropped, ...rest } = metadata as CustomResource['metadata'] & { managedFields?: unknown };
  return rest;
}

function failIfNotReady(kind: CrTableKind, items: readonly CustomResource[], enabled: boolean): void {
  if (!enabled) return;
  const notReady = items.filter((cr) => !isCrReady(cr)).map((cr) => cr.metadata.name);
  if (notReady.length === 0) return;
  throw new ExitError(1, `Not Ready: ${notReady.map((n) => `${kind} "${n}"`).join(', ')} (${crTableSummary(kind, items)})`, { notReady });
}

/** kubectl's --watch in spirit: the whole table again whenever a cell (other than AGE) changes. */
async function watch(hub: HubConnection, kind: CrTableKind, name: string | undefined, options: GetOptions): Promise<void> {
  const intervalMs = parseDuration(options.watchInterval, '--watch-interval');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let last: string | undefined;
  try {
    while (!stop.signal.aborted) {
      const items = await read(hub, kind, name, options.cluster);
      const owners = kind === 'ConnectedCluster' && options.output === 'wide' ? await readClusterOwners(hub.kube, hub.namespace) : undefined;
      const key = options.output === 'table' || options.output === 'wide' ? renderCrTable(kind, items, { wide: options.output === 'wide', ...(owners ? { owners } : {}) }) : JSON.stringify(items);
      if (key !== last) {
        process.stdout.write(`${last === undefined ? '' : '\n'}${render(kind, items, name, options.output, owners)}`);
        last = key;
      }
      await systemClock.sleep(intervalMs, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function colour(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
