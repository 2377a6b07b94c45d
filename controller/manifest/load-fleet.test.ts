import { describe, expect, it } from 'vitest';
import type { Diagnostic } from './diagnostic.js';
import { FleetFileCache } from './fleet-file-cache.js';
import { computeDesiredState } from '../plan/desired-state.js';
import { validateFleetFiles, type FleetFile } from './load-fleet.js';
import { readYamlDocuments } from './yaml-documents.js';
import { DEFAULT_VALIDATION_LIMITS } from './validation-limits.js';

/** A small valid fleet as YAML text; tests add or replace documents. */
const TYPES = `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata:
  name: monitoring
spec:
  chart: { repository: "https://charts.example.com", name: agent }
  scopes: [cluster]
  defaultReleaseNamespace: monitoring
  releaseTrains:
    stable: {}
    preview: { includePrereleases: true }
---
apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata:
  name: gateway
spec:
  chart: { repository: "oci://registry.example.com/charts", name: gateway }
  scopes: [namespace]
  releaseTrains: { stable: {} }
---
apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata:
  name: vault
spec:
  chart: { repository: "https://charts.example.com", name: vault }
  scopes: [cluster]
  defaultReleaseNamespace: vault
  releaseTrains: { stable: {} }
  conflictsWith: [secrets]
---
apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata:
  name: secrets
spec:
  chart: { repository: "https://charts.example.com", name: secrets }
  scopes: [cluster]
  releaseTrains: { stable: {} }
`;

const CLUSTERS = ['dev', 'prod']
  .map(
    (name) => `apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata:
  name: ${name}
  labels: { env: ${name} }
spec:
  kubeconfigSecretRef: { name: kc-${name}, key: kubeconfig }
`,
  )
  .join('---\n');

function extension(name: string, spec: Record<string, unknown>): string {
  return `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata:
  name: ${name}
spec: ${JSON.stringify({ clusterName: 'dev', extensionType: 'monitoring', scope: 'cluster', ...spec })}
`;
}

function policy(name: string, spec: Record<string, unknown>): string {
  return `apiVersion: clusterext.io/v1alpha1
kind: ExtensionPolicy
metadata:
  name: ${name}
spec: ${JSON.stringify({ clusterSelector: {}, effect: 'DeployIfNotExists', ...spec })}
`;
}

function validate(...extra: string[]): ReturnType<typeof validateFleetFiles> {
  const files: FleetFile[] = [
    { path: 'types.yaml', content: TYPES },
    { path: 'clusters.yaml', content: CLUSTERS },
    { path: 'extra.yaml', content: extra.join('---\n') },
  ];
  return validateFleetFiles(files);
}

const codes = (diagnostics: Diagnostic[]) => diagnostics.map((d) => d.code);

describe('validateFleetFiles: driftIgnore', () => {
  it('keeps the rules of types and Extensions in the Fleet', () => {
    const { fleet, diagnostics } = validate(extension('mon', { driftIgnore: [{ path: '/spec/replicas', kind: 'Deployment', name: 'web' }, { path: '/data/a~1b' }] }));
    expect(diagnostics).toEqual([]);
    expect(fleet?.extensions[0]?.spec.driftIgnore).toEqual([{ path: '/spec/replicas', kind: 'Deployment', name: 'web' }, { path: '/data/a~1b' }]);
  });

  it('rejects a path that is not a JSON Pointer with a located error saying the valid form', () => {
    const { fleet, diagnostics } = validate(extension('mon', { driftIgnore: [{ path: '/spec/replicas' }, { path: 'spec.replicas' }, { path: '/a/~2' }] }));
    expect(fleet).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.file, d.pointer])).toEqual([
      ['InvalidJsonPointer', 'extra.yaml', '/spec/driftIgnore/1/path'],
      ['InvalidJsonPointer', 'extra.yaml', '/spec/driftIgnore/2/path'],
    ]);
    expect(diagnostics[0]?.message).toContain('did you mean "/spec/replicas"?');
    expect(diagnostics[1]?.message).toContain('"~" not followed by 0 or 1');
  });

  it('rejects unknown fields of a rule', () => {
    const { diagnostics } = validate(extension('mon', { driftIgnore: [{ path: '/a', kinds: 'Deployment' }] }));
    expect(diagnostics.map((d) => d.pointer)).toEqual(['/spec/driftIgnore/0/kinds']);
  });
});

