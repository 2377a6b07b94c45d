import type { ManifestKind } from './fleet.js';
import type { OpenApiSchema } from './openapi-schema.js';
import { JSON_POINTER_PATTERN } from './json-pointer.js';
import { PREFIXABLE_SEMVER_PATTERN, VERSION_PREFIXES } from './strict-semver.js';

/**
 * The one source of every schema: the `spec` and `status` of each kind (DESIGN.md §1, §2), written
 * in the CRD-compatible subset. `clusterext validate` checks manifests against the strict form of
 * these (see `toStrictJsonSchema`); `manifests/crds` embeds them unchanged as `openAPIV3Schema`.
 */
export type CrdKind = ManifestKind | 'ExtensionRepository';

export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const CHART_REPOSITORY_PATTERN = '^(https?|oci)://[^\\s/]+(/\\S*)?$';
export const CHART_NAME_PATTERN = '^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$';
export const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
export const ARCHITECTURE_PATTERN = '^[a-z0-9]+$';
export const KIND_PATTERN = '^[A-Za-z][A-Za-z0-9]*$';

const label = (description: string): OpenApiSchema => ({ type: 'string', description, pattern: DNS1123_LABEL_PATTERN, maxLength: 63 });
const subdomain = (description: string): OpenApiSchema => ({ type: 'string', description, pattern: DNS1123_SUBDOMAIN_PATTERN, maxLength: 253 });
const text = (description?: string): OpenApiSchema => (description ? { type: 'string', description } : { type: 'string' });
const stringMap = (description: string): OpenApiSchema => ({ type: 'object', description, additionalProperties: { type: 'string' } });

const chartRepository: OpenApiSchema = {
  type: 'string',
  description: 'A Helm repository serving index.yaml (https://…, http://…) or an OCI registry (oci://…).',
  pattern: CHART_REPOSITORY_PATTERN,
  maxLength: 2048,
};
const chartName: OpenApiSchema = { type: 'string', description: 'The chart name.', pattern: CHART_NAME_PATTERN, maxLength: 250 };
/** One `driftIgnore` rule; also what `extension create|update --drift-ignore` is checked by. */
export const DRIFT_IGNORE_RULE_SCHEMA: OpenApiSchema = {
  type: 'object',
  required: ['path'],
  properties: {
    path: { type: 'string', description: 'A JSON Pointer (RFC 6901) into the objects of the release, e.g. /spec/replicas; a segment * matches any one segment.', pattern: JSON_POINTER_PATTERN, maxLength: 1024 },
    kind: { type: 'string', description: 'Only objects of this kind (e.g. Deployment).', pattern: KIND_PATTERN, maxLength: 63 },
    name: { type: 'string', description: 'Only objects of this name.', maxLength: 253 },
  },
};
/** The most rules one Extension or ExtensionType may have. */
export const MAX_DRIFT_IGNORE_RULES = 100;
const driftIgnore = (description: string): OpenApiSchema => ({
  type: 'array',
  description,
  maxItems: MAX_DRIFT_IGNORE_RULES,
  // A copy each: a shared object would print as a YAML alias in the generated CRDs.
  items: structuredClone(DRIFT_IGNORE_RULE_SCHEMA),
});
const readyTimeout = (description: string): OpenApiSchema => ({ type: 'string', description, pattern: DURATION_PATTERN, maxLength: 32 });

