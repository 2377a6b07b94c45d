import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_KINDS, crdSchema, renderCrdFiles } from './crds.js';
import { loadFleetFromDirectory, validateFleetFiles } from './load-fleet.js';
import { toStrictJsonSchema, type OpenApiSchema } from './openapi-schema.js';
import { compileStrictSchema, createStrictAjv } from './schema-validation.js';
import { SPEC_SCHEMAS } from './schemas.js';

const CRD_DIR = new URL('../../manifests/crds/', import.meta.url);

interface CrdDoc {
  metadata: { name: string };
  spec: {
    names: { kind: string };
    versions: Array<{ name: string; subresources?: { status?: object }; additionalPrinterColumns?: Array<{ name: string }>; schema: { openAPIV3Schema: OpenApiSchema } }>;
  };
}

function committedCrd(kind: string): CrdDoc {
  const files = readdirSync(CRD_DIR).filter((f) => f !== 'kustomization.yaml');
  const docs = files.map((f) => parse(readFileSync(new URL(f, CRD_DIR), 'utf8')) as CrdDoc);
  const found = docs.find((d) => d.spec.names.kind === kind);
  if (!found) throw new Error(`no committed CRD for ${kind}`);
  return found;
}

/** Walks a schema and returns the problems Kubernetes' structural-schema rules would find. */
function structuralProblems(schema: Record<string, unknown>, at = '#'): string[] {
  const out: string[] = [];
  for (const forbidden of ['$ref', '$schema', 'oneOf', 'allOf', 'not', 'anyOf']) if (forbidden in schema) out.push(`${at}: ${forbidden}`);
  if (schema.properties && schema.additionalProperties !== undefined) out.push(`${at}: properties with additionalProperties`);
  if (!schema.type && !schema['x-kubernetes-preserve-unknown-fields'] && !schema['x-kubernetes-int-or-string']) out.push(`${at}: no type`);
  for (const [key, child] of Object.entries((schema.properties as Record<string, Record<string, unknown>>) ?? {})) out.push(...structuralProblems(child, `${at}/properties/${key}`));
  if (schema.items) out.push(...structuralProblems(schema.items as Record<string, unknown>, `${at}/items`));
  if (typeof schema.additionalProperties === 'object') out.push(...structuralProblems(schema.additionalProperties as Record<string, unknown>, `${at}/additionalProperties`));
  return out;
}

describe('manifests/crds', () => {
  it('are exactly what the generator produces (run `npm run gen:crds` after changing schemas.ts)', () => {
    const expected = renderCrdFiles();
    const committed = readdirSync(CRD_DIR).sort();
    expect(committed).toEqual(expected.map((f) => f.path).sort());
    for (const file of expected) expect(readFileSync(new URL(file.path, CRD_DIR), 'utf8'), file.path).toBe(file.content);
  });

  it.each(CRD_KINDS)('%s embeds the spec schema that validate uses, with the status subresource on', (kind) => {
    const crd = committedCrd(kind);
    const version = crd.spec.versions[0]!;
    expect(crd.spec.versions).toHaveLength(1);
    expect(version.name).toBe('v1alpha1');
    expect(version.subresources).toEqual({ status: {} });
    expect(version.schema.openAPIV3Schema.properties?.spec).toEqual(SPEC_SCHEMAS[kind]);
    expect(version.schema.openAPIV3Schema).toEqual(crdSchema(kind));
  });

  it.each(CRD_KINDS)('%s is a structural schema (no $ref, types everywhere, no additionalProperties next to properties)', (kind) => {
    expect(structuralProblems(crdSchema(kind) as Record<string, unknown>)).toEqual([]);
    // The strict form validate uses would not be structural: that is why it is derived, not shipped.
    expect(structuralProblems(toStrictJsonSchema(crdSchema(kind)))).toContain('#: properties with additionalProperties');
  });

  it('shows cluster, type, version, state, ready and age for Extensions', () => {
    expect(committedCrd('Extension').spec.versions[0]!.additionalPrinterColumns?.map((c) => c.name)).toEqual(['Cluster', 'Type', 'Version', 'State', 'Ready', 'Age']);
  });

  it('validates with ajv: the CRD spec schema, made strict, agrees with validate on the sample fleet and on unknown fields', async () => {
    const ajv = createStrictAjv();
    const validators = Object.fromEntries(CRD_KINDS.map((kind) => [kind, compileStrictSchema(ajv, committedCrd(kind).spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!)]));
    const fleetDir = fileURLToPath(new URL('../../samples/fleet/', import.meta.url));
    const { fleet } = await loadFleetFromDirectory(fleetDir);
    const all = [...fleet!.extensionTypes, ...fleet!.clusters, ...fleet!.extensions, ...fleet!.policies];
    expect(all.length).toBeGreaterThan(30);
    for (const manifest of all) expect(validators[manifest.kind]!(manifest.spec), `${manifest.kind}/${manifest.metadata.name}`).toBe(true);

    const extensionSpec = { clusterName: 'c', extensionType: 't', scope: 'cluster', releaseTrian: 'x' };
    expect(validators.Extension!(extensionSpec)).toBe(false);
    const viaValidate = validateFleetFiles([{ path: 'e.yaml', content: `apiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: { name: e }\nspec: ${JSON.stringify(extensionSpec)}\n` }]);
    expect(viaValidate.diagnostics.map((d) => d.code)).toEqual(['UnknownField']);

    expect(validators.ExtensionRepository!({ url: 'https://git.example.com/fleet.git', branch: 'main', path: 'fleet', interval: '1m30s', secretRef: { name: 'git' }, webhookSecretRef: { name: 'hook' } })).toBe(true);
    expect(validators.ExtensionRepository!({ url: 'https://git.example.com/fleet.git', interval: 'often' })).toBe(false);
  });
});