describe('validateFleetFiles: a valid fleet', () => {
  it('builds the Fleet with every default applied and no diagnostics', () => {
    const { fleet, diagnostics } = validate(extension('mon', {}));
    expect(diagnostics).toEqual([]);
    expect(fleet?.extensions).toEqual([
      {
        apiVersion: 'clusterext.io/v1alpha1',
        kind: 'Extension',
        metadata: { name: 'mon', labels: {}, annotations: {} },
        spec: {
          clusterName: 'dev',
          extensionType: 'monitoring',
          scope: 'cluster',
          autoUpgradeMinorVersion: true,
          releaseTrain: 'stable',
          configurationSettings: {},
          driftDetection: 'warn',
        },
        source: { file: 'extra.yaml', line: 1, column: 1, documentIndex: 0 },
      },
    ]);
    const monitoring = fleet?.extensionTypes.find((t) => t.metadata.name === 'monitoring');
    expect(monitoring?.spec).toEqual({
      chart: { repository: 'https://charts.example.com', name: 'agent' },
      scopes: ['cluster'],
      defaultReleaseNamespace: 'monitoring',
      releaseTrains: { stable: { includePrereleases: false }, preview: { includePrereleases: true } },
      requirements: {},
      conflictsWith: [],
    });
  });

  it('sorts types, clusters and policies by name and Extensions by cluster, then name', () => {
    const { fleet, diagnostics } = validate(
      extension('zeta', { clusterName: 'dev', extensionType: 'gateway', scope: 'namespace', targetNamespace: 'z' }),
      extension('alpha', { clusterName: 'prod' }),
      extension('beta', { clusterName: 'dev' }),
      policy('p2', { effect: 'Audit', extension: { name: 'x', extensionType: 'vault', scope: 'cluster' } }),
      policy('p1', { effect: 'Audit', extension: { name: 'y', extensionType: 'vault', scope: 'cluster' } }),
    );
    expect(diagnostics).toEqual([]);
    expect(fleet?.extensionTypes.map((t) => t.metadata.name)).toEqual(['gateway', 'monitoring', 'secrets', 'vault']);
    expect(fleet?.clusters.map((c) => c.metadata.name)).toEqual(['dev', 'prod']);
    expect(fleet?.extensions.map((e) => `${e.spec.clusterName}/${e.metadata.name}`)).toEqual(['dev/beta', 'dev/zeta', 'prod/alpha']);
    expect(fleet?.policies.map((p) => p.metadata.name)).toEqual(['p1', 'p2']);
  });

  it('keeps settings, pinned versions and protected settings refs as written', () => {
    const { fleet } = validate(
      extension('mon', {
        autoUpgradeMinorVersion: false,
        version: '1.0.29903+build.7',
        configurationSettings: { 'a.b': 1, 'c\\.d': 'x', on: true },
        configurationProtectedSettingsRef: { secretName: 'mon-secret' },
        driftDetection: 'enabled',
      }),
    );
    expect(fleet?.extensions[0]?.spec).toMatchObject({
      autoUpgradeMinorVersion: false,
      version: '1.0.29903+build.7',
      configurationSettings: { 'a.b': 1, 'c\\.d': 'x', on: true },
      configurationProtectedSettingsRef: { secretName: 'mon-secret' },
      driftDetection: 'enabled',
    });
  });

  it('lets several clusters each have an Extension of the same name, and several namespace-scoped instances per cluster', () => {
    const { diagnostics } = validate(
      extension('mon', { clusterName: 'dev' }),
      extension('mon', { clusterName: 'prod' }),
      extension('gw-a', { extensionType: 'gateway', scope: 'namespace', targetNamespace: 'a' }),
      extension('gw-b', { extensionType: 'gateway', scope: 'namespace', targetNamespace: 'b' }),
    );
    expect(diagnostics).toEqual([]);
  });

  it('warns, without failing, about a cluster without kubeconfigSecretRef', () => {
    const { fleet, diagnostics } = validate('apiVersion: clusterext.io/v1alpha1\nkind: ConnectedCluster\nmetadata: { name: agent-only }\nspec: {}\n');
    expect(fleet).toBeDefined();
    expect(diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([['warning', 'NoKubeconfigSecretRef', 4]]);
  });

  it('reports NoManifests for an empty file list, since an empty fleet would remove everything', () => {
    const { fleet, diagnostics } = validateFleetFiles([]);
    expect(fleet).toBeUndefined();
    expect(codes(diagnostics)).toEqual(['NoManifests']);
  });

  it('normalises backslashes in paths and sorts diagnostics by file', () => {
    const { diagnostics } = validateFleetFiles([
      { path: 'b\\x.yaml', content: 'kind: Nope\n' },
      { path: 'a.yaml', content: '- 1\n' },
    ]);
    expect(diagnostics.map((d) => [d.file, d.code])).toEqual([
      ['a.yaml', 'NotAMapping'],
      ['b/x.yaml', 'MissingField'],
      ['b/x.yaml', 'UnknownKind'],
    ]);
  });
});

describe('validateFleetFiles: cross-field rules on an Extension', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['version with auto-upgrade (the default)', { version: '1.2.3' }, 'VersionWithAutoUpgrade', '/spec/version'],
    ['version with explicit auto-upgrade', { autoUpgradeMinorVersion: true, version: '1.2.3' }, 'VersionWithAutoUpgrade', '/spec/version'],
    ['pinned without version', { autoUpgradeMinorVersion: false }, 'VersionRequired', '/spec/autoUpgradeMinorVersion'],
    ['releaseTrain while pinned', { autoUpgradeMinorVersion: false, version: '1.2.3', releaseTrain: 'stable' }, 'ReleaseTrainWithoutAutoUpgrade', '/spec/releaseTrain'],
    ['unknown train', { releaseTrain: 'nightly' }, 'UnknownReleaseTrain', '/spec/releaseTrain'],
    ['targetNamespace with scope cluster', { targetNamespace: 'x' }, 'TargetNamespaceNotAllowed', '/spec/targetNamespace'],
    ['scope namespace without targetNamespace', { extensionType: 'gateway', scope: 'namespace' }, 'TargetNamespaceRequired', '/spec/scope'],
    ['releaseNamespace with scope namespace', { extensionType: 'gateway', scope: 'namespace', targetNamespace: 't', releaseNamespace: 'r' }, 'ReleaseNamespaceNotAllowed', '/spec/releaseNamespace'],
    ['a scope the type does not support', { extensionType: 'gateway', scope: 'cluster' }, 'ScopeNotSupported', '/spec/scope'],
    ['no release namespace anywhere', { extensionType: 'secrets' }, 'ReleaseNamespaceRequired', '/spec/scope'],
    ['an unknown type', { extensionType: 'nope' }, 'UnknownExtensionType', '/spec/extensionType'],
    ['an unknown cluster', { clusterName: 'nowhere' }, 'UnknownCluster', '/spec/clusterName'],
    ['a nested setting', { configurationSettings: { a: { b: 1 } } }, 'InvalidSettingValue', '/spec/configurationSettings/a'],
    ['a list setting', { configurationSettings: { 'x/y': [1] } }, 'InvalidSettingValue', '/spec/configurationSettings/x~1y'],
    ['a setting that is a value and a parent', { configurationSettings: { x: 1, 'x.y': 2 } }, 'ConflictingSettings', '/spec/configurationSettings/x.y'],
    ['an empty settings path segment', { configurationSettings: { 'a..b': 1 } }, 'EmptySettingSegment', '/spec/configurationSettings/a..b'],
    ['a setting nested deeper than the limit', { configurationSettings: { [Array(33).fill('k').join('.')]: 1 } }, 'SettingTooDeep', `/spec/configurationSettings/${Array(33).fill('k').join('.')}`],
    ['namespace scope in kube-system', { extensionType: 'gateway', scope: 'namespace', targetNamespace: 'kube-system' }, 'SystemNamespaceNotAllowed', '/spec/targetNamespace'],
    ['namespace scope in kube-node-lease', { extensionType: 'gateway', scope: 'namespace', targetNamespace: 'kube-node-lease' }, 'SystemNamespaceNotAllowed', '/spec/targetNamespace'],
    ["namespace scope in the controller's namespace", { extensionType: 'gateway', scope: 'namespace', targetNamespace: 'clusterext-system' }, 'SystemNamespaceNotAllowed', '/spec/targetNamespace'],
  ];

  it.each(cases)('%s → %s', (_title, spec, code, pointer) => {
    const { fleet, diagnostics } = validate(extension('mon', spec));
    expect(fleet).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.pointer, d.file])).toEqual([[code, pointer, 'extra.yaml']]);
  });

  it('rejects a "v"-prefixed pin for a type without versionPrefix: v, located, naming the opt-in', () => {
    const { fleet, diagnostics } = validate(extension('mon', { autoUpgradeMinorVersion: false, version: 'v1.2.3' }));
    expect(fleet).toBeUndefined();
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'InvalidSemver',
        pointer: '/spec/version',
        file: 'extra.yaml',
        line: 5,
        message: 'version "v1.2.3" is not a strict SemVer 2.0.0 version: it has a "v" prefix; did you mean 1.2.3? ExtensionType "monitoring" does not set versionPrefix: v; if its chart repository publishes versions like "v1.2.3", set it there.',
      }),
    ]);
  });

  it('accepts a "v"-prefixed pin, and the type\'s opt-in, only for a type with versionPrefix: v', () => {
    const vtype = `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: { name: certs }
spec:
  chart: { repository: "https://charts.example.com", name: cert-manager }
  scopes: [cluster]
  defaultReleaseNamespace: certs
  releaseTrains: { stable: {} }
  versionPrefix: v
`;
    const { fleet, diagnostics } = validate(vtype, extension('certs', { extensionType: 'certs', autoUpgradeMinorVersion: false, version: 'v1.15.1' }), extension('plain', { extensionType: 'certs', clusterName: 'prod', autoUpgradeMinorVersion: false, version: '1.15.1' }));
    expect(diagnostics).toEqual([]);
    expect(fleet?.extensionTypes.find((t) => t.metadata.name === 'certs')?.spec.versionPrefix).toBe('v');
    expect(fleet?.extensionTypes.find((t) => t.metadata.name === 'monitoring')?.spec.versionPrefix).toBeUndefined();
    expect(fleet?.extensions.find((e) => e.metadata.name === 'certs')?.spec.version).toBe('v1.15.1');
    // Only "v": any other prefix is a schema error on the type, located at the field.
    const other = validate(vtype.replace('versionPrefix: v', 'versionPrefix: V'));
    expect(other.diagnostics.map((d) => [d.code, d.pointer, d.line])).toEqual([[expect.any(String), '/spec/versionPrefix', 9]]);
  });

  it('accepts what each rule allows: a pinned version, a known train, releaseNamespace with scope cluster', () => {
    const { diagnostics } = validate(
      extension('a', { autoUpgradeMinorVersion: false, version: '2.0.0-rc.1' }),
      extension('b', { clusterName: 'prod', releaseTrain: 'preview', releaseNamespace: 'elsewhere' }),
      extension('c', { extensionType: 'secrets', releaseNamespace: 'sec', clusterName: 'prod' }),
    );
    expect(diagnostics).toEqual([]);
  });

  it.each([
    ['Upper', 'has characters Helm does not allow'],
    ['a'.repeat(54), 'is 54 characters long'],
    ['-lead', 'has characters Helm does not allow'],
  ])('rejects the release name %j', (name, problem) => {
    const { diagnostics } = validate(extension(name, {}));
    expect(diagnostics.map((d) => [d.code, d.pointer])).toEqual([['InvalidReleaseName', '/metadata/name']]);
    expect(diagnostics[0]!.message).toContain(problem);
  });

  it('lets a namespace-scoped instance into a system namespace only when its type allows it', () => {
    const allowing = `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: { name: node-agent }
spec:
  chart: { repository: "oci://registry.example.com/charts", name: node-agent }
  scopes: [namespace]
  releaseTrains: { stable: {} }
  allowSystemNamespaces: true
`;
    const { fleet, diagnostics } = validate(allowing, extension('agent', { extensionType: 'node-agent', scope: 'namespace', targetNamespace: 'kube-system' }));
    expect(diagnostics).toEqual([]);
    expect(fleet?.extensionTypes.find((t) => t.metadata.name === 'node-agent')?.spec.allowSystemNamespaces).toBe(true);
    const refused = validate(extension('gw', { extensionType: 'gateway', scope: 'namespace', targetNamespace: 'kube-system' })).diagnostics;
    expect(refused[0]?.message).toBe(
      'targetNamespace "kube-system" is a Kubernetes system namespace, where a namespace-scoped instance would get full rights; choose another namespace, or set allowSystemNamespaces: true on ExtensionType "gateway" if it must run there.',
    );
  });

  it('accepts a release name of exactly 53 characters', () => {
    expect(validate(extension('a'.repeat(53), {})).diagnostics).toEqual([]);
  });
});

