import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from './verify-webhook.js';

const token = 'hook-token-3b9e';
const body = Buffer.from('{"ref":"refs/heads/main"}');
const github = (b: Buffer, t = token) => `sha256=${createHmac('sha256', t).update(b).digest('hex')}`;

describe('verifyWebhook', () => {
  it('accepts a GitHub signature over the exact body and rejects a changed body or another token', () => {
    expect(verifyWebhook({ 'x-hub-signature-256': github(body) }, body, token)).toEqual({ ok: true, provider: 'github' });
    expect(verifyWebhook({ 'x-hub-signature-256': github(body) }, Buffer.from('{"ref":"refs/heads/evil"}'), token).ok).toBe(false);
    expect(verifyWebhook({ 'x-hub-signature-256': github(body, 'other') }, body, token).ok).toBe(false);
  });

  it('accepts the GitLab token and a bearer token, and nothing else', () => {
    expect(verifyWebhook({ 'x-gitlab-token': token }, body, token)).toEqual({ ok: true, provider: 'gitlab' });
    expect(verifyWebhook({ authorization: `Bearer ${token}` }, body, token)).toEqual({ ok: true, provider: 'generic' });
    expect(verifyWebhook({ 'x-gitlab-token': `${token}x` }, body, token).ok).toBe(false);
    expect(verifyWebhook({}, body, token).ok).toBe(false);
  });

  it('never repeats the token in its reason', () => {
    const verdict = verifyWebhook({ 'x-gitlab-token': 'wrong' }, body, token);
    expect(verdict.ok).toBe(false);
    expect(JSON.stringify(verdict)).not.toContain(token);
  });
});
