import { describe, expect, it } from 'vitest';
import { diffSettings } from './diff-settings.js';
import { nestSettings } from './nest-settings.js';

describe('diffSettings', () => {
  it('lists added, removed and changed keys with old and new values, sorted', () => {
    const before = nestSettings({ 'a.b': 1, 'a.c': 'x', keep: true, gone: 'bye' }).values;
    const after = nestSettings({ 'a.b': 2, 'a.c': 'x', keep: true, 'new\\.key': 'hi' }).values;
    expect(diffSettings(before, after)).toEqual([
      { key: 'a.b', change: 'changed', from: 1, to: 2 },
      { key: 'gone', change: 'removed', from: 'bye' },
      { key: 'new\\.key', change: 'added', to: 'hi' },
    ]);
  });

  it('sees a type change as a change and equal trees as none', () => {
    expect(diffSettings({ port: 80 }, { port: '80' })).toEqual([{ key: 'port', change: 'changed', from: 80, to: '80' }]);
    expect(diffSettings({ a: { b: 1 } }, { a: { b: 1 } })).toEqual([]);
  });

  it('reports a leaf turning into a subtree as a removal and an addition', () => {
    expect(diffSettings({ a: 1 }, { a: { b: 1 } })).toEqual([
      { key: 'a', change: 'removed', from: 1 },
      { key: 'a.b', change: 'added', to: 1 },
    ]);
  });
});
