import { describe, expect, it } from 'vitest';
import { joinSettingPath, nestSettings, splitSettingKey } from './nest-settings.js';

describe('nestSettings', () => {
  it('nests dotted keys and keeps plain ones', () => {
    const { values, problems } = nestSettings({ 'a.b': 1, 'a.c': 'x', top: true, 'deep.er.still': 'y' });
    expect(problems).toEqual([]);
    expect(values).toEqual({ a: { b: 1, c: 'x' }, top: true, deep: { er: { still: 'y' } } });
  });

  it('treats \\. as a literal dot', () => {
    const { values, problems } = nestSettings({ 'annotations.prometheus\\.io/scrape': 'true' });
    expect(problems).toEqual([]);
    expect(values).toEqual({ annotations: { 'prometheus.io/scrape': 'true' } });
  });

  it('reports a key that is both a value and a parent, whatever the order', () => {
    for (const flat of [{ a: 1, 'a.b': 2 }, { 'a.b': 2, a: 1 }]) {
      const { problems } = nestSettings(flat);
      expect(problems).toHaveLength(1);
      expect(new Set([problems[0]!.key, problems[0]!.conflictsWith])).toEqual(new Set(['a', 'a.b']));
      expect(problems[0]!.message).toContain('"a"');
      expect(problems[0]!.message).toContain('"a.b"');
    }
  });

  it('reports a conflict below the top level', () => {
    const { problems } = nestSettings({ 'x.y': 1, 'x.y.z': 2, 'x.w': 3 });
    expect(problems.map((p) => [p.key, p.conflictsWith])).toEqual([['x.y.z', 'x.y']]);
  });

  it('does not confuse a literal dot with nesting', () => {
    const { values, problems } = nestSettings({ 'a\\.b': 1, 'a.b': 2 });
    expect(problems).toEqual([]);
    expect(values).toEqual({ 'a.b': 1, a: { b: 2 } });
  });

  it('reports empty path segments', () => {
    const { values, problems } = nestSettings({ 'a..b': 1, '.c': 2, 'd.': 3, ok: 4 });
    expect(problems.map((p) => p.key).sort()).toEqual(['.c', 'a..b', 'd.']);
    expect(values).toEqual({ ok: 4 });
  });

  it('creates own properties for keys like __proto__ without touching prototypes', () => {
    const { values } = nestSettings({ '__proto__.polluted': 'yes' });
    expect(Object.hasOwn(values, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.parse(JSON.stringify(values))).toEqual(JSON.parse('{"__proto__":{"polluted":"yes"}}'));
  });
});

describe('splitSettingKey / joinSettingPath', () => {
  it('round-trips keys with literal dots', () => {
    expect(splitSettingKey('a.b\\.c.d')).toEqual(['a', 'b.c', 'd']);
    expect(joinSettingPath(['a', 'b.c', 'd'])).toBe('a.b\\.c.d');
    expect(splitSettingKey('path\\to')).toEqual(['path\\to']);
  });
});

describe('nestSettings with a depth limit', () => {
  it('reports a key deeper than maxDepth and leaves it out of the values', () => {
    const deep = Array.from({ length: 5000 }, (_, i) => `s${i}`).join('.');
    const { values, problems } = nestSettings({ [deep]: 1, 'a.b': 2 }, { maxDepth: 32 });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.key).toBe(deep);
    expect(problems[0]!.depth).toBe(5000);
    expect(problems[0]!.message).toContain('5000 levels deep, more than the limit of 32');
    expect(problems[0]!.message.length).toBeLessThan(400);
    expect(values).toEqual({ a: { b: 2 } });
  });

  it('accepts a key exactly at the limit, and any depth without a limit', () => {
    const key = Array.from({ length: 32 }, () => 'k').join('.');
    expect(nestSettings({ [key]: 1 }, { maxDepth: 32 }).problems).toEqual([]);
    expect(nestSettings({ [`${key}.k`]: 1 }, { maxDepth: 32 }).problems).toHaveLength(1);
    expect(nestSettings({ [`${key}.k`]: 1 }).problems).toEqual([]);
  });

  it('counts a literal dot as part of a segment, not a level', () => {
    const key = Array.from({ length: 40 }, () => 'k').join('\\.');
    expect(nestSettings({ [key]: 1 }, { maxDepth: 2 }).problems).toEqual([]);
  });
});
