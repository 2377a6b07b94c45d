/**
 * A located problem in the manifests. `file` is relative to the fleet path, `line`/`column` are
 * 1-based and point at the offending YAML node, `pointer` is a JSON Pointer inside the document
 * (`/spec/version`). Validation collects every diagnostic; it never stops at the first one.
 */
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable CamelCase code, e.g. `InvalidSemver`, `UnknownField`, `DuplicateKey`. */
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
  pointer: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Deterministic order: file, line, column, code. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);
}
