import { matchesLabelSelector } from '../plan/label-selector.js';
import { nestSettings } from '../plan/nest-settings.js';
import type { ManifestDocument } from './classify-document.js';
import type { Diagnostic } from './diagnostic.js';
import type { LabelSelector, Scope } from './fleet.js';
import { toJsonPointer } from './json-pointer.js';
import { parseDuration } from '../runtime/duration.js';
import { checkChartVersion, checkSemverRange, describeSemverProblem, hasVersionPrefix, type VersionPrefix } from './strict-semver.js';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from './validation-limits.js';
import { systemNamespaceViolation } from './system-namespace.js';

/**
 * The rules a schema cannot express: between fields of one manifest and between manifests.
 * Field rules run on documents that passed their schema; name rules (duplicates, references)
 * also count documents that did not, so one broken file does not make every reference to it fail.
 */
export function checkFleetRules(manifests: readonly ManifestDocument[], limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS): Diagnostic[] {
  const ordered = [...manifests].sort(bySource);
  const index = { ...indexFleet(ordered), limits };
  const diagnostics: Diagnostic[] = [...duplicateNames(ordered)];
  for (const m of ordered) {
    if (!m.valid) continue;
    switch (m.kind) {
      case 'ExtensionType':
        diagnostics.push(...extensionTypeRules(m, index));
        break;
      case 'ConnectedCluster':
        diagnostics.push(...connectedClusterRules(m));
        break;
      case 'Extension':
        diagnostics.push(...extensionRules(m, index));
        break;
      case 'ExtensionPolicy':
        diagnostics.push(...policyRules(m, index));
        break;
    }
  }
  // A fleet may hold hundreds of thousands of problems: pushed one by one, not spread onto the stack.
  for (const d of instanceRules(ordered, index)) diagnostics.push(d);
  return diagnostics;
}

interface RawTemplate {
  extensionType: string;
  scope: Scope;
  releaseNamespace?: string;
  targetNamespace?: string;
  autoUpgradeMinorVersion?: boolean;
  releaseTrain?: string;
  version?: string;
  configurationSettings?: Record<string, unknown>;
  timeout?: string;
}

interface RawType {
  scopes: Scope[];
  defaultReleaseNamespace?: string;
  releaseTrains: Record<string, unknown>;
  requirements?: { kubernetesVersion?: string };
  conflictsWith?: string[];
  timeout?: string;
  allowSystemNamespaces?: boolean;
  versionPrefix?: VersionPrefix;
}

interface FleetIndex {
  /** Every ExtensionType name, valid or not; the value only for valid ones. */
  types: Map<string, RawType | undefined>;
  clusters: Map<string, Record<string, string> | undefined>;
  limits: ValidationLimits;
}

const spec = <T>(m: ManifestDocument): T => m.value.spec as T;

function bySource(a: ManifestDocument, b: ManifestDocument): number {
  const pa = a.doc.locate('');
  const pb = b.doc.locate('');
  return a.doc.file.localeCompare(b.doc.file) || pa.line - pb.line || a.doc.documentIndex - b.doc.documentIndex;
}

function indexFleet(manifests: readonly ManifestDocument[]): Omit<FleetIndex, 'limits'> {
  const types = new Map<string, RawType | undefined>();
  const clusters = new Map<string, Record<string, string> | undefined>();
  for (const m of manifests) {
    if (m.name === undefined) continue;
    if (m.kind === 'ExtensionType' && !types.get(m.name)) types.set(m.name, m.valid ? spec<RawType>(m) : undefined);
    if (m.kind === 'ConnectedCluster' && !clusters.get(m.name)) {
      clusters.set(m.name, m.valid ? ((m.value.metadata as { labels?: Record<string, string> }).labels ?? {}) : undefined);
    }
  }
  return { types, clusters };
}

function report(m: ManifestDocument, pointer: string, code: string, message: string, options: { key?: boolean; severity?: 'error' | 'warning' } = {}): Diagnostic {
  return { severity: options.severity ?? 'error', code, message, file: m.doc.file, ...m.doc.locate(pointer, { key: options.key ?? false }), pointer };
}

