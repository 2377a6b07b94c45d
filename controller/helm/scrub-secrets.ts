import { parse } from 'yaml';

export const REDACTED = '[REDACTED]';

/**
 * The shortest run of a secret's characters that is redacted wherever it appears. A chart can
 * print any part of a value (`trunc 12`, `substr`), so matching only the whole value is not enough;
 * below this length a fragment says too little about the value to be worth the noise of redacting
 * every word that shares it. Values shorter than this are still redacted where they appear whole.
 */
export const SECRET_FRAGMENT_LENGTH = 8;

/**
 * Redacts every secret in `text`, in every form a chart or Helm can print it in: as written, JSON-
 * and Go-escaped (`toJson` writes `<>&` as `\u003c…`), URL-query-escaped (`urlquery`), hex, and
 * base64 or base64url at each of the three alignments (so `b64enc` of a value with anything before
 * it is caught), ignoring case (`upper`) and whitespace (a value wrapped across lines or indented),
 * and any run of at least SECRET_FRAGMENT_LENGTH characters of any of those forms (`trunc`).
 * Overlapping matches are merged into one [REDACTED]. Redacting too much is the safe side: the
 * text is an error message, not data.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  const fragments = new Set<string>();
  const shortForms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of secretForms(secret)) {
      const key = compactLower(form).chars.join('');
      if (key.length >= SECRET_FRAGMENT_LENGTH) {
        for (let i = 0; i + SECRET_FRAGMENT_LENGTH <= key.length; i++) fragments.add(key.slice(i, i + SECRET_FRAGMENT_LENGTH));
      } else if (key !== '') {
        shortForms.add(key);
      }
    }
  }
  if (fragments.size === 0 && shortForms.size === 0) return text;

  const { chars, origin } = compactLower(text);
  const compact = chars.join('');
  const covered = new Uint8Array(text.length + 1);
  const cover = (from: number, length: number) => {
    covered.fill(1, origin[from]!, origin[from + length - 1]! + 1);
  };
  for (let i = 0; i + SECRET_FRAGMENT_LENGTH <= compact.length; i++) {
    if (fragments.has(compact.slice(i, i + SECRET_FRAGMENT_LENGTH))) cover(i, SECRET_FRAGMENT_LENGTH);
  }
  for (const key of shortForms) {
    for (let at = compact.indexOf(key); at >= 0; at = compact.indexOf(key, at + 1)) cover(at, key.length);
  }

  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) out += text[i];
    else if (i === 0 || !covered[i - 1]) out += REDACTED;
  }
  return out;
}

/** The ways a value reaches Helm's output: as written and through the encodings templates offer. */
function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = [
    secret,
    json,
    // Go's encoding/json (toJson, Helm's own JSON) escapes HTML characters and line separators.
    json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'),
    encodeURIComponent(secret),
    // Go's url.QueryEscape (the `urlquery` template function): space as +, and it escapes !'()*.
    encodeURIComponent(secret).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    bytes.toString('hex'),
  ];
  for (const offset of [0, 1, 2]) {
    const encoded = alignedBase64(bytes, offset);
    forms.push(encoded, encoded.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/**
 * The base64 characters that depend only on `bytes` when they follow `offset` bytes of anything
 * and are followed by anything: the middle of the encoding of every text that contains them.
 */
function alignedBase64(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  const first = Math.ceil((offset * 8) / 6);
  const last = Math.floor(((offset + bytes.length) * 8) / 6);
  return encoded.slice(first, last);
}

/**
 * `text` lower-cased with whitespace removed, one entry per remaining UTF-16 unit, and where each
 * entry came from in `text`.
 */
function compactLower(text: string): { chars: string[]; origin: number[] } {
  const chars: string[] = [];
  const origin: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) continue;
    const lower = c.toLowerCase();
    chars.push(lower.length === 1 ? lower : c);
    origin.push(i);
  }
  return { chars, origin };
}

/** Every leaf of a values tree as text: the strings that must never leave the values file. */
export function leafStrings(values: unknown): string[] {
  if (values === null || values === undefined) return [];
  if (Array.isArray(values)) return values.flatMap(leafStrings);
  if (typeof values === 'object') return Object.values(values as Record<string, unknown>).flatMap(leafStrings);
  return [String(values)];
}

/**
 * The credential strings of a kubeconfig (tokens, passwords, client keys and certificates, and
 * every value in the file that looks like one: long and made of token characters), so an error
 * text can be cleaned of them. Server URLs and names are not secrets and stay readable.
 */
export function kubeconfigSecrets(kubeconfig: string): string[] {
  const found: string[] = [];
  try {
    const doc = parse(kubeconfig) as { users?: { user?: Record<string, unknown> }[] } | null;
    for (const u of doc?.users ?? []) {
      for (const key of ['token', 'password', 'client-key-data', 'client-certificate-data']) {
        const v = u.user?.[key];
        if (typeof v === 'string' && v !== '') found.push(v);
      }
    }
  } catch {
    // an unparsable kubeconfig still has its long lines scrubbed below
  }
  for (const line of kubeconfig.split('\n')) {
    const value = line.replace(/^[^:]*:\s*/, '').trim();
    if (/^["']?[A-Za-z0-9+/=._~-]{32,}["']?$/.test(value)) found.push(value.replace(/^["']|["']$/g, ''));
  }
  return found;
}
