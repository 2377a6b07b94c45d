import { describe, expect, it } from 'vitest';
import { connectedCluster, extensionType, fleet } from '../../test/support/fleet-builder.js';
import type { Fleet } from '../manifest/fleet.js';
import type { HelmPort } from '../reconcile/release-ports.js';
import type { ChartIndexReader } from '../source/chart-index.js';
import type { Condition } from '../status/condition.js';
import { ControllerManager } from './controller-manager.js';
import { CR_PLURALS } from './cr-store.js';
import type { KubeRest, KubeRestRequest, KubeRestResponse } from './kube-rest.js';
import type { Logger } from './logger.js';
import { REPOSITORY_LABEL } from './mirrored-resources.js';
import type { ExtensionRepositoryStatus } from './repository-status.js';

const NS = 'clusterext-system';
const BASE = `/apis/clusterext.io/v1alpha1/namespaces/${NS}`;
const PLURALS = new Set<string>(Object.values(CR_PLURALS));

type Stored = { metadata: { name: string; namespace?: string; labels?: Record<string, string>; generation?: number; finalizers?: string[] }; spec?: unknown; status?: Record<string, unknown> };

/**
 * An in-memory API server with just what a pass uses: CRs in one namespace (list by label,
 * server-side apply, status merge, delete), Secrets and Events. `fail` throws for matching requests,
 * the way a broken connection or a bug in a stage would.
 */
