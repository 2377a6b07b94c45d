import { describe, expect, it } from 'vitest';
import { driftIgnorePathProblem, isDriftIgnored, mergeDriftIgnoreRules } from './drift-ignore.js';

describe('drift ignore rules', () => {
  it('covers the path and everything below it, not siblings that share a prefix', () => {
    const rules = [{ path: '/spec/replicas' }];
    expect(isDriftIgnored(rules, { kind: 'Deployment', name: 'a' }, '/spec/replicas')).toBe(true);
    expect(isDriftIgnored(rules, { kind: 'Deployment', name: 'a' }, '/spec/replicasMax')).toBe(false);
    expect(isDriftIgnored([{ path: '/metadata/labels' }], { kind: 'Deployment', name: 'a' }, '/metadata/labels/team')).toBe(true);
    expect(isDriftIgnored([{ path: '/metadata/labels/a~1b' }], { kind: 'Deployment', name: 'a' }, '/metadata/labels/a~1b')).toBe(true);
  });

  it('says what is wrong with a pointer and what the valid form would be', () => {
    expect(driftIgnorePathProblem('/spec/replicas')).toBeUndefined();
    expect(driftIgnorePathProblem('spec.replicas')).toContain('did you mean "/spec/replicas"');
    expect(driftIgnorePathProblem('/a/~2')).toContain('"~" not followed by 0 or 1');
    expect(driftIgnorePathProblem('/a//b')).toContain('empty segment');
    expect(driftIgnorePathProblem('')).toContain('whole object');
  });

  it('merges type and Extension rules, dropping duplicates', () => {
    expect(mergeDriftIgnoreRules([{ path: '/a' }, { path: '/b', kind: 'K' }], undefined, [{ path: '/a' }, { path: '/b' }])).toEqual([{ path: '/a' }, { path: '/b', kind: 'K' }, { path: '/b' }]);
  });
});
