import type { Diagnostic, Severity } from '../manifest/diagnostic.js';
import type { SourceRef } from '../manifest/fleet.js';

/** A diagnostic located at a manifest, for problems the desired-state stage finds after validation. */
export function planDiagnostic(options: { severity: Severity; code: string; message: string; source: SourceRef; pointer: string }): Diagnostic {
  const { severity, code, message, source, pointer } = options;
  return { severity, code, message, file: source.file, line: source.line, column: source.column, pointer };
}
