import { closestMatch } from './closest-match.js';
import type { Diagnostic } from './diagnostic.js';
import { API_VERSION, type ManifestKind } from './fleet.js';
import { validateDocumentSchema } from './schema-validation.js';
import type { YamlDocument } from './yaml-documents.js';

export const MANIFEST_KINDS: readonly ManifestKind[] = ['ExtensionType', 'ConnectedCluster', 'Extension', 'ExtensionPolicy'];

/** A document that names one of our kinds. `valid` documents passed the schema: `value` has its shape. */
export interface ManifestDocument {
  doc: YamlDocument;
  kind: ManifestKind;
  /** metadata.name when it is a string (also for invalid documents, so references to them resolve). */
  name: string | undefined;
  value: Record<string, unknown>;
  valid: boolean;
}

/**
 * Works out what a document is (a mapping with a known `apiVersion` and `kind`) and checks it
 * against its kind's strict schema. A document with an unknown kind yields no manifest.
 */
export function classifyDocument(doc: YamlDocument): { manifest: ManifestDocument | undefined; diagnostics: Diagnostic[] } {
  const value = doc.value;
  const at = (pointer: string, key = false) => ({ file: doc.file, ...doc.locate(pointer, { key }), pointer });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : `a ${typeof value === 'string' ? 'string' : 'scalar'}`;
    return {
      manifest: undefined,
      diagnostics: [
        {
          ...at(''),
          severity: 'error',
          code: 'NotAMapping',
          message: `This document is ${what}, not a mapping; each document must be one object with apiVersion, kind, metadata and spec (separate documents with "---").`,
        },
      ],
    };
  }
  const object = value as Record<string, unknown>;
  const diagnostics: Diagnostic[] = [];
  const { apiVersion, kind } = object;
  if (apiVersion === undefined) {
    diagnostics.push({ ...at(''), pointer: '/apiVersion', severity: 'error', code: 'MissingField', message: `Required field "apiVersion" is missing; set apiVersion: ${API_VERSION}.` });
  } else if (apiVersion !== API_VERSION) {
    diagnostics.push({
      ...at('/apiVersion'),
      severity: 'error',
      code: 'UnknownApiVersion',
      message: `apiVersion ${JSON.stringify(apiVersion)} is not one clusterext reads; use ${API_VERSION}.`,
    });
  }
  if (kind === undefined) {
    diagnostics.push({
      ...at(''),
      pointer: '/kind',
      severity: 'error',
      code: 'MissingField',
      message: `Required field "kind" is missing; set it to one of ${MANIFEST_KINDS.join(', ')}.`,
    });
    return { manifest: undefined, diagnostics };
  }
  if (typeof kind !== 'string' || !(MANIFEST_KINDS as readonly string[]).includes(kind)) {
    const guess = typeof kind === 'string' ? closestMatch(kind, MANIFEST_KINDS) : undefined;
    diagnostics.push({
      ...at('/kind'),
      severity: 'error',
      code: 'UnknownKind',
      message: `kind ${JSON.stringify(kind)} is not a clusterext kind; ${guess ? `did you mean "${guess}"? The kinds are` : 'the kinds are'} ${MANIFEST_KINDS.join(', ')}.`,
    });
    return { manifest: undefined, diagnostics };
  }
  const schemaDiagnostics = doc.readable ? validateDocumentSchema(doc, kind as ManifestKind) : [];
  diagnostics.push(...schemaDiagnostics);
  const metadata = object.metadata;
  const name = metadata && typeof metadata === 'object' && typeof (metadata as { name?: unknown }).name === 'string' ? (metadata as { name: string }).name : undefined;
  return {
    manifest: { doc, kind: kind as ManifestKind, name, value: object, valid: doc.readable && schemaDiagnostics.length === 0 },
    diagnostics,
  };
}
