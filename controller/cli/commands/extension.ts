import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { ClusterextError } from '../../errors/clusterext-error.js';
import type { Fleet } from '../../manifest/fleet.js';
import { loadFleetFromDirectory, readFleetFilesFromDirectory, validateFleetFiles } from '../../manifest/load-fleet.js';
import { removeExtensionDocument } from '../../manifest/remove-extension-document.js';
import { addExtensionDocument } from '../../manifest/add-extension-document.js';
import { extensionFromFlags, extensionUpdateFromFlags, type ExtensionFlags, type ExtensionUpdateFlags } from '../../manifest/extension-flags.js';
import { updateExtensionDocument } from '../../manifest/update-extension-document.js';
import { DEFAULT_VALIDATION_LIMITS } from '../../manifest/validation-limits.js';
import { DRIFT_IGNORE_FLAG_SYNTAX } from '../../manifest/drift-ignore-flag.js';
import { applyFleetEdit } from '../apply-fleet-edit.js';
import { PROTECTED_SETTINGS_LABEL } from '../../runtime/protected-settings-secret.js';
import { expandPolicies, type ExtensionInstance } from '../../plan/expand-policies.js';
import { buildExtensionView, renderExtensionList, renderExtensionShow, type ExtensionView } from '../../render/extension-view.js';
import type { ExtensionSpec } from '../../manifest/fleet.js';
import { createSecretReader } from '../../runtime/secret-reader.js';
import type { ExtensionStatus } from '../../status/extension-status.js';
import { addHubOptions, withHub, type HubConnection, type HubOptions } from '../hub-options.js';

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
  const extension = program.command('extension').description('create, update, list, show and delete the Extensions of a fleet repository, like the cloud extension CLI (live state from the hub with --kubeconfig)');

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
  registerUpdateCommand(extension);
  registerDeleteCommand(extension);
}

/** How a --drift-ignore rule is written, the same for create and update. */
const DRIFT_IGNORE_HELP = `--drift-ignore takes rules ${DRIFT_IGNORE_FLAG_SYNTAX}, several per flag or the flag repeated. POINTER
is a JSON Pointer into the release's objects; it covers that field and everything below it, and a
segment * matches any one segment. Before it, KIND: limits the rule to objects of that kind and
KIND/NAME: to one object; * as KIND means any kind ("*/web:" is every object named web). Examples:
  /metadata/annotations                    every object's annotations
  Deployment:/spec/replicas                the replicas of every Deployment
  ConfigMap/app-settings:/data/rotated     one key of one ConfigMap
Rules are checked as spec.driftIgnore is in a manifest ("spec/replicas": did you mean
"/spec/replicas"?). They change no release (they are not part of the configDigest): the controller's
and "clusterext drift"'s checks stop reporting those fields.`;

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
    .option(`--drift-ignore <${DRIFT_IGNORE_FLAG_SYNTAX}...>`, 'fields that are not drift on this Extension (spec.driftIgnore): a JSON Pointer, optionally after KIND: or KIND/NAME: (repeatable)')
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

${DRIFT_IGNORE_HELP}

Protected settings go to the Secret "<cluster>-<name>-protected-settings" in the controller's
namespace on the hub (labelled ${PROTECTED_SETTINGS_LABEL}=true, which the controller requires);
only configurationProtectedSettingsRef goes into git. Without --kubeconfig (or --context) they are
refused.

--commit commits only this file, with a message naming the change; --push also pushes it to the
current branch's upstream with your git credentials. A push the remote rejects (someone pushed
first) undoes the commit and removes the file's change and the Secret again: nothing changes, and
the message says to pull and run the command again.

