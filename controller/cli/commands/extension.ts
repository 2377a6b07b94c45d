import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { ClusterextError, ExitError } from '../../errors/clusterext-error.js';
import type { Fleet } from '../../manifest/fleet.js';
import { loadFleetFromDirectory, readFleetFilesFromDirectory, validateFleetFiles } from '../../manifest/load-fleet.js';
import { removeExtensionDocument } from '../../manifest/remove-extension-document.js';
import { addExtensionDocument } from '../../manifest/add-extension-document.js';
import { extensionFromFlags, type ExtensionFlags } from '../../manifest/extension-flags.js';
import { PROTECTED_SETTINGS_LABEL } from '../../runtime/protected-settings-secret.js';
import { expectOk } from '../../runtime/kube-rest.js';
import type { FleetFile } from '../../manifest/fleet-file.js';
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
  const extension = program.command('extension').description('create, list, show and delete the Extensions of a fleet repository, like the cloud extension CLI (live state from the hub with --kubeconfig)');

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

  registerCreateCommand(extension);
  registerDeleteCommand(extension);
}

interface CreateOptions extends HubOptions, Omit<ExtensionFlags, 'configurationSettingsFile' | 'configurationProtectedSettingsFile'> {
  configurationSettingsFile?: string;
  configurationProtectedSettingsFile?: string;
  repoDir: string;
  commit: boolean;
  push: boolean;
}

function registerCreateCommand(extension: Command): void {
  const create = extension
    .command('create')
    .description('add an Extension to the fleet repository, with the cloud extension CLI\'s flags and rules; prints the plan first')
    .requiredOption('--name <name>', 'the Extension (its Helm release name)')
    .requiredOption('--cluster-name <name>', 'the ConnectedCluster it runs on')
    .requiredOption('--extension-type <type>', 'the ExtensionType')
    .addOption(new Option('--scope <scope>', 'cluster or namespace').choices(['cluster', 'namespace']).default('cluster'))
    .option('--release-namespace <ns>', 'scope cluster only: where the release goes (default: the type\'s defaultReleaseNamespace)')
    .option('--target-namespace <ns>', 'scope namespace only (required there): the namespace the instance owns')
    .option('--release-train <train>', 'with auto-upgrade only (default stable)')
    .option('--version <version>', 'with --auto-upgrade-minor-version false only: the exact version to run')
    .option('--auto-upgrade-minor-version <bool>', 'true (default): newest of the train within the installed major; false: exactly --version')
    .option('--configuration-settings <key=value...>', 'settings (dots in keys nest); exclusive with --configuration-settings-file')
    .option('--configuration-settings-file <file.json>', 'a flat JSON object of settings')
    .option('--configuration-protected-settings <key=value...>', 'protected settings: written to a Secret on the hub (needs --kubeconfig), never to git')
    .option('--configuration-protected-settings-file <file.json>', 'a flat JSON object of protected settings (same rules)')
    .option('--repo-dir <dir>', 'the fleet repository (or the folder of its manifests)', '.')
    .option('--commit', 'commit the change in --repo-dir\'s repository', false)
    .option('--push', 'push the commit (implies --commit)', false);
  addHubOptions(create)
    .addHelpText(
      'after',
      `
The rules are the cloud CLI's: --version only with --auto-upgrade-minor-version false (and then
required); --release-train only with auto-upgrade on; --release-namespace only with --scope cluster,
--target-namespace only (and always) with --scope namespace; each settings flag and its -file form
are exclusive. The new Extension goes into the file that already holds Extensions of that cluster,
else into extensions/<cluster>.yaml. The whole fleet is validated as "clusterext validate" would, and
the plan of the change printed, before anything is written.

Protected settings go to the Secret "<cluster>-<name>-protected-settings" in the controller's
namespace on the hub (labelled ${PROTECTED_SETTINGS_LABEL}=true, which the controller requires);
only configurationProtectedSettingsRef goes into git. Without --kubeconfig (or --context) they are
refused.

Examples:
  clusterext extension create --name monitoring --cluster-name prod-eu --extension-type container-monitoring \\
    --configuration-settings logLevel=debug retention=7d --commit
  clusterext extension create --name gw --cluster-name prod-eu --extension-type api-gateway --scope namespace \\
    --target-namespace payments --auto-upgrade-minor-version false --version 1.2.0
  clusterext extension create --name kv --cluster-name prod-eu --extension-type keyvault-secrets-provider \\
    --configuration-protected-settings-file kv.json --kubeconfig hub.yaml --commit --push`,
    )
    .action(async (options: CreateOptions) => {
      await createExtension(options);
    });
}

