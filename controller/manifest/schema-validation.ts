import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { closestMatch } from './closest-match.js';
import type { Diagnostic } from './diagnostic.js';
import type { ManifestKind } from './fleet.js';
import { describePointer, JSON_POINTER_PATTERN, jsonPointerProblem, parseJsonPointer, toJsonPointer } from './json-pointer.js';
import { KUBERNETES_EXTENSION_KEYWORDS, toStrictJsonSchema, type OpenApiSchema } from './openapi-schema.js';
import {
  ARCHITECTURE_PATTERN,
  CHART_NAME_PATTERN,
  CHART_REPOSITORY_PATTERN,
  DNS1123_LABEL_PATTERN,
  DNS1123_SUBDOMAIN_PATTERN,
  documentSchema,
  DRIFT_IGNORE_RULE_SCHEMA,
  DURATION_PATTERN,
  KIND_PATTERN,
  SECRET_KEY_PATTERN,
} from './schemas.js';
import { checkChartVersion, describeSemverProblem, PREFIXABLE_SEMVER_PATTERN } from './strict-semver.js';
import { parseYamlDocuments, type YamlDocument } from './yaml-documents.js';

/** A strict ajv (draft 2020-12) that also accepts the `x-kubernetes-*` annotations of CRD schemas. */
export function createStrictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
  ajv.addVocabulary([...KUBERNETES_EXTENSION_KEYWORDS]);
  return ajv;
}

/** Compiles the strict form of an OpenAPI schema, e.g. a CRD's spec schema. */
export function compileStrictSchema(ajv: Ajv2020, schema: OpenApiSchema): ValidateFunction {
  return ajv.compile(toStrictJsonSchema(schema));
}

let validators: Map<ManifestKind, ValidateFunction> | undefined;

function validatorFor(kind: ManifestKind): ValidateFunction {
  if (!validators) {
    const ajv = createStrictAjv();
    validators = new Map(
      (['ExtensionType', 'ConnectedCluster', 'Extension', 'ExtensionPolicy'] as const).map((k) => [k, compileStrictSchema(ajv, documentSchema(k))]),
    );
  }
  return validators.get(kind)!;
}

/** Every schema problem of one document, located on its YAML node, with a hint where one helps. */
export function validateDocumentSchema(doc: YamlDocument, kind: ManifestKind): Diagnostic[] {
  const validate = validatorFor(kind);
  if (validate(doc.value)) return [];
  return (validate.errors ?? []).map((error) => toDiagnostic(doc, error));
}

let driftIgnoreRuleValidator: ValidateFunction | undefined;

/**
 * The schema problems of one drift ignore rule given outside a manifest (`--drift-ignore`): checked
 * by the schema of `spec.driftIgnore[]` and worded as validateDocumentSchema words them there
 * (`path "spec/replicas" is not a JSON Pointer: it must start with "/"; did you mean …`).
 */
export function driftIgnoreRuleProblems(rule: { path: string; kind?: string; name?: string }): string[] {
  driftIgnoreRuleValidator ??= compileStrictSchema(createStrictAjv(), DRIFT_IGNORE_RULE_SCHEMA);
  if (driftIgnoreRuleValidator(rule)) return [];
  const errors = driftIgnoreRuleValidator.errors ?? [];
  // JSON is YAML: the rule as a document of its own, so the manifest's wording applies unchanged.
  const doc = parseYamlDocuments('--drift-ignore', JSON.stringify(rule)).documents[0]!;
  return errors.map((error) => toDiagnostic(doc, error).message);
}

