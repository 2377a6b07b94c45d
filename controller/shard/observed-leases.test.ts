import { describe, expect, it } from 'vitest';
import { ObservedLeases, type LeaseRecord } from './observed-leases.js';

const lease = (resourceVersion: string): LeaseRecord => ({ name: 'l', resourceVersion, holder: 'x', leaseDurationSeconds: 10 });

describe('ObservedLeases', () => {
  it('calls a Lease expired only after it stayed unchanged for its duration on the observer clock', () => {
    const observed = new ObservedLeases();
    observed.observe([lease('1')], 1_000);
    expect(observed.expired(lease('1'), 11_000)).toBe(false);
    expect(observed.expired(lease('1'), 11_001)).toBe(true);
  });

  it('restarts the count when the Lease is renewed (a new version)', () => {
    const observed = new ObservedLeases();
    observed.observe([lease('1')], 0);
    observed.observe([lease('2')], 9_000);
    expect(observed.expired(lease('2'), 15_000)).toBe(false);
    expect(observed.expired(lease('2'), 19_001)).toBe(true);
  });

  it('never calls a Lease it has not observed, or a newer version of it, expired', () => {
    const observed = new ObservedLeases();
    expect(observed.expired(lease('1'), 1e12)).toBe(false);
    observed.observe([lease('1')], 0);
    expect(observed.expired(lease('2'), 1e12)).toBe(false);
  });

  it('forgets a Lease that is no longer listed, so one recreated later counts from when it is seen', () => {
    const observed = new ObservedLeases();
    observed.observe([lease('1')], 0);
    observed.observe([], 5_000);
    observed.observe([lease('1')], 20_000);
    expect(observed.expired(lease('1'), 25_000)).toBe(false);
  });
});
