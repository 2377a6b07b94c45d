import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Fleet } from '../manifest/fleet.js';
import { RepositorySync, type RepositorySyncPorts } from './repository-sync.js';

const emptyFleet = (marker: string): Fleet => ({ extensionTypes: [], clusters: [], extensions: [], policies: [{ metadata: { name: marker } } as never] });
const badDiagnostic: Diagnostic = { severity: 'error', code: 'InvalidSemver', message: 'patch "029903" has a leading zero', file: 'a.yaml', line: 3, column: 12, pointer: '/spec/version' };

/** A fake remote: `head` is what a fetch returns; `valid` says which commits load cleanly. */
function fakePorts() {
  const state = { head: 'c1', valid: new Set(['c1']), fetches: 0, loads: [] as string[], failFetch: undefined as string | undefined, now: 0 };
  const ports: RepositorySyncPorts = {
    clock: { now: () => state.now, sleep: async () => {} },
    readCredentials: async () => ({ username: 'u', password: 'p' }),
    fetch: async ({ cacheDir }) => {
      state.fetches += 1;
      if (state.failFetch) throw new Error(state.failFetch);
      return { commit: state.head, repoDir: cacheDir };
    },
    load: async ({ rev }) => {
      state.loads.push(rev);
      return state.valid.has(rev) ? { commit: rev, fleet: emptyFleet(rev), diagnostics: [] } : { commit: rev, fleet: undefined, diagnostics: [badDiagnostic] };
    },
  };
  return { state, ports };
}

const spec = { url: 'http://127.0.0.1/fleet.git', branch: 'main', interval: '1m' };

describe('RepositorySync', () => {
  it('applies a valid head and keeps it when the next head fails validation', async () => {
    const { state, ports } = fakePorts();
    const sync = new RepositorySync(ports, '/cache');
    const first = await sync.sync({ key: 'ns/repo', generation: 1, spec, lastAppliedRevision: undefined });
    expect(first.good?.commit).toBe('c1');
    expect(first.rejected).toBeUndefined();

    state.head = 'c2';
    state.now += 60_000;
    const second = await sync.sync({ key: 'ns/repo', generation: 1, spec, lastAppliedRevision: 'c1' });
    expect(second.lastFetchedRevision).toBe('c2');
    expect(second.good?.commit).toBe('c1');
    expect(second.rejected).toEqual({ commit: 'c2', diagnostics: [badDiagnostic] });
  });

  it('fetches only when the interval has passed or the spec changed, and validates a revision once', async () => {
    const { state, ports } = fakePorts();
    const sync = new RepositorySync(ports, '/cache');
    await sync.sync({ key: 'k', generation: 1, spec, lastAppliedRevision: undefined });
    state.now += 30_000;
    await sync.sync({ key: 'k', generation: 1, spec, lastAppliedRevision: 'c1' });
    expect(state.fetches).toBe(1);
    await sync.sync({ key: 'k', generation: 2, spec, lastAppliedRevision: 'c1' });
    expect(state.fetches).toBe(2);
    expect(state.loads).toEqual(['c1']);
  });

  it('keeps the last good revision when a fetch fails, and reports the error', async () => {
    const { state, ports } = fakePorts();
    const sync = new RepositorySync(ports, '/cache');
    await sync.sync({ key: 'k', generation: 1, spec, lastAppliedRevision: undefined });
    state.failFetch = 'connection refused';
    state.now += 60_000;
    const out = await sync.sync({ key: 'k', generation: 1, spec, lastAppliedRevision: 'c1' });
    expect(out.fetchError).toBe('connection refused');
    expect(out.good?.commit).toBe('c1');
  });

  it('after a restart with a broken head, recovers the last applied revision from status', async () => {
    const { state, ports } = fakePorts();
    state.head = 'c9';
    const sync = new RepositorySync(ports, '/cache');
    const out = await sync.sync({ key: 'k', generation: 1, spec, lastAppliedRevision: 'c1' });
    expect(out.good?.commit).toBe('c1');
    expect(out.rejected?.commit).toBe('c9');
  });

  it('applies nothing when there has never been a good revision', async () => {
    const { state, ports } = fakePorts();
    state.head = 'c9';
    const out = await new RepositorySync(ports, '/cache').sync({ key: 'k', generation: 1, spec, lastAppliedRevision: undefined });
    expect(out.good).toBeUndefined();
    expect(out.rejected?.diagnostics).toHaveLength(1);
  });
});