const extensionTypeSpec: OpenApiSchema = {
  type: 'object',
  description: 'A catalog entry for one kind of extension.',
  required: ['chart', 'scopes', 'releaseTrains'],
  properties: {
    chart: {
      type: 'object',
      description: 'Where the chart comes from.',
      required: ['repository', 'name'],
      properties: { repository: chartRepository, name: chartName },
    },
    scopes: {
      type: 'array',
      description: 'The scopes this type supports.',
      minItems: 1,
      maxItems: 2,
      items: { type: 'string', enum: ['cluster', 'namespace'] },
      'x-kubernetes-list-type': 'set',
    },
    defaultReleaseNamespace: label('Where a cluster-scoped instance goes when its Extension names no releaseNamespace.'),
    releaseTrains: {
      type: 'object',
      description: 'Train name to where its versions come from; "stable" must exist.',
      additionalProperties: {
        type: 'object',
        properties: {
          repository: { ...chartRepository, description: "Overrides the type's chart repository for this train." },
          name: { ...chartName, description: "Overrides the type's chart name for this train." },
          includePrereleases: { type: 'boolean', description: 'Let prerelease chart versions into this train (typical for preview).' },
        },
      },
    },
    requirements: {
      type: 'object',
      description: 'What a cluster must offer to run this extension.',
      properties: {
        kubernetesVersion: { type: 'string', description: "A semver range the cluster's server version must satisfy.", maxLength: 256 },
        architectures: {
          type: 'array',
          description: 'The cluster needs at least one node with one of these kubernetes.io/arch values.',
          minItems: 1,
          items: { type: 'string', pattern: ARCHITECTURE_PATTERN, maxLength: 32 },
          'x-kubernetes-list-type': 'set',
        },
      },
    },
    conflictsWith: {
      type: 'array',
      description: 'Extension types that may not be installed on the same cluster.',
      items: subdomain('An ExtensionType name.'),
      'x-kubernetes-list-type': 'set',
    },
    timeout: readyTimeout('How long an install, upgrade, rollback or uninstall of this type may take, hooks and readiness of its objects included (e.g. 10m); default 5m.'),
    driftIgnore: driftIgnore('Fields that are not drift on any instance of this type: JSON Pointers, optionally per kind and name.'),
    versionPrefix: {
      type: 'string',
      description:
        'Accept chart versions written "v" followed by a strict SemVer version (v1.15.1), as some chart repositories publish them; the only value is "v". Without it such versions are ignored and a pinned version must be strict SemVer.',
      enum: [...VERSION_PREFIXES],
    },
    allowSystemNamespaces: {
      type: 'boolean',
      description: "Let namespace-scoped instances target system namespaces (kube-system, kube-public, kube-node-lease, default, the controller's namespace), where they get full rights; false by default.",
    },
  },
};

const connectedClusterSpec: OpenApiSchema = {
  type: 'object',
  description: 'A cluster the fleet manages.',
  properties: {
    kubeconfigSecretRef: {
      type: 'object',
      description: "A Secret in the controller's namespace holding a kubeconfig (absent for an agent's own cluster).",
      required: ['name', 'key'],
      properties: {
        name: subdomain('The Secret name.'),
        key: { type: 'string', description: 'The key of the kubeconfig in the Secret.', pattern: SECRET_KEY_PATTERN, maxLength: 253 },
      },
    },
  },
};

/** The settings shared by an Extension and a policy's template. */
const templateProperties: Record<string, OpenApiSchema> = {
  extensionType: subdomain('The ExtensionType this instance runs.'),
  scope: { type: 'string', description: 'cluster or namespace; must be one the type supports.', enum: ['cluster', 'namespace'] },
  releaseNamespace: label("Only with scope cluster; defaults to the type's defaultReleaseNamespace."),
  targetNamespace: label('Required with scope namespace, forbidden otherwise.'),
  autoUpgradeMinorVersion: { type: 'boolean', description: 'Default true: run the newest version of the train within the installed major.' },
  releaseTrain: label('Default stable; only with autoUpgradeMinorVersion true.'),
  version: {
    type: 'string',
    description: 'Strict SemVer 2.0.0 (a "v" before it only when the ExtensionType sets versionPrefix: v); required exactly when autoUpgradeMinorVersion is false.',
    pattern: PREFIXABLE_SEMVER_PATTERN,
    maxLength: 256,
  },
  configurationSettings: {
    type: 'object',
    description: 'A flat map of settings (string, number or boolean values); dots in keys nest, "\\." is a literal dot.',
    // Kubernetes cannot express "string, number or boolean" structurally; the manifest stage
    // checks the value types (InvalidSettingValue) and the API server keeps them as written.
    additionalProperties: { 'x-kubernetes-preserve-unknown-fields': true },
  },
  configurationProtectedSettingsRef: {
    type: 'object',
    description: "A Secret in the controller's namespace whose keys are settings too; never printed.",
    required: ['secretName'],
    properties: { secretName: subdomain('The Secret name.') },
  },
  driftDetection: { type: 'string', description: 'enabled (correct drift), warn (default: report only) or disabled.', enum: ['enabled', 'warn', 'disabled'] },
  timeout: readyTimeout("How long an install, upgrade, rollback or uninstall may take, hooks and readiness of the release's objects included (e.g. 10m); overrides the type's timeout."),
  driftIgnore: driftIgnore("Fields that are not drift on this instance, added to its type's: JSON Pointers, optionally per kind and name."),
};

