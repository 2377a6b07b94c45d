import { describe, expect, it } from 'vitest';
import { clusterextCacheDir, stagingModules } from './control-plane-binaries.js';

describe('stagingModules', () => {
  it('lists the k8s.io modules required at v0.0.0, and nothing else', () => {
    const goMod = [
      'module k8s.io/kubernetes',
      'require (',
      '\tgithub.com/blang/semver/v4 v4.0.0',
      '\tk8s.io/api v0.0.0',
      '\tk8s.io/klog/v2 v2.130.1',
      '\tk8s.io/apiserver v0.0.0',
      ')',
      'replace (',
      '\tk8s.io/api => ./staging/src/k8s.io/api',
      ')',
    ].join('\n');
    expect(stagingModules(goMod)).toEqual(['k8s.io/api', 'k8s.io/apiserver']);
  });
});

describe('clusterextCacheDir', () => {
  it('prefers CLUSTEREXT_CACHE_DIR, then XDG_CACHE_HOME/clusterext', () => {
    expect(clusterextCacheDir({ CLUSTEREXT_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(clusterextCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/clusterext');
    expect(clusterextCacheDir({})).toMatch(/\/\.cache\/clusterext$/);
  });
});
