import { describe, expect, it } from 'vitest';
import { planClaims, type ClaimView } from './plan-claims.js';

const claims = (entries: Record<string, ClaimView>) => new Map(Object.entries(entries));
const plan = (o: Partial<Parameters<typeof planClaims>[0]>) => planClaims({ self: 'me', assigned: new Set(), claims: new Map(), busy: new Set(), stopping: false, ...o });

describe('planClaims', () => {
  it('acquires an assigned cluster whose claim is absent, given up or expired, and renews its own', () => {
    const steps = plan({
      assigned: new Set(['a', 'b', 'c', 'd']),
      claims: claims({ b: { holder: '', expired: false }, c: { holder: 'other', expired: true }, d: { holder: 'me', expired: false } }),
    });
    expect(steps).toEqual([
      { cluster: 'a', action: 'acquire', reason: 'Free' },
      { cluster: 'b', action: 'acquire', reason: 'Free' },
      { cluster: 'c', action: 'acquire', reason: 'Free' },
      { cluster: 'd', action: 'renew', reason: 'Owner' },
    ]);
  });

  it('waits for a claim another replica still holds, even when the cluster is assigned here', () => {
    expect(plan({ assigned: new Set(['a']), claims: claims({ a: { holder: 'other', expired: false } }) })).toEqual([{ cluster: 'a', action: 'wait', reason: 'HeldByOther' }]);
  });

  it('keeps a claim no longer assigned here while an operation runs on it, then releases it', () => {
    const held = claims({ a: { holder: 'me', expired: false } });
    expect(plan({ claims: held, busy: new Set(['a']) })).toEqual([{ cluster: 'a', action: 'renew', reason: 'Draining' }]);
    expect(plan({ claims: held })).toEqual([{ cluster: 'a', action: 'release', reason: 'NotAssigned' }]);
  });

  it('on shutdown takes nothing new, drains the busy clusters and releases the idle ones', () => {
    const steps = plan({ stopping: true, assigned: new Set(['a', 'b', 'c']), claims: claims({ a: { holder: 'me', expired: false }, b: { holder: 'me', expired: false } }), busy: new Set(['b']) });
    expect(steps).toEqual([
      { cluster: 'a', action: 'release', reason: 'NotAssigned' },
      { cluster: 'b', action: 'renew', reason: 'Draining' },
    ]);
  });

  it('ignores claims of clusters neither assigned here nor held here', () => {
    expect(plan({ claims: claims({ a: { holder: 'other', expired: true }, b: { holder: '', expired: false } }) })).toEqual([]);
  });
});
