import { describe, expect, it } from 'vitest';
import type { Clock } from '../runtime/clock.js';
import type { KubeRest, KubeRestRequest, KubeRestResponse } from '../runtime/kube-rest.js';
import { silentLogger } from '../runtime/logger.js';
import { createControllerMetrics, type ControllerMetrics } from '../runtime/metrics.js';
import { assignClusters } from './assign-clusters.js';
import { ShardCoordinator } from './shard-coordinator.js';
import { SHARD_ROLE_LABEL } from './shard-leases.js';

const LEASE_MS = 5_000;
const CLUSTERS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];

interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

/**
 * The Lease part of an API server, in memory, with its concurrency rule: a PUT whose
 * resourceVersion is not the stored one gets 409, a POST of an existing name 409. `down` makes
 * every request fail, as for a replica cut off from the API server.
 */
class FakeLeaseServer {
  readonly leases = new Map<string, StoredLease>();
  private version = 0;

  client(state: { down: boolean } = { down: false }): KubeRest {
    return {
      request: async <T>(req: KubeRestRequest): Promise<KubeRestResponse<T>> => {
        if (state.down) throw new Error('connection refused');
        return this.handle(req) as KubeRestResponse<T>;
      },
      requestCount: 0,
      server: 'fake',
      close: () => undefined,
    };
  }

  private handle(req: KubeRestRequest): KubeRestResponse<unknown> {
    const [path, query] = req.path.split('?');
    const match = /\/leases(?:\/([^/]+))?$/.exec(path!)!;
    const name = match[1] ? decodeURIComponent(match[1]) : undefined;
    const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    if (req.method === 'GET' && !name) {
      const selector = new URLSearchParams(query ?? '').get('labelSelector');
      const [key, value] = (selector ?? '=').split('=');
      return { status: 200, body: { items: [...this.leases.values()].filter((l) => !selector || l.metadata.labels?.[key!] === value).map(copy) } };
    }
    if (req.method === 'GET') {
      const lease = this.leases.get(name!);
      return lease ? { status: 200, body: copy(lease) } : { status: 404, body: {} };
    }
    if (req.method === 'POST') {
      const body = req.body as StoredLease;
      if (this.leases.has(body.metadata.name)) return { status: 409, body: {} };
      this.leases.set(body.metadata.name, { ...copy(body), metadata: { ...copy(body.metadata), resourceVersion: String(++this.version) } });
      return { status: 201, body: copy(this.leases.get(body.metadata.name)) };
    }
    if (req.method === 'PUT') {
      const body = req.body as StoredLease;
      const stored = this.leases.get(name!);
      if (!stored) return { status: 404, body: {} };
      if (body.metadata.resourceVersion !== stored.metadata.resourceVersion) return { status: 409, body: {} };
      const next = { ...copy(body), metadata: { ...copy(body.metadata), resourceVersion: String(++this.version) } };
      this.leases.set(name!, next);
      return { status: 200, body: copy(next) };
    }
    if (req.method === 'DELETE') {
      const precondition = (req.body as { preconditions?: { resourceVersion?: string } } | undefined)?.preconditions?.resourceVersion;
      if (precondition !== undefined && precondition !== this.leases.get(name!)?.metadata.resourceVersion) return { status: 409, body: {} };
      this.leases.delete(name!);
      return { status: 200, body: {} };
    }
    return { status: 405, body: {} };
  }
}

/** Replicas on one fake API server and one fake clock; each ticks only when the test says. */
function setUp() {
  const server = new FakeLeaseServer();
  let now = 1_000_000;
  const clock: Clock = { now: () => now, sleep: async () => undefined };
  const replicas = new Map<string, { coordinator: ShardCoordinator; network: { down: boolean } }>();
  const add = (identity: string, metrics?: ControllerMetrics) => {
    const network = { down: false };
    const coordinator = new ShardCoordinator({ kube: server.client(network), namespace: 'ns', identity, leaseDurationMs: LEASE_MS, clock, logger: silentLogger, listClusters: async () => CLUSTERS, ...(metrics ? { metrics } : {}) });
    replicas.set(identity, { coordinator, network });
    return coordinator;
  };
  /** Owners of each cluster right now, by every replica's own judgement. */
  const owners = (cluster: string) => [...replicas].filter(([, r]) => r.coordinator.owns(cluster)).map(([id]) => id);
  /** Advances the clock a tick at a time, ticking the named replicas, checking exclusivity after every step. */
  const run = async (ms: number, ticking: readonly string[]) => {
    for (let t = 0; t < ms; t += LEASE_MS / 5) {
      now += LEASE_MS / 5;
      for (const id of ticking) {
        await replicas.get(id)!.coordinator.tick().catch(() => undefined);
        for (const c of CLUSTERS) expect(owners(c).length, `${c} at ${now}: ${owners(c).join(', ')}`).toBeLessThanOrEqual(1);
      }
    }
  };
  const ownedAsAssigned = (members: string[]) => {
    const expected = assignClusters({ members, clusters: CLUSTERS });
    return CLUSTERS.every((c) => owners(c).length === 1 && owners(c)[0] === expected.get(c));
  };
  return { server, add, owners, run, ownedAsAssigned, replica: (id: string) => replicas.get(id)!, advance: (ms: number) => (now += ms) };
}

