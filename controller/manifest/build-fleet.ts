import type { ManifestDocument } from './classify-document.js';
import type { VersionPrefix } from './strict-semver.js';
import {
  API_VERSION,
  type ConnectedClusterManifest,
  type DriftIgnoreRule,
  type ExtensionManifest,
  type ExtensionPolicyManifest,
  type ExtensionTemplate,
  type ExtensionTypeManifest,
  type Fleet,
  type ManifestKind,
  type ObjectMeta,
  type SettingValue,
  type SourceRef,
} from './fleet.js';

/**
 * The Fleet model of manifests that passed every check, with the defaults of DESIGN.md §1 applied
 * and every list sorted (Extensions by cluster, then name). The caller guarantees validity.
 */
export function buildFleet(manifests: readonly ManifestDocument[]): Fleet {
  const of = (kind: ManifestKind) => manifests.filter((m) => m.kind === kind && m.valid);
  const byName = (a: { metadata: ObjectMeta }, b: { metadata: ObjectMeta }) => compare(a.metadata.name, b.metadata.name);
  return {
    extensionTypes: of('ExtensionType').map(toExtensionType).sort(byName),
    clusters: of('ConnectedCluster').map(toConnectedCluster).sort(byName),
    extensions: of('Extension')
      .map(toExtension)
      .sort((a, b) => compare(a.spec.clusterName, b.spec.clusterName) || byName(a, b)),
    policies: of('ExtensionPolicy').map(toPolicy).sort(byName),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type Raw = Record<string, unknown>;

function metadataOf(m: ManifestDocument): ObjectMeta {
  const meta = m.value.metadata as { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  return { name: meta.name, labels: { ...(meta.labels ?? {}) }, annotations: { ...(meta.annotations ?? {}) } };
}

function sourceOf(m: ManifestDocument): SourceRef {
  return { file: m.doc.file, ...m.doc.locate(''), documentIndex: m.doc.documentIndex };
}

function toExtensionType(m: ManifestDocument): ExtensionTypeManifest {
  const s = m.value.spec as {
    chart: { repository: string; name: string };
    scopes: ExtensionTypeManifest['spec']['scopes'];
    defaultReleaseNamespace?: string;
    releaseTrains: Record<string, { repository?: string; name?: string; includePrereleases?: boolean }>;
    requirements?: { kubernetesVersion?: string; architectures?: string[] };
    conflictsWith?: string[];
    timeout?: string;
    allowSystemNamespaces?: boolean;
    driftIgnore?: DriftIgnoreRule[];
    versionPrefix?: VersionPrefix;
  };
  const releaseTrains = Object.fromEntries(
    Object.entries(s.releaseTrains).map(([train, t]) => [
      train,
      { ...(t.repository !== undefined ? { repository: t.repository } : {}), ...(t.name !== undefined ? { name: t.name } : {}), includePrereleases: t.includePrereleases ?? false },
    ]),
  );
  const requirements = {
    ...(s.requirements?.kubernetesVersion !== undefined ? { kubernetesVersion: s.requirements.kubernetesVersion } : {}),
    ...(s.requirements?.architectures !== undefined ? { architectures: [...s.requirements.architectures] } : {}),
  };
  return {
    apiVersion: API_VERSION,
    kind: 'ExtensionType',
    metadata: metadataOf(m),
    spec: {
      chart: { repository: s.chart.repository, name: s.chart.name },
      scopes: [...s.scopes],
      ...(s.defaultReleaseNamespace !== undefined ? { defaultReleaseNamespace: s.defaultReleaseNamespace } : {}),
      releaseTrains,
      requirements,
      conflictsWith: [...(s.conflictsWith ?? [])],
      ...(s.timeout !== undefined ? { timeout: s.timeout } : {}),
      ...(s.allowSystemNamespaces !== undefined ? { allowSystemNamespaces: s.allowSystemNamespaces } : {}),
      ...(s.driftIgnore !== undefined ? { driftIgnore: copyIgnoreRules(s.driftIgnore) } : {}),
      ...(s.versionPrefix !== undefined ? { versionPrefix: s.versionPrefix } : {}),
    },
    source: sourceOf(m),
  };
}

function toConnectedCluster(m: ManifestDocument): ConnectedClusterManifest {
  const s = m.value.spec as { kubeconfigSecretRef?: { name: string; key: string } };
  return {
    apiVersion: API_VERSION,
    kind: 'ConnectedCluster',
    metadata: metadataOf(m),
    spec: s.kubeconfigSecretRef ? { kubeconfigSecretRef: { name: s.kubeconfigSecretRef.name, key: s.kubeconfigSecretRef.key } } : {},
    source: sourceOf(m),
  };
}

/** An Extension spec or a policy template with defaults: auto-upgrade on, train stable, drift warn. */
function toTemplate(raw: Raw): ExtensionTemplate {
  const t = raw as Partial<ExtensionTemplate> & { extensionType: string; scope: ExtensionTemplate['scope'] };
  const optional = <K extends keyof ExtensionTemplate>(key: K) => (t[key] !== undefined ? { [key]: t[key] } : {});
  return {
    extensionType: t.extensionType,
    scope: t.scope,
    ...optional('releaseNamespace'),
    ...optional('targetNamespace'),
    autoUpgradeMinorVersion: t.autoUpgradeMinorVersion ?? true,
    releaseTrain: t.releaseTrain ?? 'stable',
    ...optional('version'),
    configurationSettings: { ...((t.configurationSettings ?? {}) as Record<string, SettingValue>) },
    ...(t.configurationProtectedSettingsRef ? { configurationProtectedSettingsRef: { secretName: t.configurationProtectedSettingsRef.secretName } } : {}),
    driftDetection: t.driftDetection ?? 'warn',
    ...optional('timeout'),
    ...(t.driftIgnore !== undefined ? { driftIgnore: copyIgnoreRules(t.driftIgnore) } : {}),
  };
}

function copyIgnoreRules(rules: readonly DriftIgnoreRule[]): DriftIgnoreRule[] {
  return rules.map((r) => ({ path: r.path, ...(r.kind !== undefined ? { kind: r.kind } : {}), ...(r.name !== undefined ? { name: r.name } : {}) }));
}

function toExtension(m: ManifestDocument): ExtensionManifest {
  const s = m.value.spec as Raw & { clusterName: string };
  return { apiVersion: API_VERSION, kind: 'Extension', metadata: metadataOf(m), spec: { clusterName: s.clusterName, ...toTemplate(s) }, source: sourceOf(m) };
}

function toPolicy(m: ManifestDocument): ExtensionPolicyManifest {
  const s = m.value.spec as { clusterSelector: ExtensionPolicyManifest['spec']['clusterSelector']; effect: ExtensionPolicyManifest['spec']['effect']; extension: Raw & { name: string } };
  const selector = {
    ...(s.clusterSelector.matchLabels ? { matchLabels: { ...s.clusterSelector.matchLabels } } : {}),
    ...(s.clusterSelector.matchExpressions
      ? { matchExpressions: s.clusterSelector.matchExpressions.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) })) }
      : {}),
  };
  return {
    apiVersion: API_VERSION,
    kind: 'ExtensionPolicy',
    metadata: metadataOf(m),
    spec: { clusterSelector: selector, effect: s.effect, extension: { name: s.extension.name, ...toTemplate(s.extension) } },
    source: sourceOf(m),
  };
}
