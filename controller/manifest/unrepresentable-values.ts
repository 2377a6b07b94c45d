import type { Diagnostic } from './diagnostic.js';
import { toJsonPointer } from './json-pointer.js';
import type { YamlDocument } from './yaml-documents.js';

/**
 * The values of a document that JSON, Helm's values and the plan cannot carry as written: the
 * numbers below, and text holding a lone UTF-16 surrogate (see `loneSurrogate`).
 *
 * The numbers of a document that JSON, and so the plan, the config digest and Helm's values, cannot
 * carry as written: `.nan`, `.inf` and numbers too large for a double (`1e400`) would become null,
 * and an integer beyond 2^53 that a double does not hold exactly (`9007199254740993`) would be
 * rounded. A number is kept only when it is exactly what the user wrote (a float literal is the
 * double nearest to it, as YAML defines). Both YAML readers give the same values, so this check
 * gives the same answer whichever read the file.
 */
export function unrepresentableValues(doc: YamlDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  // An explicit stack: documents may nest deeper than the call stack allows.
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: doc.value, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) out.push(loneSurrogate(doc, path, 'value', value));
    } else if (typeof value === 'number') {
      const problem = numberProblem(value, () => doc.sourceText(toJsonPointer(path)));
      if (problem) {
        const pointer = toJsonPointer(path);
        out.push({ severity: 'error', code: 'UnrepresentableNumber', message: problem, file: doc.file, ...doc.locate(pointer), pointer });
      }
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        if (LONE_SURROGATE.test(key)) out.push(loneSurrogate(doc, [...path, key], 'key', key));
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return out;
}

/** With the `u` flag a surrogate class matches only a surrogate that is not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A double-quoted `"\ud800"` (or half of a pair) is no Unicode character: UTF-8, and so the
 * values file handed to Helm, cannot encode it (it would become U+FFFD), like the invalid bytes
 * that are InvalidUtf8.
 */
function loneSurrogate(doc: YamlDocument, path: (string | number)[], where: 'key' | 'value', text: string): Diagnostic {
  const pointer = toJsonPointer(path);
  const unit = text.match(LONE_SURROGATE)![0].charCodeAt(0).toString(16);
  return {
    severity: 'error',
    code: 'LoneSurrogate',
    message: `This ${where} holds the escape \\u${unit}, half of a UTF-16 surrogate pair without its other half, which is not a Unicode character and cannot be written as UTF-8 (Helm would get U+FFFD); write the character itself, or both halves of the pair, or one \\U escape (\\U0001F600).`,
    file: doc.file,
    ...doc.locate(pointer, where === 'key' ? { key: true } : undefined),
    pointer,
  };
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
