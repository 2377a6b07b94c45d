import { describe, expect, it } from 'vitest';
import { WebhookTokenCache, type RepositoryWebhookRef } from './webhook-token-cache.js';

function setUp(list: RepositoryWebhookRef[] = [{ name: 'fleet', webhookSecret: 'fleet-webhook' }, { name: 'plain', webhookSecret: undefined }]) {
  const calls = { list: 0, token: 0 };
  const clock = { t: 1_000_000 };
  const secrets: Record<string, string> = { 'fleet-webhook': 'token-1' };
  const cache = new WebhookTokenCache(
    {
      listRepositories: async () => {
        calls.list++;
        await Promise.resolve();
        return list;
      },
      readToken: async (name) => {
        calls.token++;
        await Promise.resolve();
        return secrets[name];
      },
    },
    { ttlMs: 30_000, now: () => clock.t },
  );
  return { cache, calls, clock, secrets };
}

describe('WebhookTokenCache', () => {
  it('answers a flood of requests, to known and unknown repositories at once, with one list and one Secret read', async () => {
    const t = setUp();
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => t.cache.tokenFor(i % 2 ? 'fleet' : `nope-${i}`)));
    expect(answers.filter((a) => a === 'token-1')).toHaveLength(500);
    expect(answers.filter((a) => a === undefined)).toHaveLength(500);
    expect(await t.cache.tokenFor('plain')).toBeUndefined();
    expect(t.calls).toEqual({ list: 1, token: 1 });
  });

  it('reads the list and the token again once they are older than the TTL, so a rotated token takes effect', async () => {
    const t = setUp();
    expect(await t.cache.tokenFor('fleet')).toBe('token-1');
    t.secrets['fleet-webhook'] = 'token-2';
    t.clock.t += 29_999;
    expect(await t.cache.tokenFor('fleet')).toBe('token-1');
    t.clock.t += 1;
    expect(await t.cache.tokenFor('fleet')).toBe('token-2');
    expect(t.calls).toEqual({ list: 2, token: 2 });
  });

  it('takes the list a pass read: no list of its own while passes run, and a new repository is known at once', async () => {
    const t = setUp([]);
    t.cache.observeRepositories([{ name: 'new-fleet', webhookSecret: 'fleet-webhook' }]);
    expect(await t.cache.tokenFor('new-fleet')).toBe('token-1');
    expect(t.calls).toEqual({ list: 0, token: 1 });
  });

  it('does not remember a failed read', async () => {
    const t = setUp();
    let fail = true;
    const cache = new WebhookTokenCache(
      {
        listRepositories: async () => [{ name: 'fleet', webhookSecret: 's' }],
        readToken: async () => {
          if (fail) throw new Error('connection reset');
          return 'token';
        },
      },
      { ttlMs: 30_000, now: () => t.clock.t },
    );
    await expect(cache.tokenFor('fleet')).rejects.toThrow('connection reset');
    fail = false;
    expect(await cache.tokenFor('fleet')).toBe('token');
  });
});
