import { describe, expect, it } from 'vitest';
import type { ObjectDrift } from './drift-report.js';
import { summarizeExtensionDrift } from './summarize-extension-drift.js';

const changed = (kind: string, name: string, paths: string[]): ObjectDrift => ({ apiVersion: 'v1', kind, namespace: 'app', name, state: 'changed', fields: paths.map((path) => ({ path, desired: 'SECRET-D', live: 'SECRET-L' })) });

describe('summarizeExtensionDrift', () => {
  it('gives counts and each object with its paths, never the values', () => {
    const summary = summarizeExtensionDrift({
      release: [],
      objects: [changed('ConfigMap', 'cfg', ['/data/a']), changed('Deployment', 'web', ['/spec/template/spec/containers/0/image']), { apiVersion: 'v1', kind: 'Service', namespace: 'app', name: 'web', state: 'missing', fields: [] }],
    });
    expect(summary).toBe('2 objects changed, 1 object missing: ConfigMap "app/cfg" /data/a; Deployment "app/web" /spec/template/spec/containers/0/image; Service "app/web" is missing.');
    expect(summary).not.toContain('SECRET');
  });

  it('names the first few paths and counts the rest', () => {
    const summary = summarizeExtensionDrift({ release: [], objects: [changed('ConfigMap', 'a', ['/data/1', '/data/2', '/data/3']), changed('ConfigMap', 'b', ['/data/4', '/data/5'])] }, 4);
    expect(summary).toBe('2 objects changed: ConfigMap "app/a" /data/1, /data/2, /data/3; ConfigMap "app/b" /data/4; and 1 more.');
  });

  it('names release-level reasons', () => {
    expect(summarizeExtensionDrift({ release: [{ reason: 'ChartVersionDiffers', message: 'm' }], objects: [] })).toBe('ChartVersionDiffers.');
  });
});
