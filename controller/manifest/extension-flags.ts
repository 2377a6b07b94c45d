import { ClusterextError } from '../errors/clusterext-error.js';
import type { ExtensionSpec, Scope, SettingValue } from './fleet.js';
import { parseDriftIgnoreFlag } from './drift-ignore-flag.js';
import type { ExtensionSpecEdit } from './update-extension-document.js';

/** The cloud extension CLI's flags of `create`, as given (strings, unparsed). */
export interface ExtensionFlags {
  name: string;
  clusterName: string;
  extensionType: string;
  scope?: string;
  releaseNamespace?: string;
  targetNamespace?: string;
  releaseTrain?: string;
  version?: string;
  autoUpgradeMinorVersion?: string;
  configurationSettings?: string[];
  /** The content of --configuration-settings-file (the caller reads it). */
  configurationSettingsFile?: { path: string; content: string };
  configurationProtectedSettings?: string[];
  configurationProtectedSettingsFile?: { path: string; content: string };
  /** `--drift-ignore` rules, each `[KIND[/NAME]:]POINTER` (drift-ignore-flag.ts). */
  driftIgnore?: string[];
}

/** The Extension the flags describe, and the protected settings to put in a Secret (never in git). */
export interface ExtensionFromFlags {
  document: { apiVersion: string; kind: 'Extension'; metadata: { name: string }; spec: Record<string, unknown> };
  protectedSettings?: Record<string, string>;
}

/**
 * Applies the cloud CLI's rules to the flags of `extension create` and builds the manifest. Every
 * broken rule is reported at once, each naming its flags and the fix; nothing is read or written
 * here. The manifest is then validated as `validate` would by the caller.
 */
export function extensionFromFlags(flags: ExtensionFlags): ExtensionFromFlags {
  const problems: string[] = [];
  const scope = flags.scope ?? 'cluster';
  if (scope !== 'cluster' && scope !== 'namespace') problems.push(`--scope must be "cluster" or "namespace", not "${scope}".`);
  const autoUpgrade = flags.autoUpgradeMinorVersion === undefined ? undefined : parseBoolean(flags.autoUpgradeMinorVersion, problems);
  if (flags.version !== undefined && autoUpgrade !== false) problems.push('--version needs --auto-upgrade-minor-version false (a pinned version does not auto-upgrade).');
  if (autoUpgrade === false && flags.version === undefined) problems.push('--auto-upgrade-minor-version false needs --version (the exact version to run).');
  if (flags.releaseTrain !== undefined && autoUpgrade === false) problems.push('--release-train only applies with --auto-upgrade-minor-version true (a pinned version has no train).');
  if (flags.releaseNamespace !== undefined && scope !== 'cluster') problems.push('--release-namespace only applies with --scope cluster; a namespace-scoped Extension runs in --target-namespace.');
  if (flags.targetNamespace !== undefined && scope !== 'namespace') problems.push('--target-namespace only applies with --scope namespace; a cluster-scoped Extension takes --release-namespace.');
  if (scope === 'namespace' && flags.targetNamespace === undefined) problems.push('--scope namespace needs --target-namespace.');
  if (flags.configurationSettings && flags.configurationSettingsFile) problems.push('Give --configuration-settings or --configuration-settings-file, not both.');
  if (flags.configurationProtectedSettings && flags.configurationProtectedSettingsFile) problems.push('Give --configuration-protected-settings or --configuration-protected-settings-file, not both.');
  const settings = flags.configurationSettingsFile ? settingsFile(flags.configurationSettingsFile, problems) : pairs('--configuration-settings', flags.configurationSettings ?? [], problems);
  const protectedGiven = flags.configurationProtectedSettings !== undefined || flags.configurationProtectedSettingsFile !== undefined;
  const protectedSettings = flags.configurationProtectedSettingsFile
    ? stringsOnly(settingsFile(flags.configurationProtectedSettingsFile, problems))
    : pairs('--configuration-protected-settings', flags.configurationProtectedSettings ?? [], problems, true);
  const driftIgnore = parseDriftIgnoreFlag(flags.driftIgnore ?? [], problems);
  if (problems.length > 0) {
    throw new ClusterextError('InvalidFlags', `The flags for Extension "${flags.name}" on cluster "${flags.clusterName}" break ${problems.length === 1 ? 'a rule' : `${problems.length} rules`}; nothing was written: ${problems.join(' ')}`, { problems });
  }
  const spec: Record<string, unknown> = {
    clusterName: flags.clusterName,
    extensionType: flags.extensionType,
    scope: scope as Scope,
    ...(flags.releaseNamespace !== undefined ? { releaseNamespace: flags.releaseNamespace } : {}),
    ...(flags.targetNamespace !== undefined ? { targetNamespace: flags.targetNamespace } : {}),
    ...(autoUpgrade !== undefined ? { autoUpgradeMinorVersion: autoUpgrade } : {}),
    ...(flags.releaseTrain !== undefined ? { releaseTrain: flags.releaseTrain } : {}),
    ...(flags.version !== undefined ? { version: flags.version } : {}),
    ...(Object.keys(settings).length > 0 ? { configurationSettings: settings } : {}),
    ...(driftIgnore.length > 0 ? { driftIgnore } : {}),
  };
  return {
    document: { apiVersion: 'clusterext.io/v1alpha1', kind: 'Extension', metadata: { name: flags.name }, spec },
    ...(protectedGiven ? { protectedSettings: protectedSettings as Record<string, string> } : {}),
  };
}

/** The flags of `extension update`: the cloud CLI's, for what may change on an existing Extension. */
export type ExtensionUpdateFlags = Pick<
  ExtensionFlags,
  | 'name'
  | 'clusterName'
  | 'releaseTrain'
  | 'version'
  | 'autoUpgradeMinorVersion'
  | 'configurationSettings'
  | 'configurationSettingsFile'
  | 'configurationProtectedSettings'
  | 'configurationProtectedSettingsFile'
  | 'driftIgnore'
