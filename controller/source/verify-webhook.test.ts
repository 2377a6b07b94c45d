import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startWebhookVerification, verifyWebhook, webhookDeliveryId } from './verify-webhook.js';

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

  it('accepts nothing with an empty or absent token, whatever the proof', () => {
    for (const t of ['', undefined]) {
      expect(verifyWebhook({ 'x-hub-signature-256': github(body, '') }, body, t).ok).toBe(false);
      expect(verifyWebhook({ 'x-gitlab-token': '' }, body, t).ok).toBe(false);
      expect(verifyWebhook({ authorization: 'Bearer ' }, body, t).ok).toBe(false);
    }
  });

  it('decides from the headers alone when the body cannot change the verdict', () => {
    expect(startWebhookVerification({ 'x-gitlab-token': token }, token).early).toEqual({ ok: true, provider: 'gitlab' });
    expect(startWebhookVerification({}, token).early?.ok).toBe(false);
    expect(startWebhookVerification({ 'x-hub-signature-256': 'sha256=short' }, token).early?.ok).toBe(false);
    expect(startWebhookVerification({ 'x-hub-signature-256': github(body) }, token).early).toBeUndefined();
  });

  it('verifies a signature over a body that arrives in chunks', () => {
    const v = startWebhookVerification({ 'x-hub-signature-256': github(body).toUpperCase().replace('SHA256=', 'sha256=') }, token);
    v.update(body.subarray(0, 5));
    v.update(body.subarray(5));
    expect(v.finish()).toEqual({ ok: true, provider: 'github' });
  });

  it('finds the delivery id of GitHub, Gitea and GitLab', () => {
    expect(webhookDeliveryId({ 'x-github-delivery': 'a1' })).toBe('a1');
    expect(webhookDeliveryId({ 'x-gitea-delivery': 'b2' })).toBe('b2');
    expect(webhookDeliveryId({ 'x-gitlab-event-uuid': 'c3' })).toBe('c3');
    expect(webhookDeliveryId({})).toBeUndefined();
  });
});
