import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { ClusterextError, ExitError } from '../../errors/clusterext-error.js';
import type { Fleet } from '../../manifest/fleet.js';
import { loadFleetFromDirectory, readFleetFilesFromDirectory, validateFleetFiles } from '../../manifest/load-fleet.js';
import { removeExtensionDocument } from '../../manifest/remove-extension-document.js';
import { computePlan } from '../../plan/compute-plan.js';
import { renderDiagnostics } from '../../render/diagnostics.js';
import { renderPlanHuman } from '../../render/render-plan-human.js';
import { expandPolicies, type ExtensionInstance } from '../../plan/expand-policies.js';
import { buildExtensionView, renderExtensionList, renderExtensionShow, type ExtensionView } from '../../render/extension-view.js';
import type { ExtensionSpec } from '../../manifest/fleet.js';
import { createSecretReader } from '../../runtime/secret-reader.js';
import type { ExtensionStatus } from '../../status/extension-status.js';
import { addHubOptions, connectHub, type HubConnection, type HubOptions } from '../hub-options.js';

type ViewFormat = 'table' | 'json' | 'yaml';

interface ReadOptions extends HubOptions {
  repoDir: string;
  clusterName?: string;
  name?: string;
  output: ViewFormat;
}

/**
 * `clusterext extension …`: the cloud extension CLI's commands, on a fleet repository's working
 * tree. `list` and `show` read the manifests (policies expanded, as the controller does) and, with
 * --kubeconfig, the live state of each Extension from the hub.
 */
export function registerExtensionCommand(program: Command): void {
  const extension = program.command('extension').description('list, show and delete the Extensions of a fleet repository, like the cloud extension CLI (live state from the hub with --kubeconfig)');

  const list = extension
    .command('list')
    .description('list the Extensions of the fleet (policy-generated ones included), optionally of one cluster')
    .option('--cluster-name <name>', 'only the Extensions of this cluster');
  addReadOptions(list)
    .addHelpText(
      'after',
      `
Without --kubeconfig the list comes from git only (desired state, no provisioning state); with it,
STATE and INSTALLED come from the hub's Extension status.

Examples:
  clusterext extension list --repo-dir fleet
  clusterext extension list --cluster-name prod-eu --kubeconfig hub.yaml
  clusterext extension list -o json`,
    )
    .action(async (options: ReadOptions) => {
      const views = await readViews(options);
      process.stdout.write(format(views, options.output, (v) => `${renderExtensionList(v, { color: colour() })}\n${footer(v, options)}`));
    });

  const show = extension
    .command('show')
    .description('show one Extension: settings, versions, auto-upgrade, train, scope, provisioning state and last error')
    .requiredOption('--name <name>', 'the Extension (its Helm release name)')
    .requiredOption('--cluster-name <name>', 'the cluster it runs on');
  addReadOptions(show)
    .addHelpText(
      'after',
      `
Protected settings show as the key names of their Secret (read from the hub with --kubeconfig),
never as values.

Examples:
  clusterext extension show --name monitoring --cluster-name prod-eu --kubeconfig hub.yaml
  clusterext extension show --name monitoring --cluster-name prod-eu -o yaml`,
    )
    .action(async (options: ReadOptions) => {
      const views = await readViews(options);
      const view = views[0];
      if (!view) {
        throw new ClusterextError(
          'ExtensionNotFound',
          `There is no Extension "${options.name}" on cluster "${options.clusterName}" in "${options.repoDir}"; run "clusterext extension list --cluster-name ${options.clusterName}" to see its Extensions.`,
          { name: options.name, cluster: options.clusterName },
        );
      }
      process.stdout.write(options.output === 'table' ? renderExtensionShow(view) : format([view], options.output, () => '', true));
    });

  registerDeleteCommand(extension);
}