function where(m: ManifestDocument): string {
  return `${m.doc.file}:${m.doc.locate('').line}`;
}

function identity(m: ManifestDocument): string | undefined {
  if (m.name === undefined) return undefined;
  if (m.kind !== 'Extension') return `${m.kind}/${m.name}`;
  const cluster = (m.value.spec as { clusterName?: unknown } | undefined)?.clusterName;
  return `Extension/${typeof cluster === 'string' ? cluster : ''}/${m.name}`;
}

function duplicateNames(manifests: readonly ManifestDocument[]): Diagnostic[] {
  const first = new Map<string, ManifestDocument>();
  const out: Diagnostic[] = [];
  for (const m of manifests) {
    const id = identity(m);
    if (id === undefined) continue;
    const earlier = first.get(id);
    if (!earlier) {
      first.set(id, m);
      continue;
    }
    const what = m.kind === 'Extension' ? `Extension "${m.name}" on cluster "${String((m.value.spec as { clusterName?: unknown }).clusterName)}"` : `${m.kind} "${m.name}"`;
    out.push(report(m, '/metadata/name', 'DuplicateName', `${what} is already defined at ${where(earlier)}; names must be unique, so rename or remove one of them.`));
  }
  return out;
}

function extensionTypeRules(m: ManifestDocument, index: FleetIndex): Diagnostic[] {
  const type = spec<RawType>(m);
  const out: Diagnostic[] = [];
  if (!Object.hasOwn(type.releaseTrains, 'stable')) {
    out.push(report(m, '/spec/releaseTrains', 'MissingStableTrain', `ExtensionType "${m.name}" has no "stable" release train; every type needs one, as it is the default train of its Extensions.`, { key: true }));
  }
  const range = type.requirements?.kubernetesVersion;
  if (range !== undefined) {
    const check = checkSemverRange(range);
    if (!check.ok) {
      out.push(report(m, '/spec/requirements/kubernetesVersion', 'InvalidSemverRange', `requirements.kubernetesVersion ${JSON.stringify(range)} is not valid: ${check.reason}.`));
    }
  }
  out.push(...timeoutRules(m, '/spec/timeout', type.timeout));
  for (const [i, other] of (type.conflictsWith ?? []).entries()) {
    if (!index.types.has(other)) {
      out.push(report(m, `/spec/conflictsWith/${i}`, 'UnknownExtensionType', `conflictsWith names ExtensionType "${other}", which is not defined; fix the name or remove it.`));
    }
  }
  return out;
}

function connectedClusterRules(m: ManifestDocument): Diagnostic[] {
  if ((m.value.spec as { kubeconfigSecretRef?: unknown }).kubeconfigSecretRef) return [];
  return [
    report(
      m,
      '/spec',
      'NoKubeconfigSecretRef',
      `ConnectedCluster "${m.name}" has no kubeconfigSecretRef, so only an agent running in that cluster (--cluster-name ${m.name}) can reconcile it.`,
      { key: true, severity: 'warning' },
    ),
  ];
}

function extensionRules(m: ManifestDocument, index: FleetIndex): Diagnostic[] {
  const s = spec<RawTemplate & { clusterName: string }>(m);
  const out = [...releaseNameRules(m, '/metadata/name', m.name ?? ''), ...templateRules(m, '/spec', s, index)];
  if (!index.clusters.has(s.clusterName)) {
    out.push(report(m, '/spec/clusterName', 'UnknownCluster', `Extension "${m.name}" is for cluster "${s.clusterName}", but no ConnectedCluster of that name is defined.`));
  }
  return out;
}

