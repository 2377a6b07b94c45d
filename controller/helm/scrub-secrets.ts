import { parse } from 'yaml';

export const REDACTED = '[REDACTED]';

/**
 * Replaces every occurrence of each secret in `text` with [REDACTED], in one pass (so a
 * replacement is never scanned again), longest secret first. Each secret is also matched in the
 * forms Helm and Go print values in: JSON/Go-quoted (escaped) and base64 (a chart that puts a value
 * in a Secret's data).
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    const base64 = Buffer.from(secret, 'utf8').toString('base64');
    forms.add(base64);
    forms.add(base64.replace(/=+$/, ''));
  }
  forms.delete('');
  if (forms.size === 0) return text;
  const pattern = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
  return text.replace(new RegExp(pattern, 'g'), REDACTED);
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
 * every line of the file that is long enough to be one), so an error text can be cleaned of them.
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
    if (value.length >= 32) found.push(value);
  }
  return found;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