describe('ShardCoordinator', () => {
  it('shares the clusters out as rendezvous hashing says, one owner each, and one repository writer', async () => {
    const s = setUp();
    const a = s.add('a');
    const b = s.add('b');
    const c = s.add('c');
    await s.run(3_000, ['a', 'b', 'c']);
    expect(s.ownedAsAssigned(['a', 'b', 'c'])).toBe(true);
    expect([a, b, c].filter((r) => r.writesRepository())).toHaveLength(1);
    expect([...s.server.leases.values()].filter((l) => l.metadata.labels?.[SHARD_ROLE_LABEL] === 'member')).toHaveLength(3);
  });

  it('a replica that stops renewing stops acting before anyone else takes its clusters, which move within the lease', async () => {
    const s = setUp();
    s.add('a');
    s.add('b');
    s.add('c');
    await s.run(3_000, ['a', 'b', 'c']);
    const lost = CLUSTERS.filter((c) => s.owners(c)[0] === 'b');
    expect(lost.length).toBeGreaterThan(0);
    // b is paused (or cut off): it no longer ticks; exclusivity is checked after every step.
    await s.run(LEASE_MS + (2 * LEASE_MS) / 5, ['a', 'c']);
    expect(s.ownedAsAssigned(['a', 'c'])).toBe(true);
    // b comes back: it finds its claims taken, acts on none of them, and gets its share back.
    await s.run(LEASE_MS, ['a', 'b', 'c']);
    expect(s.ownedAsAssigned(['a', 'b', 'c'])).toBe(true);
  });

  it('a replica cut off from the API server stops acting within two thirds of the lease', async () => {
    const s = setUp();
    const metrics = createControllerMetrics();
    const a = s.add('a', metrics);
    await s.run(2_000, ['a']);
    expect(a.owned()).toEqual(CLUSTERS);
    expect((await metrics.shardClusters.get()).values[0]?.value).toBe(CLUSTERS.length);
    expect((await metrics.shardOwned.get()).values.map((v) => v.labels.cluster).sort()).toEqual(CLUSTERS);
    expect((await metrics.repositoryWriter.get()).values[0]?.value).toBe(1);
    s.replica('a').network.down = true;
    await s.run(LEASE_MS / 2, ['a']);
    expect(a.owned()).toEqual(CLUSTERS);
    await s.run(LEASE_MS / 5, ['a']);
    expect(a.owned()).toEqual([]);
    expect(a.enter('c1')).toBeUndefined();
    expect(a.writesRepository()).toBe(false);
    expect((await metrics.shardClusters.get()).values[0]?.value).toBe(0);
  });

  it('keeps a cluster that moved to a new replica until the operation running on it ends', async () => {
    const s = setUp();
    const a = s.add('a');
    await s.run(2_000, ['a']);
    const b = s.add('b');
    const moving = CLUSTERS.filter((c) => assignClusters({ members: ['a', 'b'], clusters: CLUSTERS }).get(c) === 'b');
    expect(moving.length).toBeGreaterThan(0);
    const leave = a.enter(moving[0]!)!;
    expect(leave).toBeDefined();
    await s.run(3 * LEASE_MS, ['a', 'b']);
    // a starts nothing new there, b waits for the claim.
    expect(a.enter(moving[0]!)).toBeUndefined();
    expect(s.owners(moving[0]!)).toEqual([]);
    expect(b.owns(moving[0]!)).toBe(false);
    leave();
    await s.run(2 * (LEASE_MS / 5), ['a', 'b']);
    expect(s.ownedAsAssigned(['a', 'b'])).toBe(true);
  });

  it('deletes the claim of a cluster that left the fleet', async () => {
    const s = setUp();
    s.add('a');
    await s.run(2_000, ['a']);
    CLUSTERS.pop();
    try {
      await s.run(2 * (LEASE_MS / 5), ['a']);
      expect([...s.server.leases.values()].filter((l) => l.metadata.labels?.[SHARD_ROLE_LABEL] === 'claim')).toHaveLength(CLUSTERS.length);
    } finally {
      CLUSTERS.push('c6');
    }
  });

  it('on shutdown gives up idle clusters and its membership at the next tick, so the others take over at once', async () => {
    const s = setUp();
    const a = s.add('a');
    s.add('b');
    await s.run(3_000, ['a', 'b']);
    a.beginStop();
    await s.run(2 * (LEASE_MS / 5), ['a', 'b']);
    expect(CLUSTERS.every((c) => s.owners(c)[0] === 'b')).toBe(true);
    await a.close();
    expect([...s.server.leases.values()].filter((l) => l.metadata.labels?.[SHARD_ROLE_LABEL] === 'member').map((l) => l.spec.holderIdentity)).toEqual(['b']);
  });
});
