import type { Diagnostic } from './diagnostic.js';
import { toJsonPointer } from './json-pointer.js';
import type { YamlDocument } from './yaml-documents.js';

/**
 * The numbers of a document that JSON, and so the plan, the config digest and Helm's values, cannot
 * carry as written: `.nan`, `.inf` and numbers too large for a double (`1e400`) would become null,
 * and an integer beyond 2^53 that a double does not hold exactly (`9007199254740993`) would be
 * rounded. A number is kept only when it is exactly what the user wrote (a float literal is the
 * double nearest to it, as YAML defines). Both YAML readers give the same values, so this check
 * gives the same answer whichever read the file.
 */
export function unrepresentableNumbers(doc: YamlDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  // An explicit stack: documents may nest deeper than the call stack allows.
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: doc.value, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'number') {
      const problem = numberProblem(value, () => doc.sourceText(toJsonPointer(path)));
      if (problem) {
        const pointer = toJsonPointer(path);
        out.push({ severity: 'error', code: 'UnrepresentableNumber', message: problem, file: doc.file, ...doc.locate(pointer), pointer });
      }
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] });
    }
  }
  return out;
}

const QUOTE = 'quote it to pass the text as a string';

function numberProblem(value: number, source: () => string | undefined): string | undefined {
  if (Number.isNaN(value)) return `The value ${source() ?? '.nan'} is "not a number", which JSON cannot carry (it would become null); ${QUOTE}, or write a number.`;
  if (!Number.isFinite(value)) {
    return `The number ${source() ?? (value > 0 ? '.inf' : '-.inf')} is beyond the range JSON carries (about ±1.8e308; it would become null); ${QUOTE}, or write a number within the range.`;
  }
  if (Number.isSafeInteger(value) || !Number.isInteger(value)) return undefined;
  const text = source();
  const written = text === undefined ? undefined : integerLiteral(text);
  if (written === undefined || written === BigInt(value)) return undefined;
  return `The integer ${text} is beyond 2^53, where a number is not exact, and would become ${BigInt(value)}; ${QUOTE}.`;
}

/** The value of a YAML 1.2 core-schema integer literal (`-12`, `0x1F`, `0o17`), or undefined for any other text. */
function integerLiteral(text: string): bigint | undefined {
  if (/^[-+]?[0-9]+$/.test(text)) return BigInt(text.replace(/^\+/, ''));
  if (/^0x[0-9a-fA-F]+$/.test(text) || /^0o[0-7]+$/.test(text)) return BigInt(text);
  return undefined;
}
