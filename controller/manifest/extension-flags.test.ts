import { describe, expect, it } from 'vitest';
import { extension } from '../../test/support/fleet-builder.js';
import { extensionFromFlags, extensionUpdateFromFlags } from './extension-flags.js';

const target = { name: 'gw', clusterName: 'prod-eu' };
const following = extension('prod-eu', 'gw', 'api-gateway').spec;
const pinned = extension('prod-eu', 'gw', 'api-gateway', { autoUpgradeMinorVersion: false, version: '1.0.0' }).spec;

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the flags to be refused');
}

describe('extensionUpdateFromFlags', () => {
  it('pins a version only with auto-upgrade off, given now or already so', () => {
    expect(problemsOf(() => extensionUpdateFromFlags(following, { ...target, version: '1.2.0' }))).toContain('--version needs --auto-upgrade-minor-version false');
    expect(extensionUpdateFromFlags(following, { ...target, version: '1.2.0', autoUpgradeMinorVersion: 'false' }).edit).toEqual({
      set: { autoUpgradeMinorVersion: false, version: '1.2.0' },
      remove: ['releaseTrain'],
      settings: {},
    });
    expect(extensionUpdateFromFlags(pinned, { ...target, version: '1.2.0' }).edit).toEqual({ set: { version: '1.2.0' }, remove: [], settings: {} });
    expect(problemsOf(() => extensionUpdateFromFlags(following, { ...target, autoUpgradeMinorVersion: 'false' }))).toContain('--auto-upgrade-minor-version false needs --version');
  });

  it('follows a train only with auto-upgrade on; turning it on drops the pin', () => {
    expect(problemsOf(() => extensionUpdateFromFlags(pinned, { ...target, releaseTrain: 'preview' }))).toContain('pinned to 1.0.0, so add --auto-upgrade-minor-version true');
    expect(extensionUpdateFromFlags(pinned, { ...target, releaseTrain: 'preview', autoUpgradeMinorVersion: 'true' }).edit).toEqual({
      set: { autoUpgradeMinorVersion: true, releaseTrain: 'preview' },
      remove: ['version'],
      settings: {},
    });
  });

  it('sets the settings given and returns protected settings as the complete set, never quoting a protected value', () => {
    const built = extensionUpdateFromFlags(following, { ...target, configurationSettings: ['a.b=1', 'c=x=y'], configurationProtectedSettings: ['token=s3cr3t-canary'] });
    expect(built.edit.settings).toEqual({ 'a.b': '1', c: 'x=y' });
    expect(built.protectedSettings).toEqual({ token: 's3cr3t-canary' });
    const message = problemsOf(() => extensionUpdateFromFlags(following, { ...target, configurationProtectedSettings: ['s3cr3t-canary'] }));
    expect(message).toContain('--configuration-protected-settings takes key=value pairs');
    expect(message).not.toContain('s3cr3t-canary');
  });

  it('reports every broken rule at once, and refuses an update that changes nothing', () => {
    const message = problemsOf(() =>
      extensionUpdateFromFlags(pinned, { ...target, releaseTrain: 'x', configurationSettings: ['a=1'], configurationSettingsFile: { path: 'f.json', content: '{}' }, autoUpgradeMinorVersion: 'maybe' }),
    );
    expect(message).toContain('break 3 rules');
    expect(message).toContain('--auto-upgrade-minor-version takes true or false, not "maybe".');
    expect(message).toContain('Give --configuration-settings or --configuration-settings-file, not both.');
    expect(problemsOf(() => extensionUpdateFromFlags(following, target))).toContain('Nothing to update');
  });
});

describe('--drift-ignore', () => {
  const create = { ...target, extensionType: 'api-gateway' };

  it('create writes the rules into spec.driftIgnore, and none without the flag', () => {
    expect(extensionFromFlags({ ...create, driftIgnore: ['/metadata/annotations', 'Deployment/web:/spec/replicas'] }).document.spec.driftIgnore).toEqual([
      { path: '/metadata/annotations' },
      { path: '/spec/replicas', kind: 'Deployment', name: 'web' },
    ]);
    expect(extensionFromFlags(create).document.spec).not.toHaveProperty('driftIgnore');
  });

  it('create reports a bad rule with the other broken rules, at once', () => {
    const message = problemsOf(() => extensionFromFlags({ ...create, driftIgnore: ['spec/replicas'], autoUpgradeMinorVersion: 'maybe' }));
    expect(message).toContain('break 2 rules');
    expect(message).toContain('--drift-ignore "spec/replicas": path "spec/replicas" is not a JSON Pointer: it must start with "/"; did you mean "/spec/replicas"?');
  });

  it('update replaces the rules with the set given, or removes them, not both', () => {
    expect(extensionUpdateFromFlags(following, { ...target, driftIgnore: ['Deployment:/spec/replicas'] }).edit).toEqual({ set: { driftIgnore: [{ path: '/spec/replicas', kind: 'Deployment' }] }, remove: [], settings: {} });
    expect(extensionUpdateFromFlags(following, { ...target, clearDriftIgnore: true }).edit).toEqual({ set: {}, remove: ['driftIgnore'], settings: {} });
    expect(problemsOf(() => extensionUpdateFromFlags(following, { ...target, driftIgnore: ['/a'], clearDriftIgnore: true }))).toContain('Give --drift-ignore (the new complete set of rules) or --clear-drift-ignore, not both.');
    expect(problemsOf(() => extensionUpdateFromFlags(following, { ...target, driftIgnore: ['Deployment/:/spec'] }))).toContain('"Deployment/" has no name after "/"');
  });
});
