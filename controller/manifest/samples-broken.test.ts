import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadFleetFromDirectory } from './load-fleet.js';

const BROKEN = fileURLToPath(new URL('../../samples/broken', import.meta.url));
const FLEET = fileURLToPath(new URL('../../samples/fleet', import.meta.url));

/** Every diagnostic samples/broken is written to produce: [code, file, line, column]. */
const EXPECTED: Array<[string, string, number, number]> = [
  ['UnknownExtensionType', 'catalog.yaml', 16, 19],
  ['MissingStableTrain', 'catalog.yaml', 68, 3],
  ['InvalidSemverRange', 'catalog.yaml', 72, 24],
  ['InvalidFormat', 'catalog.yaml', 80, 17],
  ['InvalidValue', 'catalog.yaml', 82, 21],
  ['UnknownField', 'catalog.yaml', 83, 3],
  ['NoKubeconfigSecretRef', 'clusters.yaml', 42, 1],
  ['DuplicateName', 'clusters.yaml', 47, 9],
  ['InvalidName', 'clusters.yaml', 56, 9],
  ['MissingField', 'clusters.yaml', 59, 1],
  ['VersionWithAutoUpgrade', 'extensions.yaml', 10, 3],
  ['VersionRequired', 'extensions.yaml', 20, 3],
  ['ReleaseTrainWithoutAutoUpgrade', 'extensions.yaml', 32, 3],
  ['ReleaseNamespaceNotAllowed', 'extensions.yaml', 43, 3],
  ['TargetNamespaceRequired', 'extensions.yaml', 52, 3],
  ['TargetNamespaceNotAllowed', 'extensions.yaml', 62, 3],
  ['ScopeNotSupported', 'extensions.yaml', 71, 10],
  ['UnknownReleaseTrain', 'extensions.yaml', 81, 17],
  ['ConflictingExtensions', 'extensions.yaml', 86, 9],
  ['ReleaseNamespaceRequired', 'extensions.yaml', 100, 3],
  ['UnknownExtensionType', 'extensions.yaml', 108, 18],
  ['UnknownCluster', 'extensions.yaml', 116, 16],
  ['InvalidSettingValue', 'extensions.yaml', 130, 5],
  ['InvalidReleaseName', 'extensions.yaml', 136, 9],
  ['InvalidReleaseName', 'extensions.yaml', 146, 9],
  ['DuplicateName', 'extensions.yaml', 166, 9],
  ['MultipleClusterScopedInstances', 'extensions.yaml', 176, 9],
  ['DuplicateKey', 'pitfalls/duplicate-key.yaml', 8, 5],
  ['NotAMapping', 'pitfalls/not-a-mapping.yaml', 2, 1],
  ['InvalidYaml', 'pitfalls/not-yaml.yaml', 3, 11],
  ['TabIndentation', 'pitfalls/tabs.yaml', 5, 1],
  ['UnknownKind', 'pitfalls/unknown-kinds.yaml', 2, 7],
  ['UnknownApiVersion', 'pitfalls/unknown-kinds.yaml', 7, 13],
  ['WrongType', 'pitfalls/unquoted-version.yaml', 11, 12],
  ['DuplicateRelease', 'policies.yaml', 13, 11],
  ['InvalidLabelSelector', 'policies.yaml', 24, 9],
  ['VersionWithAutoUpgrade', 'policies.yaml', 45, 5],
  ['InvalidSemver', 'schema-errors.yaml', 11, 12],
  ['InvalidValue', 'schema-errors.yaml', 20, 10],
  ['UnknownField', 'schema-errors.yaml', 21, 3],
  ['MissingField', 'schema-errors.yaml', 27, 1],
  ['WrongType', 'schema-errors.yaml', 39, 38],
  ['InvalidValue', 'schema-errors.yaml', 47, 11],
];

describe('samples/broken', () => {
  it('reports exactly the expected diagnostics, and no fleet', async () => {
    const result = await loadFleetFromDirectory(BROKEN);
    expect(result.fleet).toBeUndefined();
    const actual = result.diagnostics.map((d) => [d.code, d.file, d.line, d.column]);
    expect(actual).toEqual(EXPECTED);
  });

  it('gives the hints the messages promise', async () => {
    const { diagnostics } = await loadFleetFromDirectory(BROKEN);
    const message = (code: string, file: string) => diagnostics.find((d) => d.code === code && d.file === file)?.message;
    expect(message('InvalidSemver', 'schema-errors.yaml')).toBe(
      'spec.version "1.0.029903" is not a strict SemVer 2.0.0 version: patch "029903" has a leading zero; did you mean 1.0.29903?',
    );
    expect(message('WrongType', 'pitfalls/unquoted-version.yaml')).toBe('spec.version must be a string, but YAML reads 1.2 as a number; quote it: version: "1.2".');
    expect(message('UnknownField', 'schema-errors.yaml')).toBe('Unknown field "releaseTrian" in spec; did you mean "releaseTrain"?');
    expect(message('UnknownKind', 'pitfalls/unknown-kinds.yaml')).toContain('did you mean "ExtensionType"?');
    expect(message('UnknownApiVersion', 'pitfalls/unknown-kinds.yaml')).toContain('use clusterext.io/v1alpha1');
    expect(message('DuplicateKey', 'pitfalls/duplicate-key.yaml')).toContain('Key "env" appears twice');
    expect(message('InvalidValue', 'schema-errors.yaml')).toContain('(did you mean "cluster"?)');
  });
});

describe('samples/fleet', () => {
  it('is valid, without warnings, and holds the whole catalog', async () => {
    const { fleet, diagnostics } = await loadFleetFromDirectory(FLEET);
    expect(diagnostics).toEqual([]);
    expect(fleet?.extensionTypes.map((t) => t.metadata.name)).toEqual([
      'api-gateway',
      'connected-registry',
      'container-apps',
      'container-monitoring',
      'container-security',
      'container-storage',
      'dapr',
      'data-services',
      'event-grid',
      'flux',
      'ingress-nginx',
      'keyvault-secrets-provider',
      'machine-learning',
      'metrics-server',
      'podinfo',
      'policy-gatekeeper',
      'secret-store',
      'service-mesh',
      'video-indexer',
    ]);
    expect(fleet?.clusters.map((c) => c.metadata.name)).toEqual(['dev-eu', 'prod-eu', 'prod-us']);
    expect(fleet?.policies.map((p) => [p.metadata.name, p.spec.effect])).toEqual([
      ['gatekeeper-audit', 'Audit'],
      ['keyvault-secrets-eu', 'DeployIfNotExists'],
      ['metrics-everywhere', 'DeployIfNotExists'],
      ['monitoring-everywhere', 'DeployIfNotExists'],
    ]);
    const namespaced = fleet?.extensions.filter((e) => e.spec.scope === 'namespace').map((e) => `${e.spec.clusterName}/${e.metadata.name}`);
    expect(namespaced).toEqual(['dev-eu/gateway-team-a', 'prod-eu/gateway-checkout', 'prod-eu/gateway-payments']);
    expect(fleet?.extensions.filter((e) => !e.spec.autoUpgradeMinorVersion).map((e) => [e.spec.clusterName, e.metadata.name, e.spec.version])).toEqual([
      ['dev-eu', 'dapr', '0.1.0'],
      ['prod-us', 'mesh', '0.1.0'],
    ]);
  });
});
