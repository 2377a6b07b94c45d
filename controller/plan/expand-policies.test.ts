import { describe, expect, it } from 'vitest';
import { connectedCluster, extension, extensionType, fleet, policy } from '../../test/support/fleet-builder.js';
import { expandPolicies } from './expand-policies.js';

const clusters = [connectedCluster('prod-a', { env: 'prod' }), connectedCluster('prod-b', { env: 'prod' }), connectedCluster('dev-a', { env: 'dev' })];
const types = [extensionType('monitor'), extensionType('mesh')];
const deployMonitor = policy('deploy-monitor', {
  clusterSelector: { matchLabels: { env: 'prod' } },
  effect: 'DeployIfNotExists',
  extension: { name: 'monitor', extensionType: 'monitor', configurationSettings: { logLevel: 'info' } },
});

describe('expandPolicies', () => {
  it('generates an instance on every selected cluster without an Extension of the type', () => {
    const result = expandPolicies(fleet({ extensionTypes: types, clusters, policies: [deployMonitor] }));
    expect(result.instances.map((i) => [i.cluster, i.name, i.origin])).toEqual([
      ['prod-a', 'monitor', { kind: 'policy', policy: 'deploy-monitor' }],
      ['prod-b', 'monitor', { kind: 'policy', policy: 'deploy-monitor' }],
    ]);
    expect(result.instances[0]!.spec.configurationSettings).toEqual({ logLevel: 'info' });
    expect(result.compliance.map((c) => [c.cluster, c.compliant, c.reason])).toEqual([
      ['prod-a', true, 'DeployedByPolicy'],
      ['prod-b', true, 'DeployedByPolicy'],
    ]);
    expect(result.diagnostics).toEqual([]);
  });

  it('lets an explicit Extension of the type win, and judges it against the template', () => {
    const explicitMatching = extension('prod-a', 'my-monitor', 'monitor', { configurationSettings: { logLevel: 'info', extra: 1 } });
    const explicitDiffering = extension('prod-b', 'monitor', 'monitor', { configurationSettings: { logLevel: 'debug' } });
    const result = expandPolicies(fleet({ extensionTypes: types, clusters, extensions: [explicitMatching, explicitDiffering], policies: [deployMonitor] }));
    expect(result.instances.map((i) => [i.cluster, i.name, i.origin.kind])).toEqual([
      ['prod-a', 'my-monitor', 'explicit'],
      ['prod-b', 'monitor', 'explicit'],
    ]);
    const [a, b] = result.compliance;
    expect(a).toMatchObject({ cluster: 'prod-a', compliant: true, reason: 'MatchesTemplate', extension: 'my-monitor' });
    expect(b).toMatchObject({ cluster: 'prod-b', compliant: false, reason: 'SettingsDiffer', extension: 'monitor' });
    expect(b!.message).toContain('"logLevel" is "debug" where the template has "info"');
  });

  it('requires the template protected-settings Secret', () => {
    const withSecret = policy('secret-monitor', {
      clusterSelector: {},
      effect: 'Audit',
      extension: { name: 'monitor', extensionType: 'monitor', configurationProtectedSettingsRef: { secretName: 'monitor-keys' } },
    });
    const result = expandPolicies(
      fleet({
        extensionTypes: types,
        clusters,
        extensions: [
          extension('prod-a', 'monitor', 'monitor', { configurationProtectedSettingsRef: { secretName: 'monitor-keys' } }),
          extension('prod-b', 'monitor', 'monitor', { configurationProtectedSettingsRef: { secretName: 'other' } }),
          extension('dev-a', 'monitor', 'monitor'),
        ],
        policies: [withSecret],
      }),
    );
    expect(result.compliance.map((c) => [c.cluster, c.compliant])).toEqual([
      ['dev-a', false],
      ['prod-a', true],
      ['prod-b', false],
    ]);
    expect(result.compliance[0]!.message).toContain('no protected settings');
    expect(result.compliance[2]!.message).toContain('"other"');
  });

  it('only reports with Audit', () => {
    const audit = policy('audit-mesh', { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, effect: 'Audit', extension: { name: 'mesh', extensionType: 'mesh' } });
    const result = expandPolicies(fleet({ extensionTypes: types, clusters, extensions: [extension('dev-a', 'mesh', 'mesh')], policies: [audit] }));
    expect(result.instances.map((i) => `${i.cluster}/${i.name}`)).toEqual(['dev-a/mesh']);
    expect(result.compliance.map((c) => [c.cluster, c.compliant, c.reason])).toEqual([
      ['dev-a', true, 'MatchesTemplate'],
      ['prod-a', false, 'ExtensionMissing'],
      ['prod-b', false, 'ExtensionMissing'],
    ]);
  });

  it('does not generate over a release name taken by another type, and warns', () => {
    const taken = extension('prod-a', 'monitor', 'mesh');
    const result = expandPolicies(fleet({ extensionTypes: types, clusters, extensions: [taken], policies: [deployMonitor] }));
    expect(result.instances.map((i) => [i.cluster, i.name, i.spec.extensionType])).toEqual([
      ['prod-a', 'monitor', 'mesh'],
      ['prod-b', 'monitor', 'monitor'],
    ]);
    expect(result.compliance[0]).toMatchObject({ cluster: 'prod-a', compliant: false, reason: 'NameConflict' });
    expect(result.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'PolicyNameConflict', file: 'policies/deploy-monitor.yaml', pointer: '/spec/extension/name' })]);
  });

  it('lets the first policy by name generate when two deploy the same type', () => {
    const second = policy('z-monitor', { clusterSelector: { matchLabels: { env: 'prod' } }, effect: 'DeployIfNotExists', extension: { name: 'monitor-2', extensionType: 'monitor', configurationSettings: { logLevel: 'warn' } } });
    const result = expandPolicies(fleet({ extensionTypes: types, clusters, policies: [second, deployMonitor] }));
    expect(result.instances.map((i) => i.name)).toEqual(['monitor', 'monitor']);
    const z = result.compliance.filter((c) => c.policy === 'z-monitor');
    expect(z.map((c) => [c.compliant, c.reason])).toEqual([
      [false, 'SettingsDiffer'],
      [false, 'SettingsDiffer'],
    ]);
    expect(z[0]!.message).toContain('generated by policy "deploy-monitor"');
  });
});
