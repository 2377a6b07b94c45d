import { describe, expect, it } from 'vitest';
import { computePlan } from '../plan/compute-plan.js';
import { connectedCluster, extension, extensionType, fleet } from '../../test/support/fleet-builder.js';
import { samplePlan } from '../../test/support/sample-plan.js';
import { renderPlanJson } from './render-plan-json.js';

function keysSortedEverywhere(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keysSortedEverywhere(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const keys = Object.keys(value);
  const own = path === '$' ? keys.slice(1) : keys;
  const bad = own.join() === [...own].sort().join() ? [] : [path];
  return [...bad, ...keys.flatMap((k) => keysSortedEverywhere((value as Record<string, unknown>)[k], `${path}.${k}`))];
}

describe('renderPlanJson', () => {
  it('starts with formatVersion "1" and sorts keys at every depth', () => {
    const parsed = JSON.parse(renderPlanJson(samplePlan())) as Record<string, unknown>;
    expect(Object.keys(parsed)[0]).toBe('formatVersion');
    expect(parsed.formatVersion).toBe('1');
    expect(keysSortedEverywhere(parsed)).toEqual([]);
  });

  it('is byte-identical for the same revisions written in another order', () => {
    const types = [extensionType('monitor'), extensionType('mesh')];
    const clusters = [connectedCluster('b'), connectedCluster('a')];
    const extensions = [extension('b', 'monitor', 'monitor', { configurationSettings: { z: 1, a: 2 } }), extension('a', 'mesh', 'mesh'), extension('a', 'monitor', 'monitor')];
    const one = renderPlanJson(computePlan({ base: undefined, head: { ...fleet({ extensionTypes: types, clusters }), extensions } }));
    const two = renderPlanJson(computePlan({ base: undefined, head: { ...fleet({ extensionTypes: [...types].reverse(), clusters: [...clusters].reverse() }), extensions: [...extensions].reverse() } }));
    expect(one).toBe(two);
    const parsed = JSON.parse(one) as { clusters: { cluster: string }[] };
    expect(parsed.clusters.map((c) => c.cluster)).toEqual(['a', 'b']);
  });

  it('carries the whole plan: summary, changes with reasons, ignored versions', () => {
    const parsed = JSON.parse(renderPlanJson(samplePlan())) as { summary: { install: number }; clusters: { changes: { action: string; reason: string }[] }[]; ignoredVersions: { version: string }[] };
    expect(parsed.summary.install).toBe(1);
    expect(parsed.clusters.flatMap((c) => c.changes).every((c) => c.reason.length > 0)).toBe(true);
    expect(parsed.ignoredVersions.map((v) => v.version)).toContain('1.0.029903');
  });
});
