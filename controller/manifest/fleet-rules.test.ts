import { describe, expect, it } from 'vitest';
import type { ManifestDocument } from './classify-document.js';
import { clusterInstanceRules, type Instance } from './fleet-rules.js';
import type { Scope } from './fleet.js';

/** A manifest that only knows where it is: file `f<i>.yaml`, line 1. */
function from(i: number, name: string): ManifestDocument {
  return {
    doc: { file: `f${i}.yaml`, documentIndex: 0, value: {}, readable: true, locate: () => ({ line: 1, column: 1 }), sourceText: () => undefined },
    kind: 'Extension',
    name,
    value: {},
    valid: true,
  };
}

interface Shape {
  name: string;
  type: string;
  scope: Scope;
  explicit: boolean;
}

const instancesOf = (shapes: readonly Shape[]): Instance[] =>
  shapes.map((s, i) => ({ cluster: 'c', name: s.name, namespace: undefined, scope: s.scope, extensionType: s.type, from: from(i, s.name), pointer: '/metadata/name', explicit: s.explicit }));

/** The rule as written in DESIGN.md, pair by pair: each instance clashes with the first earlier one it may not share the cluster with. */
function pairwise(shapes: readonly Shape[], conflicts: ReadonlyMap<string, readonly string[]>): [number, number, string][] {
  const out: [number, number, string][] = [];
  const conflict = (a: string, b: string) => (conflicts.get(a) ?? []).includes(b) || (conflicts.get(b) ?? []).includes(a);
  for (const [n, later] of shapes.entries()) {
    for (const [e, earlier] of shapes.slice(0, n).entries()) {
      let code: string | undefined;
      if (earlier.name === later.name) code = earlier.explicit && later.explicit ? undefined : 'DuplicateRelease';
      else if (earlier.type === later.type && earlier.scope === 'cluster' && later.scope === 'cluster') code = 'MultipleClusterScopedInstances';
      else if (conflict(earlier.type, later.type)) code = 'ConflictingExtensions';
      if (code) {
        out.push([n, e, code]);
        break;
      }
    }
  }
  return out;
}

function conflictsOf(conflicts: ReadonlyMap<string, readonly string[]>): (type: string) => readonly string[] {
  return (type) => [...new Set([...(conflicts.get(type) ?? []), ...[...conflicts].filter(([, list]) => list.includes(type)).map(([other]) => other)])];
}

describe('clusterInstanceRules', () => {
  it('finds, for every instance, the same first clash as comparing every pair (seeded random clusters)', () => {
    let state = 424242;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const conflicts = new Map<string, readonly string[]>([
      ['t0', ['t1']],
      ['t2', ['t2', 't3']],
    ]);
    let clashes = 0;
    for (let round = 0; round < 300; round++) {
      const shapes: Shape[] = Array.from({ length: 1 + random(14) }, () => ({
        name: `n${random(6)}`,
        type: `t${random(5)}`,
        scope: random(2) === 0 ? 'cluster' : 'namespace',
        explicit: random(3) !== 0,
      }));
      const expected = pairwise(shapes, conflicts);
      clashes += expected.length;
      const found = clusterInstanceRules('c', instancesOf(shapes), conflictsOf(conflicts));
      expect(
        found.map((d) => [Number(/^f(\d+)/.exec(d.file)![1]), d.code]),
        JSON.stringify(shapes),
      ).toEqual(expected.map(([later, , code]) => [later, code]));
      // The message names the earlier instance the pairwise rule found.
      for (const [i, [, earlier]] of expected.entries()) expect(found[i]!.message).toContain(`(f${earlier}.yaml:1)`);
    }
    expect(clashes).toBeGreaterThan(500);
  });

  it('looks at each instance a bounded number of times, not once per earlier instance', () => {
    const count = (n: number) => {
      let reads = 0;
      const instances = instancesOf(Array.from({ length: n }, (_, i) => ({ name: `app-${i}`, type: 'tenant-app', scope: 'namespace' as const, explicit: true })));
      const counted = instances.map((instance) => {
        const fields = { name: instance.name, extensionType: instance.extensionType };
        return Object.defineProperties({ ...instance }, {
          name: { get: () => (reads++, fields.name) },
          extensionType: { get: () => (reads++, fields.extensionType) },
        }) as Instance;
      });
      expect(clusterInstanceRules('c', counted, () => ['other'])).toEqual([]);
      return reads;
    };
    const small = count(1_000);
    const large = count(8_000);
    expect(large).toBeLessThanOrEqual(small * 8 * 1.1);
    expect(large).toBeLessThan(8_000 * 20);
  });
});