Examples:
  clusterext extension create --name monitoring --cluster-name prod-eu --extension-type container-monitoring \\
    --configuration-settings logLevel=debug retention=7d --commit
  clusterext extension create --name gw --cluster-name prod-eu --extension-type api-gateway --scope namespace \\
    --target-namespace payments --auto-upgrade-minor-version false --version 1.2.0
  clusterext extension create --name web --cluster-name prod-eu --extension-type podinfo \\
    --drift-ignore /metadata/annotations 'Deployment/web:/spec/template/spec/containers/*/image'
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
  // -n is the controller's namespace on the hub: the rules refuse it as a target namespace.
  const limits = { ...DEFAULT_VALIDATION_LIMITS, controllerNamespace: options.namespace };
  const before = validateFleetFiles(files, { limits });
  if (!before.fleet) throw invalidFleet(options.repoDir, before.diagnostics);
  const existing = before.fleet.extensions.find((e) => e.spec.clusterName === target.cluster && e.metadata.name === target.name);
  if (existing) {
    throw new ClusterextError('ExtensionExists', `Extension "${target.name}" already exists on cluster "${target.cluster}" (${path.join(options.repoDir, existing.source.file)}:${existing.source.line}); edit it there, or delete it first. Nothing was written.`, target);
  }
  const addition = addExtensionDocument(files, built.document, target.cluster);
  await applyFleetEdit({
    limits,
    repoDir: options.repoDir,
    files,
    before: before.fleet,
    file: { path: addition.path, content: addition.content },
    headLabel: `with ${target.cluster}/${target.name}`,
    invalid: `Extension "${target.name}" on cluster "${target.cluster}" would not validate`,
    message: `extension create: add "${target.name}" (${built.document.spec.extensionType as string}) to cluster "${target.cluster}"`,
    commit: options.commit,
    push: options.push,
    ...(built.protectedSettings ? { protectedSettings: { hub: options, secretName, settings: built.protectedSettings } } : {}),
    color: colour(),
  });
}

function readFlagFileContent(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ClusterextError('FlagFileUnreadable', `The file "${file}" cannot be read; give the path of a JSON file. Nothing was written.`, { file });
  }
}

interface UpdateOptions extends HubOptions, Omit<ExtensionUpdateFlags, 'configurationSettingsFile' | 'configurationProtectedSettingsFile'> {
  configurationSettingsFile?: string;
  configurationProtectedSettingsFile?: string;
  repoDir: string;
  commit: boolean;
  push: boolean;
}

function registerUpdateCommand(extension: Command): void {
  const update = extension
    .command('update')
    .description('change the version, release train, auto-upgrade, settings or protected settings of an Extension in the fleet repository; prints the plan first')
    .requiredOption('--name <name>', 'the Extension (its Helm release name)')
    .requiredOption('--cluster-name <name>', 'the cluster it runs on')
    .option('--auto-upgrade-minor-version <bool>', 'true: follow the release train (drops the pinned version); false: run exactly --version (drops the train)')
    .option('--version <version>', 'the exact version to run; needs auto-upgrade off (now or already)')
    .option('--release-train <train>', 'the train to follow; needs auto-upgrade on (now or already)')
    .option('--configuration-settings <key=value...>', 'settings to set; keys not given keep their values (exclusive with --configuration-settings-file)')
    .option('--configuration-settings-file <file.json>', 'a flat JSON object of settings to set')
    .option('--configuration-protected-settings <key=value...>', 'the COMPLETE set of protected settings (keys not given are removed), written to a Secret on the hub, never to git')
    .option('--configuration-protected-settings-file <file.json>', 'a flat JSON object: the complete set of protected settings (same rules)')
    .option(`--drift-ignore <${DRIFT_IGNORE_FLAG_SYNTAX}...>`, "the COMPLETE set of the Extension's own drift ignore rules (they replace its spec.driftIgnore; repeatable)")
    .option('--clear-drift-ignore', "remove the Extension's own drift ignore rules (its ExtensionType's stay)")
    .option('--repo-dir <dir>', 'the fleet repository (or the folder of its manifests)', '.')
    .option('--commit', "commit the change in --repo-dir's repository", false)
    .option('--push', 'push the commit to the branch\'s upstream (implies --commit)', false);
  addHubOptions(update)
    .addHelpText(
      'after',
      `
The semantics are the cloud CLI's "az k8s-extension update": configuration settings given replace
those keys and keep the others; protected settings given are the complete set (keys not given are
removed from the Secret). --version needs auto-upgrade off and --release-train needs it on, whether
this command turns it so or it already is; turning auto-upgrade on removes the pinned version,
turning it off removes the train. Scope, namespaces and type do not change by update: delete and
create the Extension instead.

${DRIFT_IGNORE_HELP}
On update the rules given are the complete set of the Extension's own rules, as protected settings
are: they replace its spec.driftIgnore. To add one, give the current ones ("clusterext extension
show" lists them as --drift-ignore takes them) and the new one; --clear-drift-ignore removes them
all. Its ExtensionType's rules stay either way.

Only the Extension's own YAML document changes, through the yaml Document API: its comments, key
order and style stay, and so does every other byte of the file. The whole fleet is validated as
"clusterext validate" would, and the plan of the change printed, before anything is written.

Protected settings go to the Secret the Extension's configurationProtectedSettingsRef names (else
"<cluster>-<name>-protected-settings", which the manifest then names) in the controller's namespace
on the hub, labelled ${PROTECTED_SETTINGS_LABEL}=true; an existing Secret without that label is
refused. They need --kubeconfig (or --context); values are never printed.

With --push, a push the remote rejects (someone pushed first) undoes the commit and puts the file
and the Secret back: nothing changes, and the message says to pull and run the command again.

Examples:
  clusterext extension update --name monitoring --cluster-name prod-eu --configuration-settings logLevel=debug --commit
  clusterext extension update --name gw --cluster-name prod-eu --auto-upgrade-minor-version false --version 1.2.0 --commit --push
  clusterext extension update --name gw --cluster-name prod-eu --auto-upgrade-minor-version true --release-train preview
  clusterext extension update --name web --cluster-name prod-eu --drift-ignore Deployment:/spec/replicas --commit
  clusterext extension update --name web --cluster-name prod-eu --clear-drift-ignore --commit
  clusterext extension update --name kv --cluster-name prod-eu --configuration-protected-settings-file kv.json \\
    --kubeconfig hub.yaml --commit --push`,
    )
    .action(async (options: UpdateOptions) => {
      await updateExtension(options);
    });
}

