import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type WebhookProvider = 'github' | 'gitlab' | 'generic';
export type WebhookVerdict = { ok: true; provider: WebhookProvider } | { ok: false; reason: string };
type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Verifies one push notification as its body streams in, so nothing of the body is kept: the
 * verdict is known from the headers (`early`) or after the last chunk (`finish`).
 */
export interface WebhookVerification {
  /** The verdict when the headers decide it (a token header, or no usable proof); the body is then not needed. */
  early?: WebhookVerdict;
  update(chunk: Buffer): void;
  finish(): WebhookVerdict;
}

/**
 * Checks that a push notification comes from someone who holds the repository's webhook token:
 * GitHub / Gitea (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>`), GitLab
 * (`X-Gitlab-Token: <token>`), or a generic `Authorization: Bearer <token>`. Comparisons are in
 * constant time; an empty token accepts nothing. `token` undefined (no such repository, or no
 * token) goes through the same steps against a random key, so the answer does not tell whether
 * the repository exists. The token never appears in a reason.
 */
export function startWebhookVerification(headers: Headers, token: string | undefined): WebhookVerification {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const usable = token !== undefined && token !== '';
  const key = usable ? token : randomBytes(32).toString('hex');
  const decided = (verdict: WebhookVerdict): WebhookVerification => ({ early: verdict, update: () => undefined, finish: () => verdict });
  const refused = (reason: string): WebhookVerdict => ({ ok: false, reason: usable ? reason : 'The repository has no webhook token.' });

  const signature = header('x-hub-signature-256');
  if (signature !== undefined) {
    if (!/^sha256=[0-9a-f]{64}$/i.test(signature)) return decided({ ok: false, reason: 'The X-Hub-Signature-256 header is not sha256=<64 hex digits>.' });
    const hmac = createHmac('sha256', key);
    return {
      update: (chunk) => hmac.update(chunk),
      finish: () => (equal(signature.toLowerCase(), `sha256=${hmac.digest('hex')}`) && usable ? { ok: true, provider: 'github' } : refused('The X-Hub-Signature-256 signature does not match the body.')),
    };
  }
  const gitlab = header('x-gitlab-token');
  if (gitlab !== undefined) return decided(equal(gitlab, key) && usable ? { ok: true, provider: 'gitlab' } : refused('The X-Gitlab-Token does not match.'));
  const authorization = header('authorization');
  if (authorization?.startsWith('Bearer ')) {
    return decided(equal(authorization.slice('Bearer '.length), key) && usable ? { ok: true, provider: 'generic' } : refused('The bearer token does not match.'));
  }
  return decided({ ok: false, reason: 'The request carries no X-Hub-Signature-256, X-Gitlab-Token or bearer token.' });
}

/** Verifies a whole body at once (see startWebhookVerification). */
export function verifyWebhook(headers: Headers, body: Buffer, token: string | undefined): WebhookVerdict {
  const verification = startWebhookVerification(headers, token);
  if (verification.early) return verification.early;
  verification.update(body);
  return verification.finish();
}

/**
 * The id the sender gives this delivery (GitHub, Gitea, GitLab, or a generic Idempotency-Key /
 * X-Request-Id), by which a replayed request is recognised; undefined when there is none.
 */
export function webhookDeliveryId(headers: Headers): string | undefined {
  for (const name of ['x-github-delivery', 'x-gitea-delivery', 'x-gitlab-event-uuid', 'idempotency-key', 'x-request-id']) {
    const value = headers[name];
    const id = Array.isArray(value) ? value[0] : value;
    if (id !== undefined && id !== '') return id.slice(0, 200);
  }
  return undefined;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