function policyRules(m: ManifestDocument, index: FleetIndex): Diagnostic[] {
  const s = spec<{ clusterSelector: LabelSelector; extension: RawTemplate & { name: string } }>(m);
  const out = [...releaseNameRules(m, '/spec/extension/name', s.extension.name), ...templateRules(m, '/spec/extension', s.extension, index)];
  for (const [i, requirement] of (s.clusterSelector.matchExpressions ?? []).entries()) {
    const needsValues = requirement.operator === 'In' || requirement.operator === 'NotIn';
    const count = requirement.values?.length ?? 0;
    if (needsValues && count === 0) {
      out.push(report(m, `/spec/clusterSelector/matchExpressions/${i}`, 'InvalidLabelSelector', `The ${requirement.operator} requirement on "${requirement.key}" needs at least one value.`));
    } else if (!needsValues && requirement.values !== undefined) {
      out.push(report(m, `/spec/clusterSelector/matchExpressions/${i}/values`, 'InvalidLabelSelector', `The ${requirement.operator} requirement on "${requirement.key}" takes no values; remove them.`, { key: true }));
    }
  }
  return out;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function releaseNameRules(m: ManifestDocument, pointer: string, name: string): Diagnostic[] {
  if (DNS1123_LABEL.test(name) && name.length <= 53) return [];
  const problem = name.length > 53 ? `is ${name.length} characters long` : 'has characters Helm does not allow';
  return [
    report(
      m,
      pointer,
      'InvalidReleaseName',
      `Release name "${name}" ${problem}; it must be a DNS-1123 label of at most 53 characters (lower-case letters, digits and "-", starting and ending with a letter or digit).`,
    ),
  ];
}

/** The shortest timeout that leaves helm time to do anything; the schema has checked the form. */
const MIN_TIMEOUT_MS = 1000;

function timeoutRules(m: ManifestDocument, pointer: string, timeout: string | undefined): Diagnostic[] {
  if (timeout === undefined || parseDuration(timeout, 'timeout') >= MIN_TIMEOUT_MS) return [];
  return [report(m, pointer, 'TimeoutTooShort', `timeout ${JSON.stringify(timeout)} is shorter than 1s, too short for any helm operation; write it like 5m or 10m, or remove it for the default of 5m.`)];
}

function templateRules(m: ManifestDocument, base: string, t: RawTemplate, index: FleetIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  const p = (field: string) => `${base}/${field}`;
  out.push(...timeoutRules(m, p('timeout'), t.timeout));
  const autoUpgrade = t.autoUpgradeMinorVersion ?? true;
  if (autoUpgrade && t.version !== undefined) {
    out.push(
      report(
        m,
        p('version'),
        'VersionWithAutoUpgrade',
        `version is set while autoUpgradeMinorVersion is ${t.autoUpgradeMinorVersion === undefined ? 'true (the default)' : 'true'}; remove version to follow the release train, or set autoUpgradeMinorVersion: false to pin it.`,
        { key: true },
      ),
    );
  }
  if (!autoUpgrade && t.version === undefined) {
    out.push(report(m, p('autoUpgradeMinorVersion'), 'VersionRequired', 'autoUpgradeMinorVersion is false, so version is required: set the exact chart version to run.', { key: true }));
  }
  if (!autoUpgrade && t.releaseTrain !== undefined) {
    out.push(
      report(m, p('releaseTrain'), 'ReleaseTrainWithoutAutoUpgrade', 'releaseTrain only applies when autoUpgradeMinorVersion is true; remove it, or turn auto-upgrade on.', { key: true }),
    );
  }
  if (t.scope === 'namespace' && t.releaseNamespace !== undefined) {
    out.push(report(m, p('releaseNamespace'), 'ReleaseNamespaceNotAllowed', 'releaseNamespace is only allowed with scope cluster; a namespace-scoped instance is released into its targetNamespace.', { key: true }));
  }
  if (t.scope === 'namespace' && t.targetNamespace === undefined) {
    out.push(report(m, p('scope'), 'TargetNamespaceRequired', 'scope is namespace, so targetNamespace is required: the namespace this instance is installed into.', { key: true }));
  }
  if (t.scope === 'cluster' && t.targetNamespace !== undefined) {
    out.push(report(m, p('targetNamespace'), 'TargetNamespaceNotAllowed', 'targetNamespace is only allowed with scope namespace; use releaseNamespace for a cluster-scoped instance.', { key: true }));
  }
  const settings: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(t.configurationSettings ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      settings[key] = value;
    } else {
      out.push(
        report(
          m,
          `${p('configurationSettings')}/${toJsonPointer([key]).slice(1)}`,
          'InvalidSettingValue',
          `configurationSettings "${key}" must be a string, number or boolean, not ${value === null ? 'empty (null)' : Array.isArray(value) ? 'a list' : 'a mapping'}; settings are flat, so write nested values as dotted keys ("a.b: 1").`,
          { key: true },
        ),
      );
    }
  }
  out.push(...settingKeyRules(m, p('configurationSettings'), settings, index.limits));
  out.push(...typeReferenceRules(m, base, t, autoUpgrade, index));
  return out;
}

