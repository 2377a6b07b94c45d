import { describe, expect, it } from 'vitest';
import { expandPolicies } from '../plan/expand-policies.js';
import { connectedCluster, extension, extensionType, fleet, policy } from '../../test/support/fleet-builder.js';
import { buildExtensionView, renderExtensionList, renderExtensionShow } from './extension-view.js';

const sample = fleet({
  extensionTypes: [extensionType('monitoring'), extensionType('team-app', { scopes: ['namespace'] })],
  clusters: [connectedCluster('dev', { env: 'dev' }), connectedCluster('prod', { env: 'prod' })],
  extensions: [
    extension('prod', 'monitoring', 'monitoring', { autoUpgradeMinorVersion: false, version: '1.2.0', configurationSettings: { 'agent.level': 'debug', replicas: 2 }, configurationProtectedSettingsRef: { secretName: 'mon-secrets' } }),
  ],
  policies: [policy('apps', { clusterSelector: { matchLabels: { env: 'dev' } }, effect: 'DeployIfNotExists', extension: { name: 'app', extensionType: 'team-app', scope: 'namespace', targetNamespace: 'team' } })],
});
const instances = expandPolicies(sample).instances;
const types = new Map(sample.extensionTypes.map((t) => [t.metadata.name, t]));
const prod = instances.find((i) => i.cluster === 'prod')!;
const dev = instances.find((i) => i.cluster === 'dev')!;

describe('buildExtensionView', () => {
  it('from git: desired settings, namespaces and versions, no live state', () => {
    const view = buildExtensionView({ instance: prod, type: types.get('monitoring') });
    expect(view).toEqual({
      name: 'monitoring',
      clusterName: 'prod',
      extensionType: 'monitoring',
      scope: 'cluster',
      releaseNamespace: 'monitoring-system',
      autoUpgradeMinorVersion: false,
      version: '1.2.0',
      configurationSettings: { 'agent.level': 'debug', replicas: 2 },
      configurationProtectedSettings: { secretName: 'mon-secrets' },
      source: 'clusters/prod/monitoring.yaml:1',
      stateFrom: 'git',
    });
    const shown = renderExtensionShow(view);
    expect(shown).toContain('Live state: none — read from git only');
    expect(shown).toContain('(key names need the hub: pass --kubeconfig)');
  });

  it('names the policy of a generated instance, and the train of an auto-upgrading one', () => {
    const view = buildExtensionView({ instance: dev, type: types.get('team-app') });
    expect(view).toMatchObject({ generatedByPolicy: 'apps', targetNamespace: 'team', releaseTrain: 'stable', scope: 'namespace' });
    expect(view.releaseNamespace).toBeUndefined();
    expect(renderExtensionList([view]).split('\n')[1]).toMatch(/^app\s+dev\s+team-app\s+namespace\s+team\s+stable \(auto\)\s+-\s+-\s+policy apps$/);
  });

  it('from the hub: provisioning state, versions, Ready and the last error; protected settings by key name only', () => {
    const view = buildExtensionView({
      instance: prod,
      type: types.get('monitoring'),
      protectedKeys: ['token', 'clientId'],
      live: {
        status: {
          provisioningState: 'Failed',
          installedVersion: '1.1.0',
          desiredVersion: '1.2.0',
          observedGeneration: 1,
          conditions: [{ type: 'Ready', status: 'False', reason: 'UpgradeFailed', message: 'Helm upgrade timed out.', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }],
        },
      },
    });
    expect(view).toMatchObject({ stateFrom: 'hub', provisioningState: 'Failed', installedVersion: '1.1.0', desiredVersion: '1.2.0', ready: 'False', lastError: 'UpgradeFailed: Helm upgrade timed out.', configurationProtectedSettings: { secretName: 'mon-secrets', keys: ['clientId', 'token'] } });
    const shown = renderExtensionShow(view);
    expect(shown).toMatch(/^provisioningState:\s+Failed$/m);
    expect(shown).toMatch(/^ {2}clientId$/m);
    expect(shown).not.toContain('Live state: none');
  });
});
