import { describe, expect, it } from 'vitest';
import { ClusterextError } from '../errors/clusterext-error.js';
import { chooseHelmDriver, DEFAULT_HELM_DRIVER } from './helm-driver-option.js';

const built = { path: '/cache/bin/clusterext-helm-helper-v4.1.4-abc' };
const missing = { missing: 'clusterext-helm-helper is not built for this version (no "/cache/bin/clusterext-helm-helper-v4.1.4-abc")' };

describe('chooseHelmDriver', () => {
  it('makes the helper the default driver', () => {
    expect(DEFAULT_HELM_DRIVER).toBe('helper');
    expect(chooseHelmDriver({ requested: DEFAULT_HELM_DRIVER, explicit: false, helper: built })).toEqual({ driver: 'helper', helmHelperPath: built.path });
  });

  it('falls back to the CLI driver when the default helper is missing, saying why and how to get it', () => {
    const choice = chooseHelmDriver({ requested: DEFAULT_HELM_DRIVER, explicit: false, helper: missing });
    expect(choice.driver).toBe('cli');
    const fallback = choice.driver === 'cli' ? choice.fallback! : '';
    expect(fallback).toContain(missing.missing);
    expect(fallback).toContain('npm run testbed:prepare');
    expect(fallback).toContain('CLUSTEREXT_HELM_HELPER');
    expect(fallback).toContain('--helm-driver cli');
    expect(fallback).not.toContain('\n');
  });

  it('refuses an explicit --helm-driver helper without the binary', () => {
    const err = (() => {
      try {
        chooseHelmDriver({ requested: 'helper', explicit: true, helper: missing });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ClusterextError);
    expect((err as ClusterextError).code).toBe('HelmHelperMissing');
    expect((err as Error).message).toContain('--helm-driver cli');
    expect((err as Error).message).toContain(missing.missing);
  });

  it('runs the CLI driver when asked, with no warning, whether or not the helper is there', () => {
    expect(chooseHelmDriver({ requested: 'cli', explicit: true, helper: built })).toEqual({ driver: 'cli' });
    expect(chooseHelmDriver({ requested: 'cli', explicit: true, helper: missing })).toEqual({ driver: 'cli' });
  });

  it('refuses an unknown driver', () => {
    expect(() => chooseHelmDriver({ requested: 'sdk', explicit: true, helper: built })).toThrow('--helm-driver must be "helper" or "cli", not "sdk".');
  });
});