function registerDeleteCommand(extension: Command): void {
  extension
    .command('delete')
    .description('remove an Extension from the fleet repository (the controller then uninstalls it); prints the plan first')
    .requiredOption('--name <name>', 'the Extension (its Helm release name)')
    .requiredOption('--cluster-name <name>', 'the cluster it runs on')
    .option('--repo-dir <dir>', 'the fleet repository (or the folder of its manifests)', '.')
    .option('--commit', 'commit the change (git add + commit in --repo-dir\'s repository)', false)
    .option('--push', 'push the commit (implies --commit)', false)
    .addHelpText(
      'after',
      `
Only the lines of that Extension's YAML document are removed; the rest of the file stays byte for
byte (a file left with nothing but comments is deleted). The fleet is validated as "clusterext
validate" would before anything is written, and the plan of the change is printed. An Extension an
ExtensionPolicy generates has no manifest of its own: the command says which policy, and how to
take the cluster out of its selector.

Examples:
  clusterext extension delete --name monitoring --cluster-name dev-eu --repo-dir fleet
  clusterext extension delete --name monitoring --cluster-name dev-eu --commit --push`,
    )
    .action(async (options: { name: string; clusterName: string; repoDir: string; commit: boolean; push: boolean }) => {
      await deleteExtension(options);
    });
}

