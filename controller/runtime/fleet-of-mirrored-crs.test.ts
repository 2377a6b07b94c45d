import { describe, expect, it } from 'vitest';
import { computeDesiredState } from '../plan/desired-state.js';
import { expandPolicies } from '../plan/expand-policies.js';
import { connectedCluster, extension, extensionType, fleet, policy } from '../../test/support/fleet-builder.js';
import type { CustomResource } from './cr-store.js';
import { fleetOfMirroredCrs } from './fleet-of-mirrored-crs.js';
import { buildMirroredResources } from './mirrored-resources.js';

function mirror(f: ReturnType<typeof fleet>, repository: string, revision: string): CustomResource[] {
  return buildMirroredResources({ fleet: f, instances: expandPolicies(f).instances, repository, revision }).map((m) => ({
    apiVersion: 'clusterext.io/v1alpha1',
    kind: m.kind,
    metadata: { name: m.name, namespace: 'clusterext-system', labels: m.labels, annotations: m.annotations },
    spec: m.spec as Record<string, unknown>,
  }));
}

function byKind(crs: CustomResource[]) {
  return {
    extensionTypes: crs.filter((c) => c.kind === 'ExtensionType'),
    clusters: crs.filter((c) => c.kind === 'ConnectedCluster'),
    extensions: crs.filter((c) => c.kind === 'Extension'),
    policies: crs.filter((c) => c.kind === 'ExtensionPolicy'),
  };
}

describe('fleetOfMirroredCrs', () => {
  const original = fleet({
    extensionTypes: [extensionType('monitoring'), extensionType('web')],
    clusters: [connectedCluster('prod-eu', { env: 'prod' }), connectedCluster('dev-eu', { env: 'dev' })],
    extensions: [extension('dev-eu', 'web', 'web', { configurationSettings: { 'image.tag': '1.2.3' } }), extension('prod-eu', 'monitoring', 'monitoring', { configurationSettings: { explicit: true } })],
    policies: [policy('monitoring-everywhere', { clusterSelector: { matchLabels: {} }, effect: 'DeployIfNotExists', extension: { name: 'monitoring', extensionType: 'monitoring', configurationSettings: { from: 'policy' } } })],
  });

  it('gives back a fleet whose desired releases are those of the fleet that was mirrored, policy origins included', () => {
    const [rebuilt, ...others] = fleetOfMirroredCrs(byKind(mirror(original, 'fleet', 'abc123')));
    expect(others).toEqual([]);
    expect(rebuilt!.repository).toBe('fleet');
    expect(rebuilt!.revision).toBe('abc123');
    const want = computeDesiredState({ fleet: original });
    const got = computeDesiredState({ fleet: rebuilt!.fleet });
    expect(got.releases).toEqual(want.releases);
    expect(got.releases.find((r) => r.cluster === 'dev-eu' && r.extension === 'monitoring')?.origin).toEqual({ kind: 'policy', policy: 'monitoring-everywhere' });
    expect(got.compliance).toEqual(want.compliance);
    // The labels the mirror added are not the cluster's: a selector on them must not match.
    expect(rebuilt!.fleet.clusters.map((c) => c.metadata.labels)).toEqual([{ env: 'dev' }, { env: 'prod' }]);
  });

  it('keeps repositories apart and leaves out what is being deleted', () => {
    const crs = [...mirror(original, 'b-repo', 'r2'), ...mirror(fleet({ extensionTypes: [extensionType('web')], clusters: [connectedCluster('edge')], extensions: [extension('edge', 'web', 'web')] }), 'a-repo', 'r1')];
    const deleting = crs.find((c) => c.kind === 'Extension' && c.metadata.name === 'dev-eu.web')!;
    deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const rebuilt = fleetOfMirroredCrs(byKind(crs));
    expect(rebuilt.map((r) => [r.repository, r.revision, r.fleet.extensions.map((e) => `${e.spec.clusterName}.${e.metadata.name}`)])).toEqual([
      ['a-repo', 'r1', ['edge.web']],
      ['b-repo', 'r2', ['prod-eu.monitoring']],
    ]);
  });
});