describe('validateFleetFiles: rules between objects', () => {
  it('reports a duplicate Extension on one cluster at the second one, naming the first', () => {
    const { diagnostics } = validate(extension('mon', {}), extension('mon', {}));
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['DuplicateName', 10]]);
    expect(diagnostics[0]!.message).toBe('Extension "mon" on cluster "dev" is already defined at extra.yaml:1; names must be unique, so rename or remove one of them.');
  });

  it('reports duplicate names of other kinds across files', () => {
    const { diagnostics } = validate('apiVersion: clusterext.io/v1alpha1\nkind: ExtensionType\nmetadata: { name: gateway }\nspec: { chart: { repository: "https://x", name: g }, scopes: [namespace], releaseTrains: { stable: {} } }\n');
    expect(diagnostics.map((d) => [d.code, d.file])).toEqual([['DuplicateName', 'types.yaml']]);
  });

  it('allows one cluster-scoped instance of a type per cluster', () => {
    const { diagnostics } = validate(extension('mon', {}), extension('mon-2', {}));
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['MultipleClusterScopedInstances', 10]]);
  });

  it('reports types that conflict on one cluster, whichever side declares it', () => {
    const { diagnostics } = validate(extension('sec', { extensionType: 'secrets', releaseNamespace: 's' }), extension('vault', { extensionType: 'vault' }));
    expect(codes(diagnostics)).toEqual(['ConflictingExtensions']);
    const reversed = validate(extension('vault', { extensionType: 'vault' }), extension('sec', { extensionType: 'secrets', releaseNamespace: 's' }));
    expect(codes(reversed.diagnostics)).toEqual(['ConflictingExtensions']);
    const apart = validate(extension('vault', { extensionType: 'vault' }), extension('sec', { clusterName: 'prod', extensionType: 'secrets', releaseNamespace: 's' }));
    expect(apart.diagnostics).toEqual([]);
  });

  it('reports a conflictsWith entry naming no type', () => {
    const types = TYPES.replace('conflictsWith: [secrets]', 'conflictsWith: [secrets, ghost]');
    const { diagnostics } = validateFleetFiles([
      { path: 'types.yaml', content: types },
      { path: 'clusters.yaml', content: CLUSTERS },
    ]);
    expect(diagnostics.map((d) => [d.code, d.pointer])).toEqual([['UnknownExtensionType', '/spec/conflictsWith/1']]);
  });

  it('counts policy-generated instances: a collision with an explicit Extension of another type is a DuplicateRelease', () => {
    const { diagnostics } = validate(
      extension('mon', { extensionType: 'vault' }),
      policy('everywhere', { clusterSelector: { matchLabels: { env: 'dev' } }, extension: { name: 'mon', extensionType: 'monitoring', scope: 'cluster' } }),
    );
    expect(diagnostics.map((d) => [d.code, d.pointer])).toEqual([['DuplicateRelease', '/spec/extension/name']]);
    expect(diagnostics[0]!.message).toContain('On cluster "dev"');
  });

  it('lets an explicit Extension of the type win over a policy, and Audit policies generate nothing', () => {
    const { diagnostics } = validate(
      extension('mon', {}),
      policy('everywhere', { extension: { name: 'monitoring', extensionType: 'monitoring', scope: 'cluster' } }),
      policy('audit', { effect: 'Audit', extension: { name: 'mon', extensionType: 'vault', scope: 'cluster' } }),
    );
    expect(diagnostics).toEqual([]);
  });

  it('reports two policies putting one cluster-scoped type twice on a cluster', () => {
    const { diagnostics } = validate(
      policy('a', { clusterSelector: { matchLabels: { env: 'prod' } }, extension: { name: 'mon-a', extensionType: 'monitoring', scope: 'cluster' } }),
      policy('b', { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, extension: { name: 'mon-b', extensionType: 'monitoring', scope: 'cluster' } }),
    );
    // a selects prod; b selects both: only prod gets two.
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['MultipleClusterScopedInstances', 11]]);
    expect(diagnostics[0]!.message).toMatch(/^On cluster "prod", the instance "mon-b" that ExtensionPolicy "b" generates/);
  });

  it('checks a policy template with the Extension rules and its selector', () => {
    const { diagnostics } = validate(
      policy('p', {
        clusterSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn' }, { key: 'tier', operator: 'DoesNotExist', values: ['x'] }] },
        effect: 'Audit',
        extension: { name: 'Bad_Name', extensionType: 'monitoring', scope: 'cluster', version: '1.0.0' },
      }),
    );
    expect(diagnostics.map((d) => [d.code, d.pointer])).toEqual([
      ['InvalidLabelSelector', '/spec/clusterSelector/matchExpressions/0'],
      ['InvalidLabelSelector', '/spec/clusterSelector/matchExpressions/1/values'],
      ['InvalidReleaseName', '/spec/extension/name'],
      ['VersionWithAutoUpgrade', '/spec/extension/version'],
    ]);
  });
});