async function updateExtension(options: UpdateOptions): Promise<void> {
  const target = { cluster: options.clusterName, name: options.name };
  const files = await readFleetFilesFromDirectory(options.repoDir);
  // -n is the controller's namespace on the hub: the rules refuse it as a target namespace.
  const limits = { ...DEFAULT_VALIDATION_LIMITS, controllerNamespace: options.namespace };
  const before = validateFleetFiles(files, { limits });
  if (!before.fleet) throw invalidFleet(options.repoDir, before.diagnostics);
  const current = before.fleet.extensions.find((e) => e.spec.clusterName === target.cluster && e.metadata.name === target.name);
  if (!current) throw notDeclared(new ClusterextError('ExtensionNotFound', ''), before.fleet, target, options.repoDir, 'update');
  const readFlagFile = (file: string | undefined, inline: string[] | undefined) => (file === undefined ? undefined : { path: file, content: inline ? '{}' : readFlagFileContent(file) });
  const built = extensionUpdateFromFlags(current.spec, {
    ...options,
    configurationSettingsFile: readFlagFile(options.configurationSettingsFile, options.configurationSettings),
    configurationProtectedSettingsFile: readFlagFile(options.configurationProtectedSettingsFile, options.configurationProtectedSettings),
  });
  let protectedSettings;
  if (built.protectedSettings) {
    if (!usesHub(options)) {
      throw new ClusterextError(
        'ProtectedSettingsNeedHub',
        `Protected settings of Extension "${target.name}" never go into git: they are written to a Secret on the hub, so pass --kubeconfig (or --context) of the hub; nothing was written.`,
        target,
      );
    }
    const secretName = current.spec.configurationProtectedSettingsRef?.secretName ?? `${target.cluster}-${target.name}-protected-settings`;
    const sharers = expandPolicies(before.fleet).instances.filter((i) => i.spec.configurationProtectedSettingsRef?.secretName === secretName && !(i.cluster === target.cluster && i.name === target.name));
    if (sharers.length > 0) {
      throw new ClusterextError(
        'ProtectedSettingsSecretShared',
        `The Secret "${secretName}" of Extension "${target.name}" on cluster "${target.cluster}" also holds the protected settings of ${sharers.map((i) => `"${i.name}" on "${i.cluster}"`).join(', ')}; replacing its keys would change them too. Give this Extension a Secret of its own (edit configurationProtectedSettingsRef), then update it. Nothing was written.`,
        { ...target, secret: secretName },
      );
    }
    if (!current.spec.configurationProtectedSettingsRef) built.edit = { ...built.edit, set: { ...built.edit.set, configurationProtectedSettingsRef: { secretName } } };
    protectedSettings = { hub: options, secretName, settings: built.protectedSettings };
  }
  const changed = updateExtensionDocument(files, target, built.edit);
  const what = describeUpdate(options, built.protectedSettings !== undefined);
  await applyFleetEdit({
    limits,
    repoDir: options.repoDir,
    files,
    before: before.fleet,
    file: changed,
    headLabel: `with ${target.cluster}/${target.name} updated`,
    invalid: `Extension "${target.name}" on cluster "${target.cluster}" would not validate after the update`,
    message: `extension update: ${what} of "${target.name}" on cluster "${target.cluster}"`,
    commit: options.commit,
    push: options.push,
    ...(protectedSettings ? { protectedSettings } : {}),
    color: colour(),
  });
}

