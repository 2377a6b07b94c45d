import type { VersionPrefix } from './strict-semver.js';

/**
 * The validated fleet: what users wrote in git (DESIGN.md §1), with defaults applied. Produced by
 * the manifest stage only when a revision has no error diagnostics; every later stage (plan,
 * reconcile, drift) takes it as plain data.
 */
export const API_VERSION = 'clusterext.io/v1alpha1';
export const GROUP = 'clusterext.io';

export type ManifestKind = 'ExtensionType' | 'ConnectedCluster' | 'Extension' | 'ExtensionPolicy';
export type Scope = 'cluster' | 'namespace';
export type DriftDetection = 'enabled' | 'warn' | 'disabled';
export type PolicyEffect = 'DeployIfNotExists' | 'Audit';
export type SettingValue = string | number | boolean;

/** Where a manifest came from: file relative to the fleet path, 1-based position of the document. */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
  /** 0-based index of the document within its file. */
  documentIndex: number;
}

export interface ObjectMeta {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Manifest<K extends ManifestKind, S> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  source: SourceRef;
}

export interface ChartRef {
  /** `https://…`, `http://…` (Helm repository with index.yaml) or `oci://…`. */
  repository: string;
  name: string;
  /**
   * Set on the chart of a train whose ExtensionType has `versionPrefix: v`: its versions are read
   * with that prefix allowed. Never in a manifest's `spec.chart`; part of the catalog key, not of
   * what identifies the chart (configDigest, chart-changed).
   */
  versionPrefix?: VersionPrefix;
}

export interface ReleaseTrain {
  /** Overrides the type's chart repository for this train. */
  repository?: string;
  /** Overrides the type's chart name for this train. */
  name?: string;
  includePrereleases: boolean;
}

/**
 * A field that is not drift, for the Extension (or every instance of an ExtensionType): a JSON
 * Pointer (RFC 6901; a segment `*` matches any one segment) into the objects of the release,
 * optionally limited to objects of one kind and/or name.
 */
export interface DriftIgnoreRule {
  path: string;
  kind?: string;
  name?: string;
}

export interface ExtensionTypeSpec {
  chart: ChartRef;
  scopes: Scope[];
  defaultReleaseNamespace?: string;
  /** Train name → train. `stable` always exists. */
  releaseTrains: Record<string, ReleaseTrain>;
  requirements: {
    /** A semver range the cluster's server version must satisfy. */
    kubernetesVersion?: string;
    /** The cluster needs at least one node with one of these `kubernetes.io/arch` values. */
    architectures?: string[];
  };
  conflictsWith: string[];
  /** A duration (`10m`): how long one helm operation, readiness wait included, may take. */
  timeout?: string;
  /** Namespace-scoped instances may target system namespaces (systemNamespaceViolation). */
  allowSystemNamespaces?: boolean;
  /** Ignore rules for every instance of this type. */
  driftIgnore?: DriftIgnoreRule[];
  /** Chart versions (index and pins) may be `v` followed by strict SemVer (checkChartVersion). */
  versionPrefix?: VersionPrefix;
}

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface ConnectedClusterSpec {
  /** Absent in agent mode for the agent's own cluster. */
  kubeconfigSecretRef?: SecretKeyRef;
}

export interface ProtectedSettingsRef {
  secretName: string;
}

/** The settings part of an Extension, shared by Extensions and policy templates. */
export interface ExtensionTemplate {
  extensionType: string;
  scope: Scope;
  releaseNamespace?: string;
  targetNamespace?: string;
  /** Default true. */
  autoUpgradeMinorVersion: boolean;
  /** Default `stable`. */
  releaseTrain: string;
  /** Strict SemVer 2.0.0; present exactly when autoUpgradeMinorVersion is false. */
  version?: string;
  /** Flat map; dots in keys nest, `\.` is a literal dot. */
  configurationSettings: Record<string, SettingValue>;
  configurationProtectedSettingsRef?: ProtectedSettingsRef;
  /** Default `warn`. */
  driftDetection: DriftDetection;
  /** Overrides the type's `timeout`. */
  timeout?: string;
  /** Ignore rules added to the type's. */
  driftIgnore?: DriftIgnoreRule[];
}

export interface ExtensionSpec extends ExtensionTemplate {
  clusterName: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ExtensionPolicySpec {
  clusterSelector: LabelSelector;
  effect: PolicyEffect;
  /** The template; `name` is the name given to generated instances (their Helm release name). */
  extension: ExtensionTemplate & { name: string };
}

export type ExtensionTypeManifest = Manifest<'ExtensionType', ExtensionTypeSpec>;
export type ConnectedClusterManifest = Manifest<'ConnectedCluster', ConnectedClusterSpec>;
export type ExtensionManifest = Manifest<'Extension', ExtensionSpec>;
export type ExtensionPolicyManifest = Manifest<'ExtensionPolicy', ExtensionPolicySpec>;
export type AnyManifest = ExtensionTypeManifest | ConnectedClusterManifest | ExtensionManifest | ExtensionPolicyManifest;

/** All arrays sorted by name (Extensions by cluster, then name) so every later stage is deterministic. */
export interface Fleet {
  extensionTypes: ExtensionTypeManifest[];
  clusters: ConnectedClusterManifest[];
  extensions: ExtensionManifest[];
  policies: ExtensionPolicyManifest[];
}
