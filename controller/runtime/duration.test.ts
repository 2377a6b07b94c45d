import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads Flux-style durations, compound ones too', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('48h')).toBe(172_800_000);
  });

  it('rejects text that is not entirely a duration, naming the field', () => {
    expect(() => parseDuration('5 minutes', 'spec.interval')).toThrow(/spec\.interval "5 minutes" is not a duration/);
    expect(() => parseDuration('')).toThrow(/not a duration/);
    expect(() => parseDuration('10')).toThrow(/not a duration/);
    expect(() => parseDuration('1h-5m')).toThrow(/not a duration/);
  });

  it('formats back to the shortest unit', () => {
    expect(formatDuration(172_800_000)).toBe('48h');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
