import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookVerdict = { ok: true; provider: 'github' | 'gitlab' | 'generic' } | { ok: false; reason: string };

/**
 * Checks that a push notification comes from someone who holds the repository's webhook token:
 * GitHub / Gitea (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>`), GitLab
 * (`X-Gitlab-Token: <token>`), or a generic `Authorization: Bearer <token>`. Comparisons are in
 * constant time. The token never appears in a reason.
 */
export function verifyWebhook(headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer, token: string): WebhookVerdict {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const signature = header('x-hub-signature-256');
  if (signature !== undefined) {
    const expected = `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
    return equal(signature, expected) ? { ok: true, provider: 'github' } : { ok: false, reason: 'The X-Hub-Signature-256 signature does not match the body.' };
  }
  const gitlab = header('x-gitlab-token');
  if (gitlab !== undefined) return equal(gitlab, token) ? { ok: true, provider: 'gitlab' } : { ok: false, reason: 'The X-Gitlab-Token does not match.' };
  const authorization = header('authorization');
  if (authorization?.startsWith('Bearer ')) {
    return equal(authorization.slice('Bearer '.length), token) ? { ok: true, provider: 'generic' } : { ok: false, reason: 'The bearer token does not match.' };
  }
  return { ok: false, reason: 'The request carries no X-Hub-Signature-256, X-Gitlab-Token or bearer token.' };
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