describe('validateFleetFiles: ExtensionType rules', () => {
  function typeDoc(spec: string): FleetFile[] {
    return [
      { path: 't.yaml', content: `apiVersion: clusterext.io/v1alpha1\nkind: ExtensionType\nmetadata: { name: t }\nspec:\n${spec}` },
      { path: 'clusters.yaml', content: CLUSTERS },
    ];
  }

  it('requires a stable train', () => {
    const { diagnostics } = validateFleetFiles(typeDoc('  chart: { repository: "https://x", name: c }\n  scopes: [cluster]\n  releaseTrains: { preview: {} }\n  defaultReleaseNamespace: t\n'));
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['MissingStableTrain', 7, 3]]);
  });

  it.each([
    ['>=1.27.0', []],
    ['>=1.27.0 <1.32.0', []],
    ['not a range', ['InvalidSemverRange']],
    ['', ['InvalidSemverRange']],
  ])('checks requirements.kubernetesVersion %j', (range, expected) => {
    const { diagnostics } = validateFleetFiles(
      typeDoc(`  chart: { repository: "https://x", name: c }\n  scopes: [cluster]\n  defaultReleaseNamespace: t\n  releaseTrains: { stable: {} }\n  requirements: { kubernetesVersion: ${JSON.stringify(range)} }\n`),
    );
    expect(codes(diagnostics)).toEqual(expected);
  });
});