> & {
  /** Remove the Extension's own driftIgnore rules (its type's stay). */
  clearDriftIgnore?: boolean;
};

/** The edit of the manifest, and the complete set of protected settings when they were given. */
export interface ExtensionUpdateFromFlags {
  edit: ExtensionSpecEdit;
  protectedSettings?: Record<string, string>;
}

/**
 * The cloud CLI's `update` semantics on an existing Extension (`current`, as validated, defaults
 * applied): the version rules are checked on the result (a --version needs auto-upgrade off, given
 * now or already so; turning auto-upgrade on drops the pin, turning it off drops the train);
 * configuration settings given replace those keys and keep the others; protected settings given are
 * the complete set. Every broken rule is reported at once; protected values never appear in messages.
 */
export function extensionUpdateFromFlags(current: ExtensionSpec, flags: ExtensionUpdateFlags): ExtensionUpdateFromFlags {
  const problems: string[] = [];
  const given = flags.autoUpgradeMinorVersion === undefined ? undefined : parseBoolean(flags.autoUpgradeMinorVersion, problems);
  const autoUpgrade = given ?? current.autoUpgradeMinorVersion;
  if (flags.version !== undefined && autoUpgrade) {
    problems.push(`--version needs --auto-upgrade-minor-version false (a pinned version does not auto-upgrade; Extension "${flags.name}" auto-upgrades now).`);
  }
  if (given === false && current.autoUpgradeMinorVersion && flags.version === undefined) problems.push('--auto-upgrade-minor-version false needs --version (the exact version to run).');
  if (flags.releaseTrain !== undefined && !autoUpgrade) {
    problems.push(`--release-train only applies with auto-upgrade on${given === false ? '' : `; Extension "${flags.name}" is pinned to ${current.version ?? 'a version'}, so add --auto-upgrade-minor-version true`}.`);
  }
  if (flags.configurationSettings && flags.configurationSettingsFile) problems.push('Give --configuration-settings or --configuration-settings-file, not both.');
  if (flags.configurationProtectedSettings && flags.configurationProtectedSettingsFile) problems.push('Give --configuration-protected-settings or --configuration-protected-settings-file, not both.');
  const settings = flags.configurationSettingsFile ? settingsFile(flags.configurationSettingsFile, problems) : pairs('--configuration-settings', flags.configurationSettings ?? [], problems);
  const protectedGiven = flags.configurationProtectedSettings !== undefined || flags.configurationProtectedSettingsFile !== undefined;
  const protectedSettings = flags.configurationProtectedSettingsFile
    ? stringsOnly(settingsFile(flags.configurationProtectedSettingsFile, problems))
    : pairs('--configuration-protected-settings', flags.configurationProtectedSettings ?? [], problems, true);
  if (flags.driftIgnore && flags.clearDriftIgnore) problems.push('Give --drift-ignore (the new complete set of rules) or --clear-drift-ignore, not both.');
  const driftIgnore = flags.driftIgnore ? parseDriftIgnoreFlag(flags.driftIgnore, problems) : undefined;
  const nothing =
    given === undefined && flags.version === undefined && flags.releaseTrain === undefined && !flags.configurationSettings && !flags.configurationSettingsFile && !protectedGiven && !flags.driftIgnore && !flags.clearDriftIgnore;
  if (nothing) {
    problems.push(
      'Nothing to update: give at least one of --version, --release-train, --auto-upgrade-minor-version, --configuration-settings(-file), --configuration-protected-settings(-file), --drift-ignore or --clear-drift-ignore.',
    );
  }
  if (problems.length > 0) {
    throw new ClusterextError('InvalidFlags', `The flags for updating Extension "${flags.name}" on cluster "${flags.clusterName}" break ${problems.length === 1 ? 'a rule' : `${problems.length} rules`}; nothing was written: ${problems.join(' ')}`, { problems });
  }
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  if (given !== undefined) set.autoUpgradeMinorVersion = given;
  if (flags.version !== undefined) set.version = flags.version;
  if (flags.releaseTrain !== undefined) set.releaseTrain = flags.releaseTrain;
  if (given === true) remove.push('version');
  if (given === false) remove.push('releaseTrain');
  if (driftIgnore) set.driftIgnore = driftIgnore;
  if (flags.clearDriftIgnore) remove.push('driftIgnore');
  return {
    edit: { set, remove, settings },
    ...(protectedGiven ? { protectedSettings: protectedSettings as Record<string, string> } : {}),
  };
}

function parseBoolean(value: string, problems: string[]): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  problems.push(`--auto-upgrade-minor-version takes true or false, not "${value}".`);
  return undefined;
}

/** `k=v` pairs; the value is everything after the first `=`, kept as a string, as the cloud CLI does. Protected values never appear in messages. */
function pairs(flag: string, items: readonly string[], problems: string[], secret = false): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) {
      problems.push(`${flag} takes key=value pairs; ${secret ? 'one of them has no "=" or no key' : `"${item}" has no "=" or no key`}.`);
      continue;
    }
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

function settingsFile(file: { path: string; content: string }, problems: string[]): Record<string, SettingValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.content);
  } catch {
    problems.push(`"${file.path}" is not JSON; give a flat JSON object of key: value.`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`"${file.path}" must hold a flat JSON object of key: value.`);
    return {};
  }
  const out: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else problems.push(`"${file.path}": the value of "${key}" must be a string, number or boolean (settings are flat; dots in keys nest).`);
  }
  return out;
}

function stringsOnly(settings: Record<string, SettingValue>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)]));
}