function toDiagnostic(doc: YamlDocument, error: ErrorObject): Diagnostic {
  const path = error.instancePath;
  const at = (pointer: string, key = false) => ({ file: doc.file, ...doc.locate(pointer, { key }), pointer });
  const where = describePointer(path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const guess = closestMatch(field, known);
      const hint = guess ? `did you mean "${guess}"?` : `the fields here are ${known.map((k) => `"${k}"`).join(', ')}.`;
      return {
        ...at(toJsonPointer([...parseJsonPointer(path), field]), true),
        severity: 'error',
        code: 'UnknownField',
        message: `Unknown field "${field}" in ${where}; ${hint}`,
      };
    }
    case 'required': {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      return {
        ...at(path, true),
        pointer: toJsonPointer([...parseJsonPointer(path), field]),
        severity: 'error',
        code: 'MissingField',
        message: `Required field "${field}" is missing from ${where}.`,
      };
    }
    case 'type':
      return { ...at(path), severity: 'error', code: 'WrongType', message: wrongTypeMessage(doc, path, String((error.params as { type: string }).type), error.data) };
    case 'enum': {
      const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const guess = typeof error.data === 'string' ? closestMatch(error.data, allowed) : undefined;
      return {
        ...at(path),
        severity: 'error',
        code: 'InvalidValue',
        message: `${where} is ${JSON.stringify(error.data)}; allowed values are ${allowed.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}.`,
      };
    }
    case 'pattern':
      return patternDiagnostic(at(path), where, String((error.params as { pattern: string }).pattern), String(error.data));
    case 'maxLength':
    case 'minLength':
    case 'maxItems':
    case 'minItems':
    case 'minimum':
      return { ...at(path), severity: 'error', code: 'InvalidValue', message: `${where} ${ajvMessage(error)}.` };
    default:
      return { ...at(path), severity: 'error', code: 'SchemaViolation', message: `${where} ${ajvMessage(error)}.` };
  }
}

function ajvMessage(error: ErrorObject): string {
  return error.message ?? `fails the "${error.keyword}" rule`;
}

const TYPE_NAMES: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean' };

function describeValue(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return TYPE_NAMES[typeof value] ?? typeof value;
}

function wrongTypeMessage(doc: YamlDocument, path: string, expected: string, value: unknown): string {
  const where = describePointer(path);
  const wanted = expected.split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ');
  const key = parseJsonPointer(path).at(-1) ?? 'value';
  if (value === null) {
    return `${where} is empty (YAML reads a missing value, "~" or "null" as null); give it ${wanted} or remove "${key}".`;
  }
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    const source = doc.sourceText(path) ?? String(value);
    return `${where} must be a string, but YAML reads ${source} as ${describeValue(value)}; quote it: ${key}: "${source}".`;
  }
  return `${where} must be ${wanted}, not ${describeValue(value)}.`;
}

interface PatternRule {
  code: string;
  describe: string;
}

const PATTERNS: Record<string, PatternRule> = {
  [DNS1123_LABEL_PATTERN]: {
    code: 'InvalidName',
    describe: 'a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
  },
  [DNS1123_SUBDOMAIN_PATTERN]: {
    code: 'InvalidName',
    describe: 'a DNS-1123 subdomain: dot-separated DNS-1123 labels (lower-case letters, digits and "-"), at most 253 characters',
  },
  [CHART_REPOSITORY_PATTERN]: { code: 'InvalidFormat', describe: 'a chart repository URL starting with https://, http:// or oci://' },
  [CHART_NAME_PATTERN]: { code: 'InvalidFormat', describe: 'a chart name: lower-case letters, digits, "-", "_" and "."' },
  [SECRET_KEY_PATTERN]: { code: 'InvalidFormat', describe: 'a Secret key: letters, digits, "-", "_" and "."' },
  [DURATION_PATTERN]: { code: 'InvalidFormat', describe: 'a duration such as 30s, 5m or 1h30m' },
  [ARCHITECTURE_PATTERN]: { code: 'InvalidFormat', describe: 'a kubernetes.io/arch value such as amd64 or arm64' },
  [KIND_PATTERN]: { code: 'InvalidFormat', describe: 'a Kubernetes kind such as Deployment or ConfigMap' },
};

function patternDiagnostic(at: Pick<Diagnostic, 'file' | 'line' | 'column' | 'pointer'>, where: string, pattern: string, value: string): Diagnostic {
  if (pattern === PREFIXABLE_SEMVER_PATTERN) {
    // Read as generously as any type could (a "v" allowed): the fleet rules say when the type does not.
    const check = checkChartVersion(value, 'v');
    const message = check.ok ? `${where} ${JSON.stringify(value)} is not a strict SemVer 2.0.0 version.` : describeSemverProblem(where, value, check);
    return { ...at, severity: 'error', code: 'InvalidSemver', message };
  }
  if (pattern === JSON_POINTER_PATTERN) {
    const problem = jsonPointerProblem(value) ?? `${JSON.stringify(value)} is not a JSON Pointer`;
    return { ...at, severity: 'error', code: 'InvalidJsonPointer', message: `${where} ${problem}${problem.endsWith('?') ? '' : '.'}` };
  }
  const rule = PATTERNS[pattern] ?? { code: 'InvalidFormat', describe: `a string matching ${pattern}` };
  return { ...at, severity: 'error', code: rule.code, message: `${where} ${JSON.stringify(value)} must be ${rule.describe}.` };
}