describe('validateFleetFiles: timeouts', () => {
  it('keeps the timeout of a type and of an Extension as written', () => {
    const { fleet, diagnostics } = validate(
      'apiVersion: clusterext.io/v1alpha1\nkind: ExtensionType\nmetadata: { name: t }\nspec:\n  chart: { repository: "https://x", name: c }\n  scopes: [cluster]\n  defaultReleaseNamespace: t\n  releaseTrains: { stable: {} }\n  timeout: 10m\n',
      extension('mon', { timeout: '90s' }),
    );
    expect(codes(diagnostics)).toEqual([]);
    expect(fleet?.extensionTypes.find((t) => t.metadata.name === 't')?.spec.timeout).toBe('10m');
    expect(fleet?.extensions[0]?.spec.timeout).toBe('90s');
  });

  it.each([
    ['ten minutes', 'InvalidFormat'],
    ['500ms', 'TimeoutTooShort'],
    ['0s', 'TimeoutTooShort'],
  ])('rejects the Extension timeout %j, located at the field', (timeout, code) => {
    const { diagnostics } = validate(extension('mon', { timeout }));
    expect(diagnostics.map((d) => [d.code, d.pointer])).toEqual([[code, '/spec/timeout']]);
  });
});

describe('validateFleetFiles: names survive broken documents', () => {
  it('does not report references to a cluster whose own document is invalid', () => {
    const badCluster = 'apiVersion: clusterext.io/v1alpha1\nkind: ConnectedCluster\nmetadata: { name: edge }\nspec: { kubeconfig: x }\n';
    const { diagnostics } = validate(badCluster, extension('mon', { clusterName: 'edge' }));
    expect(codes(diagnostics)).toEqual(['UnknownField']);
  });
});

