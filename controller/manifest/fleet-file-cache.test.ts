import { describe, expect, it } from 'vitest';
import { FleetFileCache, type FileCheck } from './fleet-file-cache.js';

const check = (): FileCheck => ({ diagnostics: [], manifests: [] });

describe('FleetFileCache', () => {
  it('reuses the check of an unchanged file and checks a changed one again', () => {
    const cache = new FleetFileCache();
    let checks = 0;
    const counted = () => (checks++, check());
    cache.checkFile('a.yaml', 'one', counted);
    cache.checkFile('a.yaml', 'one', counted);
    cache.checkFile('a.yaml', 'two', counted);
    expect(checks).toBe(2);
  });

  it('forgets, after a load, the files that load did not read: files renamed or deleted do not pile up', () => {
    const cache = new FleetFileCache();
    for (let revision = 0; revision < 100; revision++) {
      // Each revision keeps a.yaml and renames the other file.
      cache.checkFile('a.yaml', 'same', check);
      cache.checkFile(`renamed-${revision}.yaml`, 'x', check);
      cache.forgetUntouched();
    }
    expect(cache.size).toBe(2);
    let checks = 0;
    cache.checkFile('a.yaml', 'same', () => (checks++, check()));
    expect(checks).toBe(0);
  });
});
