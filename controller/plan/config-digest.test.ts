import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeConfigDigest } from './config-digest.js';

const base = {
  chart: { repository: 'https://charts.example', name: 'agent' },
  version: '1.2.0',
  values: { a: { b: 1, c: 'x' }, d: true },
};

describe('computeConfigDigest', () => {
  it('is a sha256 hex of the canonical JSON', () => {
    const expected = createHash('sha256')
      .update('{"chart":{"name":"agent","repository":"https://charts.example"},"protectedDigest":null,"values":{"a":{"b":1,"c":"x"},"d":true},"version":"1.2.0"}')
      .digest('hex');
    expect(computeConfigDigest(base)).toBe(expected);
  });

  it('does not depend on key order or a trailing slash on the repository', () => {
    const reordered = { ...base, chart: { name: 'agent', repository: 'https://charts.example/' }, values: { d: true, a: { c: 'x', b: 1 } } };
    expect(computeConfigDigest(reordered)).toBe(computeConfigDigest(base));
  });

  it('changes with chart, version, any value, value type, and the protected digest', () => {
    const digest = computeConfigDigest(base);
    const variants = [
      { ...base, chart: { ...base.chart, name: 'agent2' } },
      { ...base, chart: { ...base.chart, repository: 'oci://charts.example' } },
      { ...base, version: '1.2.1' },
      { ...base, values: { ...base.values, d: false } },
      { ...base, values: { ...base.values, a: { b: '1', c: 'x' } } },
      { ...base, values: { ...base.values, e: 0 } },
      { ...base, protectedDigest: 'abc' },
    ];
    const digests = variants.map(computeConfigDigest);
    expect(digests).not.toContain(digest);
    expect(new Set(digests).size).toBe(variants.length);
    expect(computeConfigDigest({ ...base, protectedDigest: 'abd' })).not.toBe(computeConfigDigest({ ...base, protectedDigest: 'abc' }));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps arrays in order', () => {
    expect(canonicalJson({ b: [2, { z: 1, y: 2 }], a: null, c: undefined })).toBe('{"a":null,"b":[2,{"y":2,"z":1}]}');
  });
});

describe('canonicalJson on deep trees', () => {
  it('encodes a tree far deeper than the call stack allows, exactly like JSON', () => {
    const depth = 200_000;
    const root: Record<string, unknown> = {};
    let node = root;
    for (let i = 0; i < depth; i++) node = (node.a = {}) as Record<string, unknown>;
    node.v = 1;
    expect(() => JSON.stringify(root)).toThrow(RangeError);
    const text = canonicalJson(root);
    expect(text).toBe('{"a":'.repeat(depth) + '{"v":1}' + '}'.repeat(depth));
  });

  it('matches JSON.stringify of the sorted tree on mixed input', () => {
    const value = { z: [1, 'two', null, undefined, { y: false, x: [[]] }], a: { c: {}, b: 'q"uote' }, m: undefined };
    expect(canonicalJson(value)).toBe('{"a":{"b":"q\\"uote","c":{}},"z":[1,"two",null,null,{"x":[[]],"y":false}]}');
  });
});
