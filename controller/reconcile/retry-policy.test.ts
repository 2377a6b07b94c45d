import { describe, expect, it } from 'vitest';
import { backoffDelayMs, retryStateFor } from './retry-policy.js';

describe('backoffDelayMs', () => {
  it('doubles from the base delay and stops at the cap', () => {
    const policy = { maxRetries: 10, baseDelayMs: 1_000, maxDelayMs: 5_000 };
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelayMs(n, policy))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });
});

describe('retryStateFor', () => {
  it('counts failures only for the configuration they were recorded for', () => {
    const recorded = { failures: 2, lastFailureTime: '2025-01-01T00:00:00.000Z', lastAttemptedConfigDigest: 'abc' };
    expect(retryStateFor(recorded, 'abc')).toEqual({ failures: 2, lastFailureTime: '2025-01-01T00:00:00.000Z' });
    expect(retryStateFor(recorded, 'def')).toEqual({ failures: 0 });
    expect(retryStateFor(undefined, 'abc')).toEqual({ failures: 0 });
  });
});
