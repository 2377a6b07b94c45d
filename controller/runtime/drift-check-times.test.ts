import { describe, expect, it } from 'vitest';
import { DriftCheckTimes, retainExtensions } from './drift-check-times.js';

describe('DriftCheckTimes', () => {
  it('keeps one map per repository, the same one on every pass', () => {
    const times = new DriftCheckTimes();
    times.of('ns/a').set('prod.monitoring', 1);
    times.of('ns/b').set('prod.monitoring', 2);
    expect(times.of('ns/a').get('prod.monitoring')).toBe(1);
    expect(times.of('ns/b').get('prod.monitoring')).toBe(2);
    expect(times.size).toBe(2);
  });

  it('forgets the Extensions whose CRs are gone, and only those', () => {
    const times = new DriftCheckTimes();
    const a = times.of('ns/a');
    a.set('prod.monitoring', 1).set('prod.gateway', 2).set('dev.monitoring', 3);
    retainExtensions(a, new Set(['prod.monitoring', 'dev.monitoring', 'dev.new']));
    expect([...times.of('ns/a').entries()]).toEqual([
      ['prod.monitoring', 1],
      ['dev.monitoring', 3],
    ]);
  });

  it('does not grow with churn: Extensions created and deleted pass after pass leave nothing behind', () => {
    const times = new DriftCheckTimes();
    for (let pass = 0; pass < 1000; pass++) {
      const map = times.of('ns/a');
      // The sync lists the CRs of this pass: one that stays and one created for this pass only.
      retainExtensions(map, new Set(['prod.stays', `prod.churn-${pass}`]));
      map.set('prod.stays', pass).set(`prod.churn-${pass}`, pass);
    }
    expect(times.size).toBe(2);
  });

  it('forgets the repositories a pass no longer lists', () => {
    const times = new DriftCheckTimes();
    times.of('ns/a').set('prod.monitoring', 1);
    times.of('ns/b').set('dev.monitoring', 2);
    times.retainRepositories(new Set(['ns/b']));
    expect(times.size).toBe(1);
    expect(times.of('ns/a').size).toBe(0);
    expect(times.of('ns/b').get('dev.monitoring')).toBe(2);
  });
});
