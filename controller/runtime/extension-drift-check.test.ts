import { describe, expect, it } from 'vitest';
import { isDriftCheckDue } from './extension-drift-check.js';

const base = { driftDetection: 'warn' as const, ready: true, now: 10_000, intervalMs: 5_000, requested: false };

describe('isDriftCheckDue', () => {
  it('checks a Ready release once per interval, first at once', () => {
    expect(isDriftCheckDue(base)).toBe(true);
    expect(isDriftCheckDue({ ...base, lastCheckedAt: 6_000 })).toBe(false);
    expect(isDriftCheckDue({ ...base, lastCheckedAt: 5_000 })).toBe(true);
  });

  it('checks at once on a new requested-at annotation', () => {
    expect(isDriftCheckDue({ ...base, lastCheckedAt: 9_999, requested: true })).toBe(true);
  });

  it('waits an interval after the release was just applied, unless asked', () => {
    expect(isDriftCheckDue({ ...base, justApplied: true })).toBe(false);
    expect(isDriftCheckDue({ ...base, justApplied: true, lastCheckedAt: 0 })).toBe(false);
    expect(isDriftCheckDue({ ...base, justApplied: true, requested: true })).toBe(true);
  });

  it('never checks when disabled or not Ready', () => {
    expect(isDriftCheckDue({ ...base, driftDetection: 'disabled', requested: true })).toBe(false);
    expect(isDriftCheckDue({ ...base, ready: false, requested: true })).toBe(false);
    expect(isDriftCheckDue({ ...base, driftDetection: 'enabled' })).toBe(true);
  });
});