async function deleteExtension(options: { name: string; clusterName: string; repoDir: string; commit: boolean; push: boolean }): Promise<void> {
  const files = await readFleetFilesFromDirectory(options.repoDir);
  const before = validateFleetFiles(files);
  if (!before.fleet) throw invalidFleet(options.repoDir, before.diagnostics);
  const target = { cluster: options.clusterName, name: options.name };
  let removal;
  try {
    removal = removeExtensionDocument(files, target);
  } catch (err) {
    if (!(err instanceof ClusterextError) || err.code !== 'ExtensionNotFound') throw err;
    const generated = expandPolicies(before.fleet).instances.find((i) => i.cluster === target.cluster && i.name === target.name);
    if (generated?.origin.kind === 'policy') {
      throw new ClusterextError(
        'ExtensionGeneratedByPolicy',
        `Extension "${target.name}" on cluster "${target.cluster}" is generated by ExtensionPolicy "${generated.origin.policy}" (${path.join(options.repoDir, generated.source.file)}:${generated.source.line}); it has no manifest to delete. To remove it, take the cluster out of the policy: add to its spec.clusterSelector.matchExpressions an entry that excludes "${target.cluster}" (for example {key: <a label of the cluster>, operator: NotIn, values: [<its value>]}), or change the labels of ConnectedCluster "${target.cluster}" so the selector no longer matches. Nothing was written.`,
        { ...target, policy: generated.origin.policy },
      );
    }
    throw new ClusterextError('ExtensionNotFound', `There is no Extension "${target.name}" on cluster "${target.cluster}" in "${options.repoDir}"; run "clusterext extension list --cluster-name ${target.cluster}" to see its Extensions. Nothing was written.`, target);
  }
  const edited = files.map((f) => (f.path === removal.path ? { ...f, content: removal.content } : f)).filter((f) => !(removal.deleted && f.path === removal.path));
  const after = validateFleetFiles(edited);
  if (!after.fleet) {
    process.stdout.write(renderDiagnostics(after.diagnostics, 'human', { color: colour(), pathPrefix: prefixOf(options.repoDir) }));
    throw new ExitError(1, `Deleting Extension "${target.name}" from cluster "${target.cluster}" would leave a fleet that does not validate (see above); nothing was written.`, target);
  }
  const plan = computePlan({ base: before.fleet, head: after.fleet, baseRevision: 'working tree', headRevision: `without ${target.cluster}/${target.name}` });
  process.stdout.write(renderPlanHuman(plan, { color: colour() }));
  const file = path.join(options.repoDir, removal.path);
  if (removal.deleted) rmSync(file);
  else writeFileSync(file, removal.content);
  process.stderr.write(`${removal.deleted ? 'Deleted' : 'Edited'} ${file}.\n`);
  if (options.commit || options.push) {
    const git = (...args: string[]) => execFileSync('git', ['-C', options.repoDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    git('add', '-A', '--', removal.path);
    git('commit', '-q', '-m', `extension delete: remove "${target.name}" from cluster "${target.cluster}"`);
    process.stderr.write(`Committed: extension delete: remove "${target.name}" from cluster "${target.cluster}".\n`);
    if (options.push) {
      git('push', '-q');
      process.stderr.write('Pushed.\n');
    }
  }
}

function invalidFleet(repoDir: string, diagnostics: readonly { severity: string; file: string; line: number; column: number; message: string }[]): ClusterextError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  return new ClusterextError(
    'FleetInvalid',
    `The fleet in "${repoDir}" does not validate (${errors.length} error(s)${first ? `; first: ${path.join(repoDir, first.file)}:${first.line}:${first.column} ${first.message}` : ''}); run "clusterext validate ${repoDir}" and fix them first.`,
    { repoDir },
  );
}

function prefixOf(repoDir: string): string {
  const normalized = path.normalize(repoDir).split(path.sep).join('/');
  return normalized === '.' ? '' : normalized.endsWith('/') ? normalized : `${normalized}/`;
}

function addReadOptions(command: Command): Command {
  command
    .option('--repo-dir <dir>', 'the fleet repository (or the folder of its manifests)', '.')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'));
  return addHubOptions(command);
}

async function readViews(options: ReadOptions): Promise<ExtensionView[]> {
  const fleet = await loadValidFleet(options.repoDir);
  const instances = expandPolicies(fleet).instances.filter((i) => (options.clusterName === undefined || i.cluster === options.clusterName) && (options.name === undefined || i.name === options.name));
  const types = new Map(fleet.extensionTypes.map((t) => [t.metadata.name, t]));
  if (!usesHub(options)) return instances.map((instance) => buildExtensionView({ instance, type: types.get(instance.spec.extensionType) }));
  const hub = connectHub(options);
  try {
    return await Promise.all(instances.map(async (instance) => buildExtensionView({ instance, type: types.get(instance.spec.extensionType), ...(await liveState(hub, instance)) })));
  } finally {
    hub.close();
  }
}

/** The hub is read only when asked for (--kubeconfig or --context): otherwise the answer is from git, and says so. */
function usesHub(options: HubOptions): boolean {
  return options.kubeconfig !== undefined || options.context !== undefined;
}

async function liveState(hub: HubConnection, instance: ExtensionInstance): Promise<{ live: { status: ExtensionStatus | undefined }; protectedKeys?: string[] }> {
  const cr = await hub.store.get<ExtensionSpec, ExtensionStatus>('Extension', `${instance.cluster}.${instance.name}`);
  const ref = instance.spec.configurationProtectedSettingsRef;
  // Only the key names leave this function; the values are dropped here.
  const keys = ref ? Object.keys((await createSecretReader(hub.kube, hub.namespace).read(ref.secretName)) ?? {}) : undefined;
  return { live: { status: cr?.status }, ...(keys ? { protectedKeys: keys } : {}) };
}

async function loadValidFleet(repoDir: string): Promise<Fleet> {
  const { fleet, diagnostics } = await loadFleetFromDirectory(repoDir);
  if (fleet) return fleet;
  throw invalidFleet(repoDir, diagnostics);
}

function footer(views: readonly ExtensionView[], options: ReadOptions): string {
  const where = options.clusterName ? ` on cluster "${options.clusterName}"` : '';
  const count = `${views.length} Extension${views.length === 1 ? '' : 's'}${where}`;
  return views.some((v) => v.stateFrom === 'hub') || usesHub(options)
    ? `\n${count}; state from the hub (namespace "${options.namespace}").\n`
    : `\n${count}, read from git only: no live state (pass --kubeconfig to read it from the hub).\n`;
}

function format(views: readonly ExtensionView[], output: ViewFormat, table: (views: readonly ExtensionView[]) => string, single = false): string {
  const data = single ? views[0] : views;
  if (output === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (output === 'yaml') return stringify(data);
  return table(views);
}

function colour(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
