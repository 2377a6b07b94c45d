import { describe, expect, it } from 'vitest';
import { kubeconfigSecrets, leafStrings, scrubSecrets, SECRET_FRAGMENT_LENGTH } from './scrub-secrets.js';

const CANARY = 'Canary<&>"é \'pass!x';

describe('scrubSecrets', () => {
  it('replaces plain and JSON-escaped forms, overlapping matches as one', () => {
    expect(scrubSecrets('a pass"word b', ['pass"word'])).toBe('a [REDACTED] b');
    expect(scrubSecrets('json: "pass\\"word"', ['pass"word'])).toBe('json: "[REDACTED]"');
    expect(scrubSecrets('abcdef', ['abc', 'abcdef'])).toBe('[REDACTED]');
    // A secret that is part of the placeholder does not mangle earlier replacements.
    expect(scrubSecrets('x RED y', ['x', 'RED'])).toBe('[REDACTED] [REDACTED] y');
    expect(scrubSecrets('a.b*c', ['.b*'])).toBe('a[REDACTED]c');
    expect(scrubSecrets('unchanged', [''])).toBe('unchanged');
  });

  // Each form is written here the way Go and Sprig produce it, not computed by the code under
  // test, with how many of its characters may stay visible (those that encode text around it).
  const forms: [string, string, number][] = [
    ['as written', CANARY, 0],
    ['upper-cased', CANARY.toUpperCase(), 0],
    ['Go JSON (toJson)', 'Canary\\u003c\\u0026\\u003e\\"é \'pass!x', 0],
    ['JSON', 'Canary<&>\\"é \'pass!x', 0],
    ['urlquery', 'Canary%3C%26%3E%22%C3%A9+%27pass%21x', 0],
    ['URL path escape', 'Canary%3C%26%3E%22%C3%A9%20\'pass!x', 0],
    ['hex', Buffer.from(CANARY).toString('hex'), 0],
    ['split across lines', 'Canary<&>"é\n   \'pass!x', 0],
    ['truncated (trunc 10)', CANARY.slice(0, 10), 0],
    ['a middle part', CANARY.slice(3, 3 + SECRET_FRAGMENT_LENGTH), 0],
  ];
  for (const prefix of ['', 'a', 'ab', 'abc']) {
    // The characters that also encode bits of the prefix or of what follows, and the padding.
    const around = (after: number) => Math.ceil((prefix.length * 8) / 6) + Math.ceil((after * 8) / 6) + 3;
    forms.push([`base64 after ${prefix.length} bytes`, Buffer.from(`${prefix}${CANARY}suffix`).toString('base64'), around(6)]);
    forms.push([`base64url after ${prefix.length} bytes`, Buffer.from(`${prefix}${CANARY}`).toString('base64url'), around(0)]);
    forms.push([`base64 wrapped after ${prefix.length} bytes`, Buffer.from(`${prefix}${CANARY}`).toString('base64').replace(/(.{8})/g, '$1\n'), around(0)]);
  }
  for (const [name, form, visible] of forms) {
    it(`redacts the value ${name}`, () => {
      const out = scrubSecrets(`Error: value «${form}» rejected`, [CANARY]);
      const parts = /^Error: value «(.*)\[REDACTED\](.*)» rejected$/s.exec(out);
      expect(parts, out).not.toBeNull();
      expect(`${parts![1]}${parts![2]}`.replace(/\s/g, '').length).toBeLessThanOrEqual(visible);
    });
  }

  it('leaves text that shares less than a fragment with the secret alone', () => {
    expect(scrubSecrets('Error: Canary pass rejected', [CANARY])).toBe('Error: Canary pass rejected');
  });
});

describe('leafStrings', () => {
  it('lists every leaf of a values tree as text', () => {
    expect(leafStrings({ a: { b: 's', c: [1, true] }, d: null })).toEqual(['s', '1', 'true']);
  });
});

describe('kubeconfigSecrets', () => {
  it('finds tokens, passwords, client keys and long token-like values, not server URLs', () => {
    const data = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=';
    const kc = `clusters:\n- cluster:\n    server: https://a-rather-long-host-name.example.internal:6443\n    certificate-authority-data: ${data}\nusers:\n- name: u\n  user:\n    token: tok\n    password: pw\n    client-key-data: KEYDATA\n`;
    const found = kubeconfigSecrets(kc);
    expect(found).toEqual(expect.arrayContaining(['tok', 'pw', 'KEYDATA', data]));
    expect(found.join(' ')).not.toContain('a-rather-long-host-name');
  });
});
