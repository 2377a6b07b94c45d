import { describe, expect, it } from 'vitest';
import { percentile } from './figure.js';

describe('percentile', () => {
  it('takes the nearest rank: p95 of 20 values is the 19th smallest, p50 the 10th', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20, 19, …, 1: unsorted input
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 100)).toBe(20);
  });

  it('gives the only value for one value and NaN for none', () => {
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
