import { describe, expect, it } from 'vitest';
import { prodExtensionsYaml } from '../../test/support/prod-extensions-yaml.js';
import { updateExtensionDocument } from './update-extension-document.js';

const file = prodExtensionsYaml;
const none = { set: {}, remove: [], settings: {} };

describe('updateExtensionDocument', () => {
  it('changes only the lines of the edit in that document, keeping comments, spacing and the other documents byte for byte', () => {
    const out = updateExtensionDocument([{ path: 'prod.yaml', content: file }], { cluster: 'prod-eu', name: 'gateway' }, { ...none, settings: { logLevel: 'debug', 'new.key': 'x' } });
    expect(out.path).toBe('prod.yaml');
    const [first, , third] = file.split(/(?=^---)/m);
    const [outFirst, outSecond, outThird] = out.content.split(/(?=^---)/m);
    expect(outFirst).toBe(first);
    expect(outThird).toBe(third);
    const before = file.split('\n');
    const after = out.content.split('\n');
    expect(after.filter((l) => !before.includes(l))).toEqual(['    logLevel: debug', '    new.key: x']);
    expect(before.filter((l) => !after.includes(l))).toEqual(['    logLevel: info']);
    expect(outSecond).toContain('extensionType: api-gateway   # trailing comment');
    expect(outSecond).toContain('    # how loud\n');
  });

  it('pins a version: sets autoUpgradeMinorVersion and version, removes the train', () => {
    const out = updateExtensionDocument([{ path: 'prod.yaml', content: file }], { cluster: 'prod-eu', name: 'gateway' }, { set: { autoUpgradeMinorVersion: false, version: '1.2.0' }, remove: ['releaseTrain'], settings: {} });
    const second = out.content.split(/(?=^---)/m)[1]!;
    expect(second).toContain('  autoUpgradeMinorVersion: false\n');
    expect(second).toMatch(/^ {2}version: 1\.2\.0$/m);
    expect(second).not.toContain('releaseTrain');
  });

  it('edits a flow-style document in its style, and adds configurationSettings when there are none', () => {
    const out = updateExtensionDocument([{ path: 'prod.yaml', content: file }], { cluster: 'prod-us', name: 'gateway' }, { set: { configurationProtectedSettingsRef: { secretName: 's' } }, remove: [], settings: { a: true } });
    const third = out.content.split(/(?=^---)/m)[2]!;
    expect(third).toContain('spec: {clusterName: prod-us, extensionType: api-gateway, scope: cluster, configurationProtectedSettingsRef: {secretName: s}, configurationSettings: {a: true}}\n');
  });

  it('keeps a string that looks like a number a string', () => {
    const out = updateExtensionDocument([{ path: 'prod.yaml', content: file }], { cluster: 'prod-eu', name: 'gateway' }, { ...none, settings: { 'data.retries': '5' } });
    expect(out.content).toContain('    data.retries: "5"\n');
  });

  it('throws ExtensionNotFound when no file declares it', () => {
    expect(() => updateExtensionDocument([{ path: 'prod.yaml', content: file }], { cluster: 'dev', name: 'gateway' }, none)).toThrow(expect.objectContaining({ code: 'ExtensionNotFound' }));
  });
});
