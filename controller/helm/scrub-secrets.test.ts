import { describe, expect, it } from 'vitest';
import { kubeconfigSecrets, leafStrings, scrubSecrets } from './scrub-secrets.js';

describe('scrubSecrets', () => {
  it('replaces plain, JSON-escaped and base64 forms, longest first, in one pass', () => {
    expect(scrubSecrets('a pass"word b', ['pass"word'])).toBe('a [REDACTED] b');
    expect(scrubSecrets('json: "pass\\"word"', ['pass"word'])).toBe('json: "[REDACTED]"');
    expect(scrubSecrets(`b64 ${Buffer.from('hunter22').toString('base64')}`, ['hunter22'])).toBe('b64 [REDACTED]');
    expect(scrubSecrets('abcdef', ['abc', 'abcdef'])).toBe('[REDACTED]');
    // A secret that is part of the placeholder does not mangle earlier replacements.
    expect(scrubSecrets('x RED y', ['x', 'RED'])).toBe('[REDACTED] [REDACTED] y');
    expect(scrubSecrets('a.b*c', ['.b*'])).toBe('a[REDACTED]c');
    expect(scrubSecrets('unchanged', [''])).toBe('unchanged');
  });
});

describe('leafStrings', () => {
  it('lists every leaf of a values tree as text', () => {
    expect(leafStrings({ a: { b: 's', c: [1, true] }, d: null })).toEqual(['s', '1', 'true']);
  });
});

describe('kubeconfigSecrets', () => {
  it('finds tokens, passwords and client keys', () => {
    const kc = 'users:\n- name: u\n  user:\n    token: tok\n    password: pw\n    client-key-data: KEYDATA\n';
    expect(kubeconfigSecrets(kc)).toEqual(expect.arrayContaining(['tok', 'pw', 'KEYDATA']));
  });
});
