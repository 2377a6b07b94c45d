/**
 * The subset of OpenAPI v3 that Kubernetes accepts as a structural CRD schema, which is also valid
 * JSON Schema 2020-12 for ajv. Deliberately no `$ref`, `$schema`, `oneOf` or `additionalProperties`
 * next to `properties`: the API server rejects those, and our schemas are written once for both.
 */
export interface OpenApiSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  /** Only for maps (objects without `properties`). */
  additionalProperties?: OpenApiSchema;
  items?: OpenApiSchema;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  format?: string;
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
}

/**
 * The keywords above that ajv does not know. They are annotations for the API server only; ajv is
 * told about them so that its strict mode accepts the shared schemas unchanged.
 */
export const KUBERNETES_EXTENSION_KEYWORDS = ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys'] as const;

/**
 * The strict form ajv validates manifests with: every object that lists `properties` gets
 * `additionalProperties: false`, so unknown fields are errors where the API server would prune them.
 */
export function toStrictJsonSchema(schema: OpenApiSchema): Record<string, unknown> {
  const out: Record<string, unknown> = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, toStrictJsonSchema(value)]));
    out.additionalProperties = false;
  }
  if (schema.additionalProperties) out.additionalProperties = toStrictJsonSchema(schema.additionalProperties);
  if (schema.items) out.items = toStrictJsonSchema(schema.items);
  return out;
}
