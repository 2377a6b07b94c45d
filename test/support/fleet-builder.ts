import {
  API_VERSION,
  type ConnectedClusterManifest,
  type ExtensionManifest,
  type ExtensionPolicyManifest,
  type ExtensionPolicySpec,
  type ExtensionSpec,
  type ExtensionTemplate,
  type ExtensionTypeManifest,
  type ExtensionTypeSpec,
  type Fleet,
} from '../../controller/manifest/fleet.js';

/**
 * Validated Fleet objects in plain data for the pure stages' tests, with the defaults the manifest
 * stage applies. Each builder takes overrides so a test states only what it is about.
 */
const source = (file: string) => ({ file, line: 1, column: 1, documentIndex: 0 });
const meta = (name: string, labels: Record<string, string> = {}) => ({ name, labels, annotations: {} });

export function extensionType(name: string, spec: Partial<ExtensionTypeSpec> = {}): ExtensionTypeManifest {
  return {
    apiVersion: API_VERSION,
    kind: 'ExtensionType',
    metadata: meta(name),
    spec: {
      chart: { repository: 'https://charts.example', name },
      scopes: ['cluster'],
      defaultReleaseNamespace: `${name}-system`,
      releaseTrains: { stable: { includePrereleases: false }, preview: { includePrereleases: true } },
      requirements: {},
      conflictsWith: [],
      ...spec,
    },
    source: source(`types/${name}.yaml`),
  };
}

export function connectedCluster(name: string, labels: Record<string, string> = {}): ConnectedClusterManifest {
  return { apiVersion: API_VERSION, kind: 'ConnectedCluster', metadata: meta(name, labels), spec: { kubeconfigSecretRef: { name: `${name}-kubeconfig`, key: 'value' } }, source: source(`clusters/${name}.yaml`) };
}

export function template(extensionType: string, overrides: Partial<ExtensionTemplate> = {}): ExtensionTemplate {
  return { extensionType, scope: 'cluster', autoUpgradeMinorVersion: true, releaseTrain: 'stable', configurationSettings: {}, driftDetection: 'warn', ...overrides };
}

export function extension(clusterName: string, name: string, type: string, overrides: Partial<ExtensionSpec> = {}): ExtensionManifest {
  return {
    apiVersion: API_VERSION,
    kind: 'Extension',
    metadata: meta(name),
    spec: { clusterName, ...template(type), ...overrides },
    source: source(`clusters/${clusterName}/${name}.yaml`),
  };
}

export function policy(name: string, spec: Omit<ExtensionPolicySpec, 'extension'> & { extension: Partial<ExtensionTemplate> & { name: string; extensionType: string } }): ExtensionPolicyManifest {
  const { name: instanceName, extensionType: type, ...rest } = spec.extension;
  return {
    apiVersion: API_VERSION,
    kind: 'ExtensionPolicy',
    metadata: meta(name),
    spec: { ...spec, extension: { ...template(type, rest), name: instanceName } },
    source: source(`policies/${name}.yaml`),
  };
}

/** Sorted as the manifest stage sorts them. */
export function fleet(parts: Partial<Fleet>): Fleet {
  const byName = <T extends { metadata: { name: string } }>(items: T[] = []): T[] => [...items].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const extensions = [...(parts.extensions ?? [])].sort(
    (a, b) => (a.spec.clusterName < b.spec.clusterName ? -1 : a.spec.clusterName > b.spec.clusterName ? 1 : 0) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
  );
  return { extensionTypes: byName(parts.extensionTypes), clusters: byName(parts.clusters), extensions, policies: byName(parts.policies) };
}
