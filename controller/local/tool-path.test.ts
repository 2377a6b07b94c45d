import { describe, expect, it } from 'vitest';
import { ClusterextError } from '../errors/clusterext-error.js';
import { toolPath } from './tool-path.js';

describe('toolPath', () => {
  it('uses the override variable when it names an executable', () => {
    expect(toolPath('helm', { CLUSTEREXT_HELM: '/bin/sh' })).toBe('/bin/sh');
  });

  it('rejects an override that is not executable, naming the variable', () => {
    const attempt = () => toolPath('kubectl', { CLUSTEREXT_KUBECTL: '/nonexistent/kubectl' });
    expect(attempt).toThrow(ClusterextError);
    expect(attempt).toThrow(/CLUSTEREXT_KUBECTL points to "\/nonexistent\/kubectl"/);
  });
});
