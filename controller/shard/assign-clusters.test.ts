import { describe, expect, it } from 'vitest';
import { assignClusters } from './assign-clusters.js';

const clusters = Array.from({ length: 60 }, (_, i) => `cluster-${i}`);

describe('assignClusters', () => {
  it('gives every cluster exactly one of the members, the same whatever order they are listed in', () => {
    const one = assignClusters({ members: ['a', 'b', 'c'], clusters });
    const other = assignClusters({ members: ['c', 'a', 'b', 'a'], clusters: [...clusters].reverse() });
    expect([...one.keys()].sort()).toEqual([...clusters].sort());
    for (const owner of one.values()) expect(['a', 'b', 'c']).toContain(owner);
    for (const c of clusters) expect(other.get(c)).toBe(one.get(c));
  });

  it('spreads clusters over the members (no member has none of 60, none has more than half)', () => {
    const counts = new Map<string, number>();
    for (const owner of assignClusters({ members: ['a', 'b', 'c'], clusters }).values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const n of counts.values()) expect(n).toBeLessThanOrEqual(30);
  });

  it('moves only the clusters of a member that leaves, and only to the others', () => {
    const before = assignClusters({ members: ['a', 'b', 'c'], clusters });
    const after = assignClusters({ members: ['a', 'c'], clusters });
    for (const c of clusters) {
      if (before.get(c) === 'b') expect(['a', 'c']).toContain(after.get(c));
      else expect(after.get(c)).toBe(before.get(c));
    }
  });

  it('moves to a member that joins only clusters it then owns', () => {
    const before = assignClusters({ members: ['a', 'b'], clusters });
    const after = assignClusters({ members: ['a', 'b', 'd'], clusters });
    const moved = clusters.filter((c) => after.get(c) !== before.get(c));
    expect(moved.length).toBeGreaterThan(0);
    for (const c of moved) expect(after.get(c)).toBe('d');
  });

  it('assigns nothing without members', () => {
    expect(assignClusters({ members: [], clusters }).size).toBe(0);
  });
});