/**
 * Whether the settings nest into Helm values: checked by the very function that nests them for the
 * desired state, so a revision `validate` accepts never fails later in `plan` or the controller.
 */
function settingKeyRules(m: ManifestDocument, base: string, settings: Record<string, string | number | boolean>, limits: ValidationLimits): Diagnostic[] {
  return nestSettings(settings, { maxDepth: limits.maxSettingDepth }).problems.map((problem) =>
    report(m, `${base}/${toJsonPointer([problem.key]).slice(1)}`, problem.reason, problem.message, { key: true }),
  );
}

function typeReferenceRules(m: ManifestDocument, base: string, t: RawTemplate, autoUpgrade: boolean, index: FleetIndex): Diagnostic[] {
  const p = (field: string) => `${base}/${field}`;
  if (!index.types.has(t.extensionType)) {
    return [report(m, p('extensionType'), 'UnknownExtensionType', `extensionType "${t.extensionType}" is not defined; add an ExtensionType of that name or fix the reference.`)];
  }
  const type = index.types.get(t.extensionType);
  if (!type) return []; // the type is itself invalid; its own diagnostics say why
  const out: Diagnostic[] = [];
  if (!type.scopes.includes(t.scope)) {
    out.push(report(m, p('scope'), 'ScopeNotSupported', `ExtensionType "${t.extensionType}" supports scope ${type.scopes.join(' and ')}, not ${t.scope}.`));
  }
  // The default train (stable) missing is the type's own MissingStableTrain diagnostic.
  if (autoUpgrade && t.releaseTrain !== undefined && !Object.hasOwn(type.releaseTrains, t.releaseTrain)) {
    const trains = Object.keys(type.releaseTrains).join(', ');
    out.push(report(m, p('releaseTrain'), 'UnknownReleaseTrain', `ExtensionType "${t.extensionType}" has no release train "${t.releaseTrain}"; its trains are ${trains}.`));
  }
  if (!autoUpgrade && t.version !== undefined) {
    const check = checkChartVersion(t.version, type.versionPrefix);
    if (!check.ok) {
      // The schema let a "v" through for any type; only a type with versionPrefix: v accepts it.
      const optIn = hasVersionPrefix(t.version) ? ` ExtensionType "${t.extensionType}" does not set versionPrefix: v; if its chart repository publishes versions like ${JSON.stringify(t.version)}, set it there.` : '';
      out.push(report(m, p('version'), 'InvalidSemver', `${describeSemverProblem('version', t.version, check)}${optIn}`));
    }
  }
  const systemNamespace =
    t.scope === 'namespace' && t.targetNamespace !== undefined
      ? systemNamespaceViolation({ namespace: t.targetNamespace, extensionType: t.extensionType, allowSystemNamespaces: type.allowSystemNamespaces, controllerNamespace: index.limits.controllerNamespace })
      : undefined;
  if (systemNamespace) out.push(report(m, p('targetNamespace'), 'SystemNamespaceNotAllowed', systemNamespace));
  if (t.scope === 'cluster' && t.releaseNamespace === undefined && type.defaultReleaseNamespace === undefined && type.scopes.includes('cluster')) {
    out.push(
      report(m, p('scope'), 'ReleaseNamespaceRequired', `ExtensionType "${t.extensionType}" has no defaultReleaseNamespace, so this cluster-scoped instance needs a releaseNamespace.`, { key: true }),
    );
  }
  return out;
}