describe('validateFleetFiles with a FleetFileCache (the two revisions of a plan)', () => {
  const base: FleetFile[] = [
    { path: 'types.yaml', content: TYPES },
    { path: 'clusters.yaml', content: CLUSTERS },
    { path: 'extra.yaml', content: extension('mon', {}) },
  ];
  const broken = base.map((f) => (f.path === 'extra.yaml' ? { ...f, content: extension('mon', { scope: 'galaxy' }) } : f));
  const duplicated = [...base, { path: 'more.yaml', content: extension('mon', {}) }];

  /** readYamlDocuments, counting the files it reads. */
  function countingReader() {
    const read: string[] = [];
    return { read, readDocuments: (file: string, content: string) => (read.push(file), readYamlDocuments(file, content)) };
  }

  it('gives every revision the result it gets without a cache, reading each unchanged file once', () => {
    const cache = new FleetFileCache();
    const { read, readDocuments } = countingReader();
    for (const files of [base, broken, duplicated, base]) {
      expect(validateFleetFiles(files, { cache, readDocuments })).toEqual(validateFleetFiles(files));
    }
    // extra.yaml changes twice (broken, then back as in base); more.yaml is new; the last base reads nothing.
    expect(read).toEqual(['clusters.yaml', 'extra.yaml', 'types.yaml', 'extra.yaml', 'extra.yaml', 'more.yaml']);
    expect(cache.size).toBe(4);
  });

  it('reports a problem of a changed file, and rules across files, in the revision that has it', () => {
    const cache = new FleetFileCache();
    expect(validateFleetFiles(base, { cache }).diagnostics).toEqual([]);
    expect(codes(validateFleetFiles(broken, { cache }).diagnostics)).toEqual(['InvalidValue']);
    expect(codes(validateFleetFiles(duplicated, { cache }).diagnostics)).toEqual(['DuplicateName']);
  });
});

