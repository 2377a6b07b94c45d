import { describe, expect, it } from 'vitest';
import { computeProtectedDigest } from './protected-digest.js';

describe('computeProtectedDigest', () => {
  const data = { 'db.password': 's3cret', token: 'abc' };

  it('is a hex HMAC that does not depend on key order and never contains the values', () => {
    const digest = computeProtectedDigest(data, 'key-1');
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(computeProtectedDigest({ token: 'abc', 'db.password': 's3cret' }, 'key-1')).toBe(digest);
    expect(digest).not.toContain('s3cret');
  });

  it('changes with any value, a removed key, a renamed key or the controller key', () => {
    const digest = computeProtectedDigest(data, 'key-1');
    const variants = [
      computeProtectedDigest({ ...data, token: 'abd' }, 'key-1'),
      computeProtectedDigest({ token: 'abc' }, 'key-1'),
      computeProtectedDigest({ 'db.passwort': 's3cret', token: 'abc' }, 'key-1'),
      computeProtectedDigest(data, 'key-2'),
      // Values are not confused with keys: moving text between them changes the digest.
      computeProtectedDigest({ 'db.password': 's3crettoken', '': 'abc' }, 'key-1'),
    ];
    expect(new Set([digest, ...variants]).size).toBe(variants.length + 1);
  });
});
