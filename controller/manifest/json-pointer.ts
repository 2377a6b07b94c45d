/**
 * A JSON Pointer (RFC 6901) that names a field: one or more non-empty segments, "~" only as "~0" or
 * "~1". The schema of `driftIgnore[].path`; `jsonPointerProblem` says what is wrong with another.
 */
export const JSON_POINTER_PATTERN = '^(/([^~/]|~[01])+)+$';

/** Why `path` is not a JSON Pointer naming a field (JSON_POINTER_PATTERN), with the valid form; undefined when it is one. */
export function jsonPointerProblem(path: string): string | undefined {
  if (path === '' || path === '/') return `${JSON.stringify(path)} names no field (it would cover the whole object); name one, e.g. "/spec/replicas"`;
  if (!path.startsWith('/')) return `${JSON.stringify(path)} is not a JSON Pointer: it must start with "/"; did you mean "/${path.replace(/^\.+/, '').replace(/\./g, '/')}"?`;
  const badEscape = /~(?![01])/.exec(path);
  if (badEscape) return `${JSON.stringify(path)} has "~" not followed by 0 or 1 at character ${badEscape.index + 1}; write "~0" for "~" and "~1" for "/"`;
  if (path.endsWith('/')) return `${JSON.stringify(path)} ends with "/"; remove it`;
  if (path.includes('//')) return `${JSON.stringify(path)} has an empty segment ("//"); remove the extra "/"`;
  return undefined;
}

/** RFC 6901 JSON Pointers, the `pointer` of every diagnostic. */
export function toJsonPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `/spec/releaseTrains/stable/name` → `spec.releaseTrains.stable.name`, `/a/0/b` → `a[0].b`, for messages. */
export function describePointer(pointer: string): string {
  let out = '';
  for (const segment of parseJsonPointer(pointer)) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? 'the document' : out;
}
