import { formatDriftIgnoreRule } from '../manifest/drift-ignore-flag.js';
import type { DriftIgnoreRule, ExtensionTypeManifest, Scope, SettingValue } from '../manifest/fleet.js';
import type { ExtensionInstance } from '../plan/expand-policies.js';
import type { ExtensionStatus } from '../status/extension-status.js';
import { formatTextTable, truncateCell } from './text-table.js';

/**
 * One Extension as `clusterext extension show|list` prints it, shaped after the cloud extension
 * CLI's output (camelCase, the same field names). Protected settings appear as their Secret's name
 * and key names, never values. The live fields are present only when read from the hub.
 */
export interface ExtensionView {
  name: string;
  clusterName: string;
  extensionType: string;
  scope: Scope;
  releaseNamespace?: string;
  targetNamespace?: string;
  autoUpgradeMinorVersion: boolean;
  releaseTrain?: string;
  version?: string;
  configurationSettings: Record<string, SettingValue>;
  configurationProtectedSettings?: { secretName: string; keys?: string[] };
  /** The Extension's own drift ignore rules (its type's are not repeated here). */
  driftIgnore?: DriftIgnoreRule[];
  /** Set for an instance an ExtensionPolicy generates (it has no manifest of its own). */
  generatedByPolicy?: string;
  /** `file:line` of the manifest (or of the policy). */
  source: string;
  /** `hub`: the fields below come from the Extension CR's status; `git`: there is no live state. */
  stateFrom: 'hub' | 'git';
  provisioningState?: string;
  installedVersion?: string;
  desiredVersion?: string;
  ready?: string;
  lastError?: string;
}

export interface ExtensionViewInput {
  instance: ExtensionInstance;
  type: ExtensionTypeManifest | undefined;
  /** The hub's status of the Extension CR `<cluster>.<name>`; undefined without a hub, or before the controller mirrored it. */
  live?: { status: ExtensionStatus | undefined } | undefined;
  /** Key names of the protected-settings Secret, when the hub was read. */
  protectedKeys?: string[];
}

export function buildExtensionView(input: ExtensionViewInput): ExtensionView {
  const { instance, type, live } = input;
  const spec = instance.spec;
  const status = live?.status;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  const lastError = ready && ready.status === 'False' ? `${ready.reason}: ${ready.message}` : status?.lastFailureMessage;
  return {
    name: instance.name,
    clusterName: instance.cluster,
    extensionType: spec.extensionType,
    scope: spec.scope,
    ...(spec.scope === 'cluster' ? { releaseNamespace: spec.releaseNamespace ?? type?.spec.defaultReleaseNamespace ?? instance.name } : {}),
    ...(spec.targetNamespace !== undefined ? { targetNamespace: spec.targetNamespace } : {}),
    autoUpgradeMinorVersion: spec.autoUpgradeMinorVersion,
    ...(spec.autoUpgradeMinorVersion ? { releaseTrain: spec.releaseTrain } : {}),
    ...(spec.version !== undefined ? { version: spec.version } : {}),
    configurationSettings: { ...spec.configurationSettings },
    ...(spec.configurationProtectedSettingsRef
      ? { configurationProtectedSettings: { secretName: spec.configurationProtectedSettingsRef.secretName, ...(input.protectedKeys ? { keys: [...input.protectedKeys].sort() } : {}) } }
      : {}),
    ...(spec.driftIgnore && spec.driftIgnore.length > 0 ? { driftIgnore: spec.driftIgnore.map((r) => ({ ...r })) } : {}),
    ...(instance.origin.kind === 'policy' ? { generatedByPolicy: instance.origin.policy } : {}),
    source: `${instance.source.file}:${instance.source.line}`,
    stateFrom: live ? 'hub' : 'git',
    ...(live ? { provisioningState: status?.provisioningState ?? 'Pending' } : {}),
    ...(status?.installedVersion ? { installedVersion: status.installedVersion } : {}),
    ...(status?.desiredVersion ? { desiredVersion: status.desiredVersion } : {}),
    ...(ready ? { ready: ready.status } : live ? { ready: 'Unknown' } : {}),
    ...(lastError ? { lastError } : {}),
  };
}

/** `extension list`: one row per Extension; the live columns say `-` when read from git only. */
export function renderExtensionList(views: readonly ExtensionView[], options: { color?: boolean } = {}): string {
  const rows = views.map((v) => [
    v.name,
    v.clusterName,
    v.extensionType,
    v.scope,
    v.releaseNamespace ?? v.targetNamespace ?? '-',
    v.version ?? `${v.releaseTrain ?? 'stable'} (auto)`,
    v.installedVersion ?? '-',
    v.provisioningState ? { text: v.provisioningState, tone: v.provisioningState === 'Succeeded' ? ('good' as const) : v.provisioningState === 'Failed' ? ('bad' as const) : ('waiting' as const) } : '-',
    v.generatedByPolicy ? `policy ${v.generatedByPolicy}` : v.source,
  ]);
  return formatTextTable(['NAME', 'CLUSTER', 'TYPE', 'SCOPE', 'NAMESPACE', 'DESIRED', 'INSTALLED', 'STATE', 'FROM'], rows, options);
}

/** `extension show`: the view as `field: value` lines, settings one per line, protected ones by key name only. */
export function renderExtensionShow(view: ExtensionView): string {
  const lines: string[] = [];
  const field = (name: string, value: string | boolean | undefined) => {
    if (value !== undefined) lines.push(`${`${name}:`.padEnd(26)}${String(value)}`);
  };
  field('name', view.name);
  field('clusterName', view.clusterName);
  field('extensionType', view.extensionType);
  field('scope', view.scope);
  field('releaseNamespace', view.releaseNamespace);
  field('targetNamespace', view.targetNamespace);
  field('autoUpgradeMinorVersion', view.autoUpgradeMinorVersion);
  field('releaseTrain', view.releaseTrain);
  field('version', view.version);
  field('generatedByPolicy', view.generatedByPolicy);
  field('source', view.source);
  const settings = Object.entries(view.configurationSettings).sort(([a], [b]) => a.localeCompare(b));
  lines.push(`configurationSettings:${settings.length === 0 ? ' {}' : ''}`);
  for (const [key, value] of settings) lines.push(`  ${key}: ${JSON.stringify(value)}`);
  if (view.configurationProtectedSettings) {
    const { secretName, keys } = view.configurationProtectedSettings;
    lines.push(`configurationProtectedSettings: (Secret "${secretName}"; values are never shown)`);
    if (keys) for (const key of keys) lines.push(`  ${key}`);
    else lines.push('  (key names need the hub: pass --kubeconfig)');
  }
  if (view.driftIgnore) {
    lines.push('driftIgnore: (as --drift-ignore takes them)');
    for (const rule of view.driftIgnore) lines.push(`  ${formatDriftIgnoreRule(rule)}`);
  }
  if (view.stateFrom === 'git') {
    lines.push('', 'Live state: none — read from git only; pass --kubeconfig to read provisioning state and versions from the hub.');
  } else {
    field('provisioningState', view.provisioningState);
    field('installedVersion', view.installedVersion);
    field('desiredVersion', view.desiredVersion);
    field('ready', view.ready);
    field('lastError', view.lastError === undefined ? undefined : truncateCell(view.lastError, 400));
  }
  return `${lines.join('\n')}\n`;
}
