import { describe, expect, it } from 'vitest';
import { childrenCpuMs } from './run-command.js';

describe('childrenCpuMs', () => {
  it('adds the user and system time of the second line of `times` output', () => {
    expect(childrenCpuMs('0m0.001s 0m0.002s\n1m2.500s 0m0.250s\n')).toBeCloseTo(62_750);
  });

  it('reads dash\'s six-digit form and returns 0 when there is no second line', () => {
    expect(childrenCpuMs('0m0.000000s 0m0.000000s\n0m0.120000s 0m0.030000s')).toBeCloseTo(150);
    expect(childrenCpuMs('')).toBe(0);
  });
});
