import { describe, expect, it } from 'vitest';
import { desiredRelease } from '../../test/support/release-fixtures.js';
import { computeConfigDigest } from '../plan/config-digest.js';
import { applyProtectedSettings } from './apply-protected-settings.js';

describe('applyProtectedSettings', () => {
  const desired = desiredRelease({ protectedSettingsRef: { secretName: 'monitor-secrets' } });

  it('nests the Secret keys like settings and folds their digest into the configDigest', () => {
    const result = applyProtectedSettings(desired, { 'db.password': 'pw', 'a\\.b': 'x' }, 'controller-key');
    expect(result.protectedValues).toEqual({ db: { password: 'pw' }, 'a.b': 'x' });
    expect(result.redactPaths).toEqual([['a.b'], ['db', 'password']]);
    expect(result.desired.configDigest).toBe(
      computeConfigDigest({ chart: desired.chart, version: '1.2.0', values: desired.values, protectedDigest: result.protectedDigest }),
    );
    expect(result.desired.configDigest).not.toBe(desired.configDigest);
    expect(applyProtectedSettings(desired, { 'db.password': 'pw2', 'a\\.b': 'x' }, 'controller-key').desired.configDigest).not.toBe(result.desired.configDigest);
    expect(JSON.stringify(result.desired)).not.toContain('pw');
  });

  it('names the unusable keys, never the values', () => {
    let thrown: unknown;
    try {
      applyProtectedSettings(desired, { a: 'top-secret', 'a.b': 'other-secret' }, 'k');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'ProtectedSettingsInvalid', message: expect.stringContaining('"monitor-secrets"') });
    expect(JSON.stringify({ m: (thrown as Error).message, d: (thrown as { data: unknown }).data })).not.toMatch(/top-secret|other-secret/);
  });
});
