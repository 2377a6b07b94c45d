import { describe, expect, it } from 'vitest';
import { mergePatchBetween } from './merge-patch-between.js';

/** RFC 7386 applied to plain data, to check that a patch really turns one value into the other. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

describe('mergePatchBetween', () => {
  it('removes members the new value lacks, at every depth', () => {
    const from = { pendingSince: '2026-01-01T00:00:00Z', failures: 3, release: { name: 'a', revision: 2, status: 'deployed' }, keep: 1 };
    const to = { release: { name: 'a', revision: 3 }, keep: 1 };
    const patch = mergePatchBetween(from, to);
    expect(patch).toEqual({ pendingSince: null, failures: null, release: { revision: 3, status: null } });
    expect(applyMergePatch(from, patch)).toEqual(to);
  });

  it('replaces arrays whole and leaves equal members out', () => {
    const from = { conditions: [{ type: 'Ready' }, { type: 'Drifted' }], n: 1 };
    const to = { conditions: [{ type: 'Ready' }], n: 1 };
    expect(mergePatchBetween(from, to)).toEqual({ conditions: [{ type: 'Ready' }] });
    expect(mergePatchBetween(to, to)).toEqual({});
  });
});
