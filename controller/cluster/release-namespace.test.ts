import { describe, expect, it } from 'vitest';
import { fakeKubeRest } from '../../test/support/fake-kube-rest.js';
import { CREATED_FOR_LABEL, createReleaseNamespace } from './release-namespace.js';

/** A namespace store that answers like the API server, deleting a namespace after two more reads. */
function fakeKube(existing?: Record<string, string>): ReturnType<typeof fakeKubeRest> & { methods(): string[] } {
  let labels = existing;
  let readsUntilGone = -1;
  const kube = fakeKubeRest((req) => {
    if (req.method === 'POST') {
      if (labels) return { status: 409, body: {} };
      labels = (req.body as { metadata: { labels: Record<string, string> } }).metadata.labels;
      return { status: 201, body: {} };
    }
    if (req.method === 'DELETE') {
      readsUntilGone = 2;
      return { status: 200, body: {} };
    }
    if (readsUntilGone === 0 || !labels) return { status: 404, body: {} };
    if (readsUntilGone > 0) readsUntilGone -= 1;
    return { status: 200, body: { metadata: { labels } } };
  });
  return Object.assign(kube, { methods: () => kube.requests.map((r) => r.method) });
}

const noDelay = { delay: async () => undefined, pollMs: 10 };

describe('createReleaseNamespace', () => {
  it('creates and marks a missing namespace, then deletes it and waits until it is gone', async () => {
    const kube = fakeKube();
    const ns = createReleaseNamespace(kube, 'monitoring', 'monitor', noDelay);
    await ns.claim();
    expect(await ns.remove(1000)).toBe(true);
    expect(kube.methods()).toEqual(['POST', 'GET', 'DELETE', 'GET', 'GET', 'GET']);
  });

  it('never deletes a namespace that existed before, or was created for another release', async () => {
    for (const labels of [{}, { [CREATED_FOR_LABEL]: 'other' }] as Record<string, string>[]) {
      const kube = fakeKube(labels);
      const ns = createReleaseNamespace(kube, 'monitoring', 'monitor', noDelay);
      await ns.claim();
      expect(await ns.remove(1000)).toBe(false);
      expect(kube.methods()).not.toContain('DELETE');
    }
  });

  it('says which namespace is still being deleted when the timeout passes', async () => {
    const kube = fakeKube();
    const ns = createReleaseNamespace(kube, 'monitoring', 'monitor', { delay: async () => undefined, pollMs: 100 });
    await ns.claim();
    await expect(ns.remove(100)).rejects.toMatchObject({ code: 'NamespaceNotDeleted', message: expect.stringContaining('Namespace "monitoring"') });
  });
});
