import { chartKey, type ChartCatalog } from '../../controller/plan/chart-catalog.js';
import { classifyIndexVersions } from '../../controller/plan/classify-index-versions.js';
import { computePlan } from '../../controller/plan/compute-plan.js';
import type { Plan } from '../../controller/plan/plan.js';
import { connectedCluster, extension, extensionType, fleet, policy } from './fleet-builder.js';

/**
 * A plan with one of every kind of change, for the renderers' tests: built by the real
 * computePlan from two small fleets, so renderer tests follow the plan model as it changes.
 */
export function samplePlan(options: { offline?: boolean } = {}): Plan {
  const types = [extensionType('monitor'), extensionType('mesh'), extensionType('policy-engine')];
  const catalog: ChartCatalog = new Map(
    ['monitor', 'mesh', 'policy-engine'].map((name) => [
      chartKey({ repository: 'https://charts.example', name }),
      classifyIndexVersions({ entries: { [name]: ['1.0.0', '1.2.0', '1.3.0', '2.0.0', '1.0.029903'].map((version) => ({ version })) } }, name),
    ]),
  );
  const clusters = [connectedCluster('edge-1', { env: 'edge' }), connectedCluster('prod-1', { env: 'prod' })];
  const pin = (version: string) => ({ autoUpgradeMinorVersion: false, version });
  const audit = policy('require-monitor', { clusterSelector: { matchLabels: { env: 'edge' } }, effect: 'Audit', extension: { name: 'monitor', extensionType: 'monitor' } });
  const base = fleet({
    extensionTypes: types,
    clusters,
    policies: [audit],
    extensions: [
      extension('prod-1', 'monitor', 'monitor', { ...pin('1.2.0'), configurationSettings: { 'log.level': 'info', replicas: 2 }, configurationProtectedSettingsRef: { secretName: 'monitor-keys' } }),
      extension('prod-1', 'engine', 'policy-engine', pin('1.3.0')),
      extension('prod-1', 'old-agent', 'mesh', pin('1.0.0')),
      extension('prod-1', 'pinned-down', 'monitor', { ...pin('1.3.0'), releaseNamespace: 'down' }),
      extension('edge-1', 'monitor', 'monitor', pin('1.0.0')),
      extension('edge-1', 'edge-agent', 'mesh', pin('1.0.0')),
    ],
  });
  const head = fleet({
    extensionTypes: types,
    clusters,
    policies: [audit],
    extensions: [
      extension('prod-1', 'monitor', 'monitor', { ...pin('1.3.0'), configurationSettings: { 'log.level': 'debug', 'new\\.key': true }, configurationProtectedSettingsRef: { secretName: 'monitor-keys-v2' } }),
      extension('prod-1', 'engine', 'policy-engine', { ...pin('2.0.0'), releaseNamespace: 'engine' }),
      extension('prod-1', 'mesh', 'mesh'),
      extension('prod-1', 'pinned-down', 'monitor', { ...pin('1.0.0'), releaseNamespace: 'down' }),
    ],
  });
  return computePlan({ base, head, ...(options.offline ? {} : { catalog }), baseRevision: 'main', headRevision: 'feature' });
}