async function createExtension(options: CreateOptions): Promise<void> {
  // A -file form given with its inline form is refused by the rules, before the file is read.
  const readFlagFile = (file: string | undefined, inline: string[] | undefined) => (file === undefined ? undefined : { path: file, content: inline ? '{}' : readFlagFileContent(file) });
  const built = extensionFromFlags({
    ...options,
    configurationSettingsFile: readFlagFile(options.configurationSettingsFile, options.configurationSettings),
    configurationProtectedSettingsFile: readFlagFile(options.configurationProtectedSettingsFile, options.configurationProtectedSettings),
  } as ExtensionFlags);
  const target = { cluster: options.clusterName, name: options.name };
  if (built.protectedSettings && !usesHub(options)) {
    throw new ClusterextError(
      'ProtectedSettingsNeedHub',
      `Protected settings of Extension "${target.name}" never go into git: they are written to a Secret on the hub, so pass --kubeconfig (or --context) of the hub; nothing was written.`,
      target,
    );
  }
  const secretName = `${target.cluster}-${target.name}-protected-settings`;
  if (built.protectedSettings) built.document.spec.configurationProtectedSettingsRef = { secretName };
  const files = await readFleetFilesFromDirectory(options.repoDir);
  const before = validateFleetFiles(files);
  if (!before.fleet) throw invalidFleet(options.repoDir, before.diagnostics);
  const existing = before.fleet.extensions.find((e) => e.spec.clusterName === target.cluster && e.metadata.name === target.name);
  if (existing) {
    throw new ClusterextError('ExtensionExists', `Extension "${target.name}" already exists on cluster "${target.cluster}" (${path.join(options.repoDir, existing.source.file)}:${existing.source.line}); edit it there, or delete it first. Nothing was written.`, target);
  }
  const addition = addExtensionDocument(files, built.document, target.cluster);
  const edited: FleetFile[] = addition.created ? [...files, { path: addition.path, content: addition.content }] : files.map((f) => (f.path === addition.path ? { ...f, content: addition.content } : f));
  const after = validateFleetFiles(edited);
  if (!after.fleet) {
    process.stdout.write(renderDiagnostics(after.diagnostics, 'human', { color: colour(), pathPrefix: prefixOf(options.repoDir) }));
    throw new ExitError(1, `Extension "${target.name}" on cluster "${target.cluster}" would not validate (see above); nothing was written.`, target);
  }
  const plan = computePlan({ base: before.fleet, head: after.fleet, baseRevision: 'working tree', headRevision: `with ${target.cluster}/${target.name}` });
  process.stdout.write(renderPlanHuman(plan, { color: colour() }));
  if (built.protectedSettings) {
    const hub = connectHub(options);
    try {
      await writeProtectedSettings(hub, secretName, built.protectedSettings);
    } finally {
      hub.close();
    }
    process.stderr.write(`Wrote ${Object.keys(built.protectedSettings).length} protected setting(s) to Secret "${secretName}" in namespace "${options.namespace}" on the hub (values not shown).\n`);
  }
  const file = path.join(options.repoDir, addition.path);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, addition.content);
  process.stderr.write(`${addition.created ? 'Created' : 'Edited'} ${file}.\n`);
  commitAndPush(options, addition.path, `extension create: add "${target.name}" (${built.document.spec.extensionType as string}) to cluster "${target.cluster}"`);
}

/**
 * The complete set of protected settings, by server-side apply: keys this command wrote before and
 * does not give now are removed, as the cloud CLI's protected settings are always the whole set.
 */
async function writeProtectedSettings(hub: HubConnection, name: string, settings: Record<string, string>): Promise<void> {
  const res = await hub.kube.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${encodeURIComponent(hub.namespace)}/secrets/${encodeURIComponent(name)}?fieldManager=clusterext-cli&force=true`,
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: hub.namespace, labels: { [PROTECTED_SETTINGS_LABEL]: 'true' } },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
    },
  });
  expectOk(res, `Writing the protected-settings Secret "${name}"`);
}

function readFlagFileContent(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ClusterextError('FlagFileUnreadable', `The file "${file}" cannot be read; give the path of a JSON file. Nothing was written.`, { file });
  }
}

function commitAndPush(options: { repoDir: string; commit: boolean; push: boolean }, file: string, message: string): void {
  if (!options.commit && !options.push) return;
  const git = (...args: string[]) => execFileSync('git', ['-C', options.repoDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  git('add', '-A', '--', file);
  git('commit', '-q', '-m', message);
  process.stderr.write(`Committed: ${message}.\n`);
  if (options.push) {
    git('push', '-q');
    process.stderr.write('Pushed.\n');
  }
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
  commitAndPush(options, removal.path, `extension delete: remove "${target.name}" from cluster "${target.cluster}"`);
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
