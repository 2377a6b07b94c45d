import { describe, expect, it } from 'vitest';
import { prodExtensionsYaml } from '../../test/support/prod-extensions-yaml.js';
import { removeExtensionDocument } from './remove-extension-document.js';

const file = prodExtensionsYaml;

describe('removeExtensionDocument', () => {
  it('removes exactly the document of that Extension on that cluster and keeps every other byte', () => {
    const out = removeExtensionDocument([{ path: 'a.yaml', content: 'kind: ExtensionType\n' }, { path: 'prod.yaml', content: file }], { cluster: 'prod-eu', name: 'gateway' });
    expect(out.path).toBe('prod.yaml');
    expect(out.deleted).toBe(false);
    const [first, , third] = file.split(/(?=^---)/m);
    expect(out.content).toBe(`${first}${third}`);
  });

  it('removes a first document written without ---', () => {
    const out = removeExtensionDocument([{ path: 'prod.yaml', content: file }], { cluster: 'prod-eu', name: 'flux' });
    expect(out.content.startsWith('---\n# the gateway, kept as written\n')).toBe(true);
    expect(out.content).toContain('extensionType: api-gateway   # trailing comment');
  });

  it('says the file is to be deleted when only comments would be left', () => {
    const out = removeExtensionDocument([{ path: 'one.yaml', content: '# only this\n---\nkind: Extension\nmetadata: {name: x}\nspec: {clusterName: c}\n' }], { cluster: 'c', name: 'x' });
    expect(out).toEqual({ path: 'one.yaml', content: '', deleted: true });
  });

  it('throws ExtensionNotFound when no file declares it', () => {
    expect(() => removeExtensionDocument([{ path: 'prod.yaml', content: file }], { cluster: 'dev', name: 'gateway' })).toThrow(expect.objectContaining({ code: 'ExtensionNotFound' }));
  });
});