const extensionSpec: OpenApiSchema = {
  type: 'object',
  description: 'One extension instance on one cluster: one Helm release.',
  required: ['clusterName', 'extensionType', 'scope'],
  properties: { clusterName: label('The ConnectedCluster this instance runs on.'), ...templateProperties },
};

const labelSelector: OpenApiSchema = {
  type: 'object',
  description: 'Selects ConnectedClusters by their labels; an empty selector selects every cluster.',
  properties: {
    matchLabels: stringMap('Every label here must be present with this value.'),
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string', maxLength: 317 },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

const extensionPolicySpec: OpenApiSchema = {
  type: 'object',
  description: 'Assigns an extension to every selected cluster (DeployIfNotExists) or only reports (Audit).',
  required: ['clusterSelector', 'effect', 'extension'],
  properties: {
    clusterSelector: labelSelector,
    effect: { type: 'string', enum: ['DeployIfNotExists', 'Audit'] },
    extension: {
      type: 'object',
      description: 'An Extension spec without clusterName, plus the name (Helm release name) of generated instances.',
      required: ['name', 'extensionType', 'scope'],
      properties: { name: { type: 'string', description: 'The name (and Helm release name) of generated instances.', minLength: 1 }, ...templateProperties },
    },
  },
};

const secretNameRef = (description: string): OpenApiSchema => ({
  type: 'object',
  description,
  required: ['name'],
  properties: { name: subdomain('The Secret name.') },
});

const extensionRepositorySpec: OpenApiSchema = {
  type: 'object',
  description: 'A git repository of extension manifests the controller watches.',
  required: ['url'],
  properties: {
    url: { type: 'string', description: 'The git URL (https://…).', minLength: 1, maxLength: 2048 },
    branch: { type: 'string', description: 'The branch to follow.', default: 'main', minLength: 1, maxLength: 255 },
    path: { type: 'string', description: 'The folder inside the repository holding the manifests.', default: '.', maxLength: 1024 },
    interval: { type: 'string', description: 'How often to fetch, e.g. 1m or 30s.', default: '1m', pattern: DURATION_PATTERN },
    secretRef: secretNameRef('Git credentials: username/password or bearerToken keys.'),
    webhookSecretRef: secretNameRef('The token that authenticates push webhooks.'),
  },
};

export const SPEC_SCHEMAS: Readonly<Record<CrdKind, OpenApiSchema>> = {
  ExtensionType: extensionTypeSpec,
  ConnectedCluster: connectedClusterSpec,
  Extension: extensionSpec,
  ExtensionPolicy: extensionPolicySpec,
  ExtensionRepository: extensionRepositorySpec,
};

/** metav1.Condition, kstatus-compatible. */
const conditions: OpenApiSchema = {
  type: 'array',
  description: 'Standard conditions (Ready, Reconciling, Stalled, …).',
  items: {
    type: 'object',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    properties: {
      type: { type: 'string', maxLength: 316 },
      status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
      lastTransitionTime: { type: 'string', format: 'date-time' },
      reason: { type: 'string', minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
      message: { type: 'string', maxLength: 32768 },
    },
  },
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
};
const observedGeneration: OpenApiSchema = { type: 'integer', format: 'int64', minimum: 0 };
const clusterReasons = (description: string): OpenApiSchema => ({
  type: 'array',
  description,
  items: { type: 'object', required: ['name'], properties: { name: text('The ConnectedCluster.'), reason: text('Why.') } },
});

export const STATUS_SCHEMAS: Readonly<Record<CrdKind, OpenApiSchema>> = {
  ExtensionType: {
    type: 'object',
    properties: {
      trains: {
        type: 'object',
        description: "Train name to the chart versions its repository lists (strict semver, newest first).",
        additionalProperties: { type: 'object', properties: { versions: { type: 'array', items: { type: 'string' } } } },
      },
      ignoredVersions: {
        type: 'array',
        description: 'Chart versions left out, with the reason (e.g. not strict semver).',
        items: { type: 'object', required: ['version', 'reason'], properties: { version: text(), reason: text(), train: text() } },
      },
      observedGeneration,
      conditions,
    },
  },
  ConnectedCluster: {
    type: 'object',
    properties: {
      reachable: { type: 'boolean' },
      kubernetesVersion: text("The API server's version."),
      architectures: { type: 'array', description: 'The kubernetes.io/arch values of its nodes.', items: { type: 'string' } },
      lastContactTime: { type: 'string', format: 'date-time' },
      observedGeneration,
      conditions,
    },
  },
  Extension: {
    type: 'object',
    properties: {
      provisioningState: { type: 'string', enum: ['Pending', 'Installing', 'Upgrading', 'Succeeded', 'Failed', 'Deleting'] },
      installedVersion: text('The chart version of the deployed release.'),
      desiredVersion: text('The chart version git asks for.'),
      release: {
        type: 'object',
        description: 'The Helm release.',
        properties: { name: text(), namespace: text(), revision: { type: 'integer', minimum: 0 }, status: text('Helm status, e.g. deployed.'), extensionType: text('The extension type it was installed as; a change of type reinstalls it.'), chart: text('The chart name the release runs.') },
      },
      lastAppliedRevision: text('The git revision last applied successfully.'),
      lastAttemptedRevision: text('The git revision last attempted.'),
      configDigest: text('sha256 of chart, version, values and the protected-settings digest.'),
      lastAttemptedConfigDigest: text('The configDigest that failures refers to.'),
      failures: { type: 'integer', description: 'Consecutive failed attempts (for back-off).', minimum: 0 },
      lastFailureTime: { type: 'string', format: 'date-time' },
      lastFailureMessage: text('The last failure, while failures count (never holds protected settings).'),
      pendingSince: { type: 'string', description: 'While Pending on an unreachable cluster: since when.', format: 'date-time' },
      lastOperation: {
        type: 'object',
        description: 'The last helm operation started: recorded before helm runs, so a long install shows as such.',
        required: ['action', 'startTime'],
        properties: {
          action: { type: 'string', enum: ['install', 'upgrade', 'rollback', 'uninstall'] },
          startTime: { type: 'string', format: 'date-time' },
          timeout: text('How long helm was given, hooks and readiness included (e.g. 5m).'),
        },
      },
      lastHandledReconcileAt: text('The value of the clusterext.io/requested-at annotation last acted on.'),
      observedGeneration,
      conditions,
    },
  },
  ExtensionPolicy: {
    type: 'object',
    properties: {
      compliantClusters: clusterReasons('Selected clusters that run a matching Extension.'),
      nonCompliantClusters: clusterReasons('Selected clusters that do not, with the reason.'),
      observedGeneration,
      conditions,
    },
  },
  ExtensionRepository: {
    type: 'object',
    properties: {
      lastFetchedRevision: text('The commit last fetched.'),
      lastAppliedRevision: text('The last commit that validated and was applied.'),
      lastHandledReconcileAt: text('The value of the clusterext.io/requested-at annotation last acted on.'),
      diagnostics: {
        type: 'array',
        description: 'The first validation diagnostics of a rejected revision.',
        items: {
          type: 'object',
          properties: {
            severity: { type: 'string', enum: ['error', 'warning'] },
            code: text(),
            message: text(),
            file: text(),
            line: { type: 'integer' },
            column: { type: 'integer' },
            pointer: text(),
          },
        },
      },
      errorCount: { type: 'integer', minimum: 0 },
      warningCount: { type: 'integer', minimum: 0 },
      observedGeneration,
      conditions,
    },
  },
};

/**
 * `metadata` of a manifest in git. Not part of the CRDs: the API server owns metadata there.
 * Extension names are checked by the cross-field rules (InvalidReleaseName) for a precise message.
 */
export function metadataSchema(kind: ManifestKind): OpenApiSchema {
  const name: OpenApiSchema =
    kind === 'Extension'
      ? { type: 'string', minLength: 1 }
      : kind === 'ExtensionType'
        ? subdomain('The type name.')
        : label('The object name.');
  return {
    type: 'object',
    required: ['name'],
    properties: { name, labels: stringMap('Labels (policies select clusters by these).'), annotations: stringMap('Annotations.') },
  };
}

/** The whole document of one manifest in git, before strictness is added. */
export function documentSchema(kind: ManifestKind): OpenApiSchema {
  return {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: metadataSchema(kind),
      spec: SPEC_SCHEMAS[kind],
    },
  };
}