/** One would-be Helm release on one cluster: an explicit Extension or one a policy generates. */
export interface Instance {
  cluster: string;
  name: string;
  namespace: string | undefined;
  scope: Scope;
  extensionType: string;
  from: ManifestDocument;
  /** Where to point: the Extension's name, or the policy template's name. */
  pointer: string;
  explicit: boolean;
}

function describeInstance(i: Instance): string {
  return i.explicit ? `Extension "${i.name}" (${where(i.from)})` : `the instance "${i.name}" that ExtensionPolicy "${i.from.name}" generates (${where(i.from)})`;
}

/**
 * The rules about what ends up on each cluster: one instance of a cluster-scoped type, no
 * conflicting types, no two instances with one release name. Policy-generated instances count,
 * computed as DESIGN.md §1 says (a selected cluster without an Extension of that type gets one).
 */
function instanceRules(manifests: readonly ManifestDocument[], index: FleetIndex): Diagnostic[] {
  const byCluster = new Map<string, Instance[]>();
  const explicitTypes = new Map<string, Set<string>>();
  const add = (instance: Instance) => {
    const list = byCluster.get(instance.cluster);
    if (list) list.push(instance);
    else byCluster.set(instance.cluster, [instance]);
  };
  for (const m of manifests) {
    if (m.kind !== 'Extension' || !m.valid) continue;
    const s = spec<RawTemplate & { clusterName: string }>(m);
    add({ cluster: s.clusterName, name: m.name!, namespace: releaseNamespace(s, index), scope: s.scope, extensionType: s.extensionType, from: m, pointer: '/metadata/name', explicit: true });
    const types = explicitTypes.get(s.clusterName);
    if (types) types.add(s.extensionType);
    else explicitTypes.set(s.clusterName, new Set([s.extensionType]));
  }
  for (const m of manifests) {
    if (m.kind !== 'ExtensionPolicy' || !m.valid) continue;
    const s = spec<{ clusterSelector: LabelSelector; effect: string; extension: RawTemplate & { name: string } }>(m);
    if (s.effect !== 'DeployIfNotExists') continue;
    for (const [cluster, labels] of index.clusters) {
      if (!labels || !matchesLabelSelector(labels, s.clusterSelector)) continue;
      if (explicitTypes.get(cluster)?.has(s.extension.extensionType)) continue;
      add({ cluster, name: s.extension.name, namespace: releaseNamespace(s.extension, index), scope: s.extension.scope, extensionType: s.extension.extensionType, from: m, pointer: '/spec/extension/name', explicit: false });
    }
  }
  const conflictsOf = conflictingTypes(index);
  const out: Diagnostic[] = [];
  for (const [cluster, instances] of [...byCluster].sort(([a], [b]) => a.localeCompare(b))) {
    for (const d of clusterInstanceRules(cluster, instances, conflictsOf)) out.push(d);
  }
  return out;
}

function releaseNamespace(t: RawTemplate, index: FleetIndex): string | undefined {
  return t.scope === 'namespace' ? t.targetNamespace : (t.releaseNamespace ?? index.types.get(t.extensionType)?.defaultReleaseNamespace);
}

/** For each type, the types it conflicts with, whichever side's conflictsWith says so. */
function conflictingTypes(index: FleetIndex): (type: string) => readonly string[] {
  const conflicts = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    const set = conflicts.get(a);
    if (set) set.add(b);
    else conflicts.set(a, new Set([b]));
  };
  for (const [name, type] of index.types) {
    for (const other of type?.conflictsWith ?? []) {
      link(name, other);
      link(other, name);
    }
  }
  const lists = new Map([...conflicts].map(([type, set]) => [type, [...set]]));
  return (type) => lists.get(type) ?? [];
}

/**
 * The earliest instances of one group (same release name, same cluster-scoped type, same type)
 * seen so far: enough to find the first earlier instance of the group that a later one clashes
 * with, without comparing every pair. Two explicit Extensions of one name do not clash here (they
 * are a DuplicateName), so the first explicit one of another name is kept as well.
 */
