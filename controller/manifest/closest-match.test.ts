import { describe, expect, it } from 'vitest';
import { closestMatch } from './closest-match.js';

describe('closestMatch', () => {
  const fields = ['releaseTrain', 'releaseNamespace', 'targetNamespace', 'version'];

  it('prefers a case-insensitive equal, then the smallest edit distance', () => {
    expect(closestMatch('VERSION', fields)).toBe('version');
    expect(closestMatch('releaseTrian', fields)).toBe('releaseTrain');
    expect(closestMatch('targetNamspace', fields)).toBe('targetNamespace');
  });

  it('offers nothing when no candidate is close', () => {
    expect(closestMatch('color', fields)).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
  });
});