describe('validateFleetFiles: settings keys, as the desired state nests them', () => {
  it('locates a conflict in a policy template at the key, with the line of the key', () => {
    const { diagnostics } = validate(policy('p', { extension: { name: 'mon', extensionType: 'monitoring', scope: 'cluster', configurationSettings: { 'x.y': 1, x: 'v' } } }));
    expect(diagnostics.map((d) => [d.code, d.pointer, d.file])).toEqual([['ConflictingSettings', '/spec/extension/configurationSettings/x.y', 'extra.yaml']]);
    expect(diagnostics[0]!.message).toContain('Settings "x" and "x.y" conflict');
  });

  it('rejects thousands of dotted segments with a short message, and takes the depth limit as an option', () => {
    const deep = Array.from({ length: 20_000 }, (_, i) => `s${i}`).join('.');
    const { fleet, diagnostics } = validate(extension('mon', { configurationSettings: { [deep]: 1 } }));
    expect(fleet).toBeUndefined();
    expect(codes(diagnostics)).toEqual(['SettingTooDeep']);
    expect(diagnostics[0]!.line).toBe(5);
    expect(diagnostics[0]!.message).toMatch(/nests 20000 levels deep, more than the limit of 32; .*--max-setting-depth/);
    expect(diagnostics[0]!.message.length).toBeLessThan(400);

    const files: FleetFile[] = [
      { path: 'types.yaml', content: TYPES },
      { path: 'clusters.yaml', content: CLUSTERS },
      { path: 'extra.yaml', content: extension('mon', { configurationSettings: { 'a.b.c.d': 1 } }) },
    ];
    expect(codes(validateFleetFiles(files, { limits: { ...DEFAULT_VALIDATION_LIMITS, maxSettingDepth: 3 } }).diagnostics)).toEqual(['SettingTooDeep']);
    expect(validateFleetFiles(files, { limits: { ...DEFAULT_VALIDATION_LIMITS, maxSettingDepth: 4 } }).fleet).toBeDefined();
  });

  // validate and the desired state (plan, controller) must agree on every settings map: one
  // accepts exactly what the other can build a release from.
  const variants: Record<string, Record<string, unknown>> = {
    plain: { a: 1, 'b.c': 'x' },
    'value and parent': { x: 1, 'x.y': 2 },
    'parent below the top': { 'x.y': 1, 'x.y.z': 2 },
    'literal dots': { 'a\\.b': 1, 'a.b': 2 },
    'empty segment': { 'a.': 1 },
    'at the depth limit': { [Array(32).fill('k').join('.')]: 1 },
    'past the depth limit': { [Array(33).fill('k').join('.')]: 1 },
    'prototype names': { '__proto__.x': 1, constructor: 2 },
  };
  it.each(Object.entries(variants))('agrees with computeDesiredState on %s', (_title, settings) => {
    const validated = validate(extension('mon', { configurationSettings: settings }));
    const unchecked = validateFleetFiles(
      [
        { path: 'types.yaml', content: TYPES },
        { path: 'clusters.yaml', content: CLUSTERS },
        { path: 'extra.yaml', content: extension('mon', {}) },
      ],
    ).fleet!;
    // The same settings handed straight to the desired state, as a controller would see them.
    const fleet = { ...unchecked, extensions: unchecked.extensions.map((e) => ({ ...e, spec: { ...e.spec, configurationSettings: settings as Record<string, string | number | boolean> } })) };
    const desiredErrors = computeDesiredState({ fleet }).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
    const validateErrors = validated.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
    if (desiredErrors.length > 0) expect(validateErrors).toEqual(desiredErrors);
    else expect(validateErrors.filter((code) => code !== 'SettingTooDeep')).toEqual([]);
  });
});