interface Earliest {
  generated?: number;
  explicit?: number;
  explicitOtherName?: number;
}

function remember(groups: Map<string, Earliest>, key: string, at: number, instances: readonly Instance[]): void {
  let group = groups.get(key);
  if (!group) groups.set(key, (group = {}));
  const instance = instances[at]!;
  if (!instance.explicit) group.generated ??= at;
  else if (group.explicit === undefined) group.explicit = at;
  else if (group.explicitOtherName === undefined && instances[group.explicit]!.name !== instance.name) group.explicitOtherName = at;
}

/** The index of the earliest instance of `group` that `later` may clash with, if any. */
function earliestIn(group: Earliest | undefined, later: Instance, instances: readonly Instance[]): number | undefined {
  if (!group) return undefined;
  const explicit = !later.explicit || group.explicit === undefined || instances[group.explicit]!.name !== later.name ? group.explicit : group.explicitOtherName;
  return group.generated === undefined ? explicit : explicit === undefined ? group.generated : Math.min(group.generated, explicit);
}

/**
 * Each instance is checked against the earliest instance before it on the cluster that it clashes
 * with, and reported once. Only an instance of the same name, of the same cluster-scoped type or
 * of a conflicting type can clash, so the earliest of each such group is all that is looked at:
 * the work grows with the number of instances, not with its square.
 */
export function clusterInstanceRules(cluster: string, instances: readonly Instance[], conflictsOf: (type: string) => readonly string[]): Diagnostic[] {
  const byName = new Map<string, Earliest>();
  const clusterScopedByType = new Map<string, Earliest>();
  const byType = new Map<string, Earliest>();
  const out: Diagnostic[] = [];
  for (const [n, later] of instances.entries()) {
    const candidates = [earliestIn(byName.get(later.name), later, instances)];
    if (later.scope === 'cluster') candidates.push(earliestIn(clusterScopedByType.get(later.extensionType), later, instances));
    for (const other of conflictsOf(later.extensionType)) candidates.push(earliestIn(byType.get(other), later, instances));
    const first = candidates.reduce<number | undefined>((a, b) => (b === undefined ? a : a === undefined ? b : Math.min(a, b)), undefined);
    const problem = first === undefined ? undefined : pairProblem(cluster, instances[first]!, later, conflictsOf);
    if (problem) out.push(report(later.from, later.pointer, problem.code, problem.message));
    remember(byName, later.name, n, instances);
    if (later.scope === 'cluster') remember(clusterScopedByType, later.extensionType, n, instances);
    remember(byType, later.extensionType, n, instances);
  }
  return out;
}

function pairProblem(cluster: string, earlier: Instance, later: Instance, conflictsOf: (type: string) => readonly string[]): { code: string; message: string } | undefined {
  if (earlier.name === later.name) {
    if (earlier.explicit && later.explicit) return undefined; // DuplicateName already says so
    const sameNamespace = earlier.namespace === later.namespace && later.namespace !== undefined;
    return {
      code: 'DuplicateRelease',
      message: `On cluster "${cluster}", ${describeInstance(later)} and ${describeInstance(earlier)} would both be Helm release "${later.name}"${sameNamespace ? ` in namespace "${later.namespace}"` : ''}; release names must be unique per cluster, so rename one.`,
    };
  }
  if (earlier.extensionType === later.extensionType && earlier.scope === 'cluster' && later.scope === 'cluster') {
    return {
      code: 'MultipleClusterScopedInstances',
      message: `On cluster "${cluster}", ${describeInstance(later)} is a second cluster-scoped instance of ExtensionType "${later.extensionType}" after ${describeInstance(earlier)}; a cluster has at most one.`,
    };
  }
  if (conflictsOf(later.extensionType).includes(earlier.extensionType)) {
    return {
      code: 'ConflictingExtensions',
      message: `On cluster "${cluster}", ${describeInstance(later)} of type "${later.extensionType}" conflicts with ${describeInstance(earlier)} of type "${earlier.extensionType}"; remove one of them from this cluster.`,
    };
  }
  return undefined;
}
