import { describe, expect, it } from 'vitest';
import type { ManifestKind } from './fleet.js';
import { validateDocumentSchema } from './schema-validation.js';
import { parseYamlDocuments } from './yaml-documents.js';

function check(kind: ManifestKind, yaml: string) {
  const [doc] = parseYamlDocuments('m.yaml', `apiVersion: clusterext.io/v1alpha1\nkind: ${kind}\n${yaml}`).documents;
  return validateDocumentSchema(doc!, kind).map((d) => ({ code: d.code, pointer: d.pointer, line: d.line, column: d.column, message: d.message }));
}

const TYPE_SPEC = `metadata: { name: t }
spec:
  chart:
    repository: https://charts.example.com
    name: c
  scopes: [cluster]
  releaseTrains:
    stable: {}
`;

describe('validateDocumentSchema', () => {
  it('accepts a complete ExtensionType', () => {
    expect(check('ExtensionType', TYPE_SPEC + '  requirements: { kubernetesVersion: ">=1.28.0", architectures: [amd64, arm64] }\n  conflictsWith: [other]\n')).toEqual([]);
  });

  it('reports an unknown field on its key, with the closest known field', () => {
    expect(check('ExtensionType', TYPE_SPEC + '  releaseTrain: {}\n')).toEqual([
      { code: 'UnknownField', pointer: '/spec/releaseTrain', line: 11, column: 3, message: 'Unknown field "releaseTrain" in spec; did you mean "releaseTrains"?' },
    ]);
  });

  it('lists the known fields when nothing is close, also inside map values', () => {
    const [diagnostic] = check('ExtensionType', TYPE_SPEC.replace('stable: {}', 'stable: { channel: fast }'));
    expect(diagnostic).toEqual({
      code: 'UnknownField',
      pointer: '/spec/releaseTrains/stable/channel',
      line: 10,
      column: 15,
      message: 'Unknown field "channel" in spec.releaseTrains.stable; the fields here are "repository", "name", "includePrereleases".',
    });
  });

  it('rejects unknown fields at the top level and in metadata', () => {
    const found = check('ConnectedCluster', 'metadata: { name: c, namespace: x }\nspec: {}\nstatus: {}\n');
    expect(found.map((d) => [d.code, d.pointer]).sort()).toEqual([
      ['UnknownField', '/metadata/namespace'],
      ['UnknownField', '/status'],
    ]);
  });

  it('reports a missing field at the key of its parent, pointing at the field', () => {
    expect(check('ExtensionType', 'metadata: { name: t }\nspec:\n  scopes: [cluster]\n  releaseTrains: { stable: {} }\n')).toEqual([
      { code: 'MissingField', pointer: '/spec/chart', line: 4, column: 1, message: 'Required field "chart" is missing from spec.' },
    ]);
  });

  it('says to quote a number or boolean where a string belongs, using the source text', () => {
    const found = check('ConnectedCluster', 'metadata:\n  name: c\n  labels:\n    tier: 1.10\n    enabled: true\nspec: {}\n');
    expect(found.map((d) => d.message)).toEqual([
      'metadata.labels.tier must be a string, but YAML reads 1.10 as a number; quote it: tier: "1.10".',
      'metadata.labels.enabled must be a string, but YAML reads true as a boolean; quote it: enabled: "true".',
    ]);
  });

  it('says a value is empty rather than asking to quote nothing', () => {
    expect(check('Extension', 'metadata: { name: e }\nspec:\n  clusterName: c\n  extensionType: t\n  scope: cluster\n  releaseTrain:\n')[0]?.message).toBe(
      'spec.releaseTrain is empty (YAML reads a missing value, "~" or "null" as null); give it a string or remove "releaseTrain".',
    );
  });

  it('names the expected and actual type otherwise', () => {
    expect(check('ConnectedCluster', 'metadata: { name: c }\nspec:\n  kubeconfigSecretRef: [a]\n')[0]?.message).toBe('spec.kubeconfigSecretRef must be a mapping, not a list.');
  });

  it('explains enum values and suggests the right case', () => {
    const [diagnostic] = check('Extension', 'metadata: { name: e }\nspec: { clusterName: c, extensionType: t, scope: cluster, driftDetection: Enabled }\n');
    expect(diagnostic?.message).toBe('spec.driftDetection is "Enabled"; allowed values are enabled, warn, disabled (did you mean "enabled"?).');
  });

  it('explains a version that is not strict semver with the reason and the fix', () => {
    const found = check('Extension', 'metadata: { name: e }\nspec: { clusterName: c, extensionType: t, scope: cluster, autoUpgradeMinorVersion: false, version: 1.0.029903 }\n');
    expect(found).toEqual([
      {
        code: 'InvalidSemver',
        pointer: '/spec/version',
        line: 4,
        column: 100,
        message: 'spec.version "1.0.029903" is not a strict SemVer 2.0.0 version: patch "029903" has a leading zero; did you mean 1.0.29903?',
      },
    ]);
  });

  it('lets a "v" before a strict version through the schema (the type decides), but keeps the rest strict', () => {
    const pin = (version: string) => check('Extension', `metadata: { name: e }\nspec: { clusterName: c, extensionType: t, scope: cluster, autoUpgradeMinorVersion: false, version: ${version} }\n`);
    expect(pin('v1.2.3')).toEqual([]);
    expect(pin('v1.0.029903')).toEqual([
      expect.objectContaining({ code: 'InvalidSemver', message: 'spec.version "v1.0.029903" is not a strict SemVer 2.0.0 version: after its "v" prefix, patch "029903" has a leading zero; did you mean v1.0.29903?' }),
    ]);
    expect(pin('V1.2.3')).toEqual([expect.objectContaining({ code: 'InvalidSemver', message: expect.stringContaining('it has a "V" prefix') })]);
  });

  it('checks names, chart repositories and Secret keys against their formats', () => {
    const found = check(
      'ConnectedCluster',
      'metadata: { name: Prod }\nspec: { kubeconfigSecretRef: { name: "kc", key: "a b" } }\n',
    );
    expect(found.map((d) => [d.code, d.pointer])).toEqual([
      ['InvalidName', '/metadata/name'],
      ['InvalidFormat', '/spec/kubeconfigSecretRef/key'],
    ]);
    const repo = check('ExtensionType', TYPE_SPEC.replace('https://charts.example.com', 'charts.example.com'));
    expect(repo.map((d) => [d.code, d.message])).toEqual([
      ['InvalidFormat', 'spec.chart.repository "charts.example.com" must be a chart repository URL starting with https://, http:// or oci://.'],
    ]);
  });

  it('accepts string, number and boolean settings (their type is checked by the rules)', () => {
    expect(check('Extension', 'metadata: { name: e }\nspec:\n  clusterName: c\n  extensionType: t\n  scope: cluster\n  configurationSettings: { a: x, b: 1, c: true }\n')).toEqual([]);
  });
});