/** `version 1.2.0, settings logLevel`: what an update changes, for its commit message (never a protected value). */
function describeUpdate(options: UpdateOptions, protectedGiven: boolean): string {
  const parts: string[] = [];
  if (options.autoUpgradeMinorVersion !== undefined) parts.push(`auto-upgrade ${options.autoUpgradeMinorVersion}`);
  if (options.version !== undefined) parts.push(`version ${options.version}`);
  if (options.releaseTrain !== undefined) parts.push(`release train ${options.releaseTrain}`);
  const keys = options.configurationSettings?.map((p) => p.split('=')[0]!) ?? [];
  if (keys.length > 0) parts.push(`settings ${keys.join(', ')}`);
  else if (options.configurationSettingsFile !== undefined) parts.push('settings');
  if (protectedGiven) parts.push('protected settings');
  if (options.driftIgnore !== undefined) parts.push(`drift ignore rules (${options.driftIgnore.length})`);
  if (options.clearDriftIgnore) parts.push('no drift ignore rules');
  return `set ${parts.join(', ')}`;
}

interface DeleteOptions extends HubOptions {
  name: string;
  clusterName: string;
  repoDir: string;
  commit: boolean;
  push: boolean;
}

function registerDeleteCommand(extension: Command): void {
  const del = extension
    .command('delete')
    .description('remove an Extension from the fleet repository (the controller then uninstalls it), and with --push its protected-settings Secret from the hub; prints the plan first')
    .requiredOption('--name <name>', 'the Extension (its Helm release name)')
    .requiredOption('--cluster-name <name>', 'the cluster it runs on')
    .option('--repo-dir <dir>', 'the fleet repository (or the folder of its manifests)', '.')
    .option('--commit', 'commit the change (git add + commit in --repo-dir\'s repository)', false)
    .option('--push', 'push the commit (implies --commit); with --kubeconfig, also delete the protected-settings Secret', false);
  addHubOptions(del)
    .addHelpText(
      'after',
      `
Only the lines of that Extension's YAML document are removed; the rest of the file stays byte for
byte (a file left with nothing but comments is deleted). The fleet is validated as "clusterext
validate" would before anything is written, and the plan of the change is printed. An Extension an
ExtensionPolicy generates has no manifest of its own: the command says which policy, and how to
take the cluster out of its selector.

--commit commits only this file's change; --push also pushes it (a rejected push undoes the
commit and puts the file back). The controller uninstalls the release once it applies the commit.

Protected settings: with --push and --kubeconfig (or --context) of the hub, the Secret the
Extension's configurationProtectedSettingsRef names is deleted from the controller's namespace in
the same step, and put back if the commit or the push fails. It is deleted only when it is marked
${PROTECTED_SETTINGS_LABEL}=true and no other Extension of the fleet (policy-generated ones
included) names it. Without --push it stays, and the command says so: its values are nowhere else,
and a change that is not pushed may still be dropped. An uninstall needs no protected settings, so
the controller removes the release whether the Secret is there or not; until it fetches the commit
it reports the Extension's Secret missing and runs nothing for it.

Examples:
  clusterext extension delete --name monitoring --cluster-name dev-eu --repo-dir fleet
  clusterext extension delete --name monitoring --cluster-name dev-eu --commit --push
  clusterext extension delete --name kv --cluster-name prod-eu --push --kubeconfig hub.yaml`,
    )
    .action(async (options: DeleteOptions) => {
      await deleteExtension(options);
    });
}