function fakeHub() {
  const objects = new Map<string, Stored>();
  const requests: KubeRestRequest[] = [];
  const state = { fail: undefined as ((req: KubeRestRequest) => boolean) | undefined };
  const ok = <T>(body: unknown, status = 200): KubeRestResponse<T> => ({ status, body: structuredClone(body) as T });
  const hub: KubeRest = {
    server: 'https://fake-hub',
    get requestCount() {
      return requests.length;
    },
    close() {},
    async request<T>(req: KubeRestRequest): Promise<KubeRestResponse<T>> {
      requests.push(req);
      if (state.fail?.(req)) throw new Error(`connection reset while ${req.method} ${req.path}`);
      const [path = '', query = ''] = req.path.split('?');
      const body = req.body as Stored & { stringData?: Record<string, string> };
      if (req.method === 'GET') {
        const found = objects.get(path);
        if (found) return ok(found);
        if (!PLURALS.has(path.split('/').pop()!)) return ok({}, 404);
        const selector = new URLSearchParams(query).get('labelSelector');
        // `key=value` or, for a bare `key`, that the label exists.
        const [key, value] = selector ? selector.split('=') : [];
        const matches = (o: Stored) => !key || (value === undefined ? o.metadata.labels?.[key] !== undefined : o.metadata.labels?.[key] === value);
        const items = [...objects.entries()].filter(([p, o]) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/') && matches(o)).map(([, o]) => o);
        return ok({ items });
      }
      if (req.method === 'POST') {
        if (path.endsWith('/secrets')) {
          const data = Object.fromEntries(Object.entries(body.stringData ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
          objects.set(`${path}/${body.metadata.name}`, { metadata: body.metadata, data } as Stored);
        }
        return ok({}, 201);
      }
      if (req.method === 'DELETE') {
        objects.delete(path);
        return ok({});
      }
      if (path.endsWith('/status')) {
        const target = objects.get(path.slice(0, -'/status'.length));
        if (!target) return ok({}, 404);
        target.status = { ...target.status, ...(body.status ?? {}) };
        return ok(target);
      }
      const existing = objects.get(path);
      if (req.contentType === 'application/apply-patch+yaml') {
        const next: Stored = { ...existing, ...body, metadata: { ...existing?.metadata, ...body.metadata, generation: 1 }, ...(existing?.status ? { status: existing.status } : {}) };
        objects.set(path, next);
        return ok(next);
      }
      if (!existing) return ok({}, 404);
      existing.metadata = { ...existing.metadata, ...body.metadata };
      return ok(existing);
    },
  };
  return { hub, objects, requests, state };
}

const silent: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const noHelm: HelmPort = {
  upgradeInstall: async () => expect.unreachable('no release is installed in this test'),
  rollback: async () => expect.unreachable('no release is rolled back in this test'),
  uninstall: async () => expect.unreachable('nothing may be uninstalled in this test'),
};

/** A repository's revisions: a type of its own and a cluster no kubeconfig reaches (so no helm). */
function revision(repo: string, chartRepository: string, marker: string): Fleet {
  return fleet({
    extensionTypes: [extensionType(`${repo}-type`, { chart: { repository: chartRepository, name: marker } })],
    clusters: [connectedCluster(`${repo}-cluster`)],
  });
}

function setUp() {
  const { hub, objects, requests, state } = fakeHub();
  for (const name of ['a-fleet', 'b-fleet']) {
    objects.set(`${BASE}/extensionrepositories/${name}`, { metadata: { name, namespace: NS, generation: 1 }, spec: { url: `https://git.example/${name}.git`, interval: '1ms' } });
  }
  const heads: Record<string, string> = { 'a-fleet': 'a1', 'b-fleet': 'b1' };
  const revisions = new Map<string, Fleet>([
    ['a1', revision('a', 'https://charts-a.example', 'one')],
    ['a2', revision('a', 'https://charts-a.example', 'two')],
    ['b1', revision('b', 'https://charts-b.example', 'one')],
    ['b2', revision('b', 'https://charts-b.example', 'two')],
  ]);
  const chartIndex: ChartIndexReader = {
    readIndex: async (url) => {
      if (url.includes('hostile')) throw new TypeError('terminated');
      return 'apiVersion: v1\nentries:\n  one: [{version: 1.0.0}]\n  two: [{version: 1.0.0}]\n';
    },
  };
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const manager = new ControllerManager({
    hub,
    namespace: NS,
    cacheDir: '/nonexistent',
    helm: noHelm,
    chartIndex,
    // Each reading moves the clock on by a millisecond, so every pass is due to fetch (interval 1ms).
    clock: { now: () => (clock.t += 1), sleep: async () => {} },
    logger: silent,
    fleet: { concurrency: 2, clusterConcurrency: 1, maxUninstallShare: 0.5, contactIntervalMs: 60_000, reconcilePolicy: {} },
    chartIndexTtlMs: 1,
    resyncIntervalMs: 1000,
    repositorySource: {
      fetch: async ({ url }) => {
        const name = /\/([a-z-]+)\.git$/.exec(url)![1]!;
        return { commit: heads[name]!, repoDir: `/fake/${name}` };
      },
      load: async ({ rev }) => {
        const loaded = revisions.get(rev);
        if (!loaded) throw new RangeError('Maximum call stack size exceeded');
        return { commit: rev, fleet: loaded, diagnostics: [] };
      },
    },
  });
  const status = (name: string) => objects.get(`${BASE}/extensionrepositories/${name}`)?.status as ExtensionRepositoryStatus | undefined;
  const condition = (name: string, type: string): Condition | undefined => status(name)?.conditions.find((c) => c.type === type);
  return { manager, objects, requests, state, heads, revisions, status, condition, clock };
}

/** The containment boundary of a pass: whatever fails for one repository stays with it. */
describe('ControllerManager: one repository failing', () => {
  it('records an error thrown while syncing one repository on it, and applies the other', async () => {
    const t = setUp();
    await t.manager.runOnce();
    expect(t.status('a-fleet')?.lastAppliedRevision).toBe('a1');
    expect(t.status('b-fleet')?.lastAppliedRevision).toBe('b1');

    // a2 changes a-type, and the hub breaks exactly when it is mirrored: an error thrown from
    // inside a's sync, past every handler of the stages.
    t.heads['a-fleet'] = 'a2';
    t.heads['b-fleet'] = 'b2';
    t.state.fail = (req) => req.method === 'PATCH' && req.path.includes('/extensiontypes/a-type');
    const deletesBefore = t.requests.filter((r) => r.method === 'DELETE').length;
    await expect(t.manager.runOnce()).resolves.toMatchObject({ repositories: 2 });

    expect(t.status('a-fleet')?.lastAppliedRevision).toBe('a1');
    expect(t.condition('a-fleet', 'Ready')).toMatchObject({ status: 'False', reason: 'SyncFailed' });
    expect(t.condition('a-fleet', 'Stalled')).toMatchObject({ status: 'True', reason: 'SyncFailed' });
    expect(t.condition('a-fleet', 'Ready')?.message).toBe(
      `Revision a2 was not applied: connection reset while PATCH ${BASE}/extensiontypes/a-type?fieldManager=clusterext&force=true. Nothing was uninstalled because of it and revision a1 stays in force; it is retried in 10s, or at once on a push, a new revision or clusterext reconcile repository.`,
    );
    expect(t.requests.filter((r) => r.method === 'DELETE').length).toBe(deletesBefore);
    expect(t.status('b-fleet')?.lastAppliedRevision).toBe('b2');
    expect(t.condition('b-fleet', 'Ready')).toMatchObject({ status: 'True', reason: 'RevisionApplied' });
    expect(t.objects.get(`${BASE}/extensiontypes/b-type`)?.metadata.labels?.['clusterext.io/revision']).toBe('b2');

    // Fixed: the next pass after the backoff applies a2.
    t.state.fail = undefined;
    t.clock.t += 10_000;
    await t.manager.runOnce();
    expect(t.status('a-fleet')?.lastAppliedRevision).toBe('a2');
    expect(t.condition('a-fleet', 'Ready')).toMatchObject({ status: 'True', reason: 'RevisionApplied' });
  });

  it('goes on with the other repository when even the failed repository\'s status cannot be written', async () => {
    const t = setUp();
    t.heads['b-fleet'] = 'b2';
    t.state.fail = (req) => req.path.includes('a-fleet') || req.path.includes(encodeURIComponent(`${REPOSITORY_LABEL}=a`));
    await expect(t.manager.runOnce()).resolves.toMatchObject({ repositories: 2 });
    expect(t.status('a-fleet')).toBeUndefined();
    expect(t.status('b-fleet')?.lastAppliedRevision).toBe('b2');
  });

  it('keeps a revision that cannot be loaded, and a chart index that throws, to their repository', async () => {
    const t = setUp();
    await t.manager.runOnce();
    t.heads['a-fleet'] = 'a-unloadable';
    t.revisions.set('b2', revision('b', 'https://hostile.example', 'two'));
    t.heads['b-fleet'] = 'b2';
    await expect(t.manager.runOnce()).resolves.toMatchObject({ repositories: 2 });

    expect(t.status('a-fleet')).toMatchObject({ lastAppliedRevision: 'a1', lastFetchedRevision: 'a-unloadable' });
    expect(t.condition('a-fleet', 'Stalled')).toMatchObject({ status: 'True', reason: 'ValidationFailed' });
    expect(t.condition('a-fleet', 'Stalled')?.message).toContain('Maximum call stack size exceeded');
    // b2 is valid: it is applied, and its type says why it has no versions.
    expect(t.status('b-fleet')?.lastAppliedRevision).toBe('b2');
    const typeStatus = t.objects.get(`${BASE}/extensiontypes/b-type`)?.status as { conditions: Condition[] } | undefined;
    expect(typeStatus?.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'VersionsUnavailable' });
    expect(typeStatus?.conditions.find((c) => c.type === 'Ready')?.message).toContain('The chart index "https://hostile.example/index.yaml" could not be read: terminated.');
  });
});

describe('ControllerManager: a revision is written whole or retried whole', () => {
  it('writes every CR of a revision before it deletes anything, and applies the whole revision once the writes succeed', async () => {
    const t = setUp();
    const types = (...names: string[]) => names.map((n) => extensionType(n, { chart: { repository: 'https://charts-a.example', name: n.endsWith('new') ? 'two' : 'one' } }));
    t.revisions.set('a1', fleet({ extensionTypes: types('a-type', 'a-old'), clusters: [connectedCluster('a-cluster')] }));
    await t.manager.runOnce();
    expect(t.objects.has(`${BASE}/extensiontypes/a-old`)).toBe(true);

    // a2 drops a-old and adds a-new; the hub fails the write of a-new, after a-type was written.
    t.revisions.set('a2', fleet({ extensionTypes: types('a-type', 'a-new'), clusters: [connectedCluster('a-cluster')] }));
    t.heads['a-fleet'] = 'a2';
    t.state.fail = (req) => req.method === 'PATCH' && req.path.includes('/extensiontypes/a-new');
    const before = t.requests.length;
    await t.manager.runOnce();
    expect(t.requests.slice(before).filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(t.objects.has(`${BASE}/extensiontypes/a-old`)).toBe(true);
    expect(t.status('a-fleet')?.lastAppliedRevision).toBe('a1');
    expect(t.condition('a-fleet', 'Ready')).toMatchObject({ status: 'False', reason: 'SyncFailed' });

    t.state.fail = undefined;
    t.clock.t += 10_000;
    await t.manager.runOnce();
    expect(t.status('a-fleet')?.lastAppliedRevision).toBe('a2');
    expect(t.objects.has(`${BASE}/extensiontypes/a-old`)).toBe(false);
    for (const name of ['a-type', 'a-new', 'a-cluster']) {
      const kind = name === 'a-cluster' ? 'connectedclusters' : 'extensiontypes';
      expect(t.objects.get(`${BASE}/${kind}/${name}`)?.metadata.labels?.['clusterext.io/revision'], name).toBe('a2');
    }
  });
});

describe('ControllerManager: a repository that keeps failing', () => {
  const failingA = (t: ReturnType<typeof setUp>) => {
    (t as { baseline?: number }).baseline = t.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/extensiontypes/a-type?')).length;
    t.heads['a-fleet'] = 'a2';
    t.state.fail = (req) => req.method === 'PATCH' && req.path.includes('/extensiontypes/a-type');
  };
  /** Writes of a-type's spec (the one that fails) since `failingA`. */
  const attemptsOfA = (t: ReturnType<typeof setUp>) => t.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/extensiontypes/a-type?')).length - (t as { baseline?: number }).baseline!;

  it('is retried after 10 s, 20 s, 40 s … capped at 5 min, not at every pass, while the other repository goes on', async () => {
    const t = setUp();
    await t.manager.runOnce();
    failingA(t);
    const attempts: number[] = [];
    // A pass about every second for 20 minutes.
    for (let second = 0; second < 1200; second++) {
      const before = attemptsOfA(t);
      const summary = await t.manager.runOnce();
      if (attemptsOfA(t) > before) attempts.push(t.clock.t);
      expect(summary.requeueAfterMs).toBeGreaterThan(0);
      t.clock.t += 1000;
    }
    // In whole seconds: the first pass at or after the time the backoff names.
    const gaps = attempts.slice(1).map((at, i) => Math.floor((at - attempts[i]!) / 1000));
    expect(gaps).toEqual([10, 20, 40, 80, 160, 300, 300]);
    expect(t.condition('a-fleet', 'Ready')?.message).toMatch(/it is retried in 5m \(failure 8 in a row; the wait doubles up to a cap\)/);
    expect(t.status('b-fleet')?.lastAppliedRevision).toBe('b1');
  });

  it('tries at once, and starts the backoff again, on a new revision or a webhook; a success resets it', async () => {
    const t = setUp();
    await t.manager.runOnce();
    failingA(t);
    await t.manager.runOnce();
    await t.manager.runOnce();
    expect(attemptsOfA(t)).toBe(1);

    t.manager.requestSync('a-fleet');
    await t.manager.runOnce();
    expect(attemptsOfA(t)).toBe(2);

    t.revisions.set('a3', revision('a', 'https://charts-a.example', 'two'));
    t.heads['a-fleet'] = 'a3';
    await t.manager.runOnce();
    expect(attemptsOfA(t)).toBe(3);
    expect(t.condition('a-fleet', 'Ready')?.message).toContain('it is retried in 10s,');

    t.state.fail = undefined;
    t.clock.t += 10_000;
    await t.manager.runOnce();
    expect(t.status('a-fleet')?.lastAppliedRevision).toBe('a3');
    // A later failure starts from the first delay again.
    t.revisions.set('a4', revision('a', 'https://charts-a.example', 'one'));
    t.heads['a-fleet'] = 'a4';
    t.state.fail = (req) => req.method === 'PATCH' && req.path.includes('/extensiontypes/a-type');
    await t.manager.runOnce();
    expect(t.condition('a-fleet', 'Ready')?.message).toContain('it is retried in 10s,');
  });
});

describe('ControllerManager: memory follows the repositories', () => {
  it('forgets a deleted repository: created again, it is tried at once, not after the old backoff', async () => {
    const t = setUp();
    await t.manager.runOnce();
    t.heads['a-fleet'] = 'a2';
    t.state.fail = (req) => req.method === 'PATCH' && req.path.includes('/extensiontypes/a-type');
    await t.manager.runOnce();
    expect(t.condition('a-fleet', 'Ready')).toMatchObject({ status: 'False', reason: 'SyncFailed' });

    // Deleted (a pass without it), then created again with the same spec and generation.
    const repo = t.objects.get(`${BASE}/extensionrepositories/a-fleet`)!;
    t.objects.delete(`${BASE}/extensionrepositories/a-fleet`);
    await t.manager.runOnce();
    t.objects.set(`${BASE}/extensionrepositories/a-fleet`, { metadata: repo.metadata, spec: repo.spec });
    t.state.fail = undefined;
    // Well within the 10 s backoff the deleted repository was in.
    t.clock.t += 1_000;
    await t.manager.runOnce();
    expect(t.status('a-fleet')?.lastAppliedRevision).toBe('a2');
    expect(t.condition('a-fleet', 'Ready')).toMatchObject({ status: 'True', reason: 'RevisionApplied' });
  });
});

describe('ControllerManager: webhook tokens', () => {
  it('answers a flood of webhook lookups, for known and unknown repositories, without an API request each', async () => {
    const t = setUp();
    const repo = t.objects.get(`${BASE}/extensionrepositories/a-fleet`)!;
    repo.spec = { ...(repo.spec as object), webhookSecretRef: { name: 'a-webhook' } };
    t.objects.set(`/api/v1/namespaces/${NS}/secrets/a-webhook`, { metadata: { name: 'a-webhook' }, data: { token: Buffer.from('the-token').toString('base64') } } as unknown as Stored);
    await t.manager.runOnce();
    const before = t.requests.length;
    const answers = await Promise.all(Array.from({ length: 2000 }, (_, i) => t.manager.webhookToken(i % 2 ? 'a-fleet' : `forged-${i}`)));
    expect(answers.filter((a) => a === 'the-token')).toHaveLength(1000);
    expect(answers.filter((a) => a === undefined)).toHaveLength(1000);
    // The pass's list of repositories is reused; only the Secret is read, once.
    expect(t.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/v1/namespaces/${NS}/secrets/a-webhook`]);
  });
});