async function deleteExtension(options: DeleteOptions): Promise<void> {
  const files = await readFleetFilesFromDirectory(options.repoDir);
  const before = validateFleetFiles(files);
  if (!before.fleet) throw invalidFleet(options.repoDir, before.diagnostics);
  const target = { cluster: options.clusterName, name: options.name };
  let removal;
  try {
    removal = removeExtensionDocument(files, target);
  } catch (err) {
    throw notDeclared(err, before.fleet, target, options.repoDir, 'delete');
  }
  const secret = protectedSecretOfDeleted(before.fleet, target, options);
  await applyFleetEdit({
    repoDir: options.repoDir,
    files,
    before: before.fleet,
    file: { path: removal.path, content: removal.deleted ? null : removal.content },
    headLabel: `without ${target.cluster}/${target.name}`,
    invalid: `Deleting Extension "${target.name}" from cluster "${target.cluster}" would leave a fleet that does not validate`,
    message: `extension delete: remove "${target.name}" from cluster "${target.cluster}"`,
    commit: options.commit,
    push: options.push,
    ...(secret?.remove ? { removeProtectedSettings: { hub: options, secretName: secret.name } } : {}),
    color: colour(),
  });
  if (secret?.kept) process.stderr.write(`${secret.kept}\n`);
}

/**
 * The protected-settings Secret of the Extension being deleted, and whether this delete removes it
 * (only with --push and the hub: its values are nowhere else, and an unpushed change may be
 * dropped) or why it stays.
 */
function protectedSecretOfDeleted(fleet: Fleet, target: { cluster: string; name: string }, options: DeleteOptions): { name: string; remove: boolean; kept?: string } | undefined {
  const name = fleet.extensions.find((e) => e.spec.clusterName === target.cluster && e.metadata.name === target.name)?.spec.configurationProtectedSettingsRef?.secretName;
  if (name === undefined) return undefined;
  const where = `Secret "${name}" in namespace "${options.namespace}" on the hub`;
  const sharers = expandPolicies(fleet).instances.filter((i) => i.spec.configurationProtectedSettingsRef?.secretName === name && !(i.cluster === target.cluster && i.name === target.name));
  if (sharers.length > 0) return { name, remove: false, kept: `The protected settings of Extension "${target.name}" stay in ${where}: it also holds those of ${sharers.map((i) => `"${i.name}" on "${i.cluster}"`).join(', ')}.` };
  const later = `delete it once the controller has uninstalled the release (kubectl delete secret ${name} -n ${options.namespace})`;
  if (!usesHub(options)) return { name, remove: false, kept: `The protected settings of Extension "${target.name}" stay in ${where}: pass --kubeconfig (or --context) with --push to delete it with the Extension, or ${later}.` };
  if (!options.push) return { name, remove: false, kept: `The protected settings of Extension "${target.name}" stay in ${where} until the deletion is pushed (their values are nowhere else): pass --push to delete it with the Extension, or ${later}.` };
  return { name, remove: true };
}

/**
 * The error for an Extension no manifest declares: a policy-generated one names its policy and
 * what to do instead; any other error passes through.
 */
function notDeclared(err: unknown, fleet: Fleet, target: { cluster: string; name: string }, repoDir: string, verb: 'delete' | 'update'): unknown {
  if (!(err instanceof ClusterextError) || err.code !== 'ExtensionNotFound') return err;
  const generated = expandPolicies(fleet).instances.find((i) => i.cluster === target.cluster && i.name === target.name);
  if (generated?.origin.kind === 'policy') {
    const where = `${path.join(repoDir, generated.source.file)}:${generated.source.line}`;
    const how =
      verb === 'delete'
        ? `To remove it, take the cluster out of the policy: add to its spec.clusterSelector.matchExpressions an entry that excludes "${target.cluster}" (for example {key: <a label of the cluster>, operator: NotIn, values: [<its value>]}), or change the labels of ConnectedCluster "${target.cluster}" so the selector no longer matches.`
        : `To change it on every cluster the policy selects, edit the policy's spec.extension; to change it on "${target.cluster}" alone, create an Extension "${target.name}" for that cluster (clusterext extension create), which wins over the generated one.`;
    return new ClusterextError(
      'ExtensionGeneratedByPolicy',
      `Extension "${target.name}" on cluster "${target.cluster}" is generated by ExtensionPolicy "${generated.origin.policy}" (${where}); it has no manifest to ${verb}. ${how} Nothing was written.`,
      { ...target, policy: generated.origin.policy },
    );
  }
  return new ClusterextError('ExtensionNotFound', `There is no Extension "${target.name}" on cluster "${target.cluster}" in "${repoDir}"; run "clusterext extension list --cluster-name ${target.cluster}" to see its Extensions. Nothing was written.`, target);
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
  return withHub(options, (hub) => Promise.all(instances.map(async (instance) => buildExtensionView({ instance, type: types.get(instance.spec.extensionType), ...(await liveState(hub, instance)) }))));
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
