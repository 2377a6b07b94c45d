import { stringify } from 'yaml';

/** A small deterministic PRNG (mulberry32), so a seed replays the same edits. */
export function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const CHART_VERSIONS = ['1.0.0', '1.1.0', '2.0.0', '2.1.0-rc.1'] as const;
const PINNABLE = ['1.0.0', '1.1.0', '2.0.0'];

export interface RandomExtension {
  name: string;
  cluster: string;
  type: 'config' | 'ops';
  scope: 'cluster' | 'namespace';
  /** releaseNamespace (scope cluster, undefined = the type's default) or targetNamespace (scope namespace). */
  namespace?: string;
  pin?: string;
  train: 'stable' | 'preview';
  settings: Record<string, string>;
  driftDetection: 'warn' | 'disabled';
}

export interface RandomFleetState {
  /** Cluster name → has the label tier=edge. */
  clusters: Map<string, boolean>;
  /** The optional cluster: not yet in the fleet, in it, or gone for good (its releases are left behind). */
  optional: { name: string; state: 'out' | 'in' | 'gone' };
  extensions: RandomExtension[];
  policy: boolean;
  nextId: number;
}

export function initialState(alwaysIn: string[], optional: string): RandomFleetState {
  return {
    clusters: new Map(alwaysIn.map((c) => [c, false])),
    optional: { name: optional, state: 'out' },
    extensions: alwaysIn.map((cluster, i) => ({ name: `e${i}`, cluster, type: 'config', scope: 'cluster', train: 'stable', settings: { 'data.k': 'v0' }, driftDetection: 'warn' })),
    policy: false,
    nextId: alwaysIn.length,
  };
}

/** The fleet repository's files for a state (null: the file is deleted). */
export function filesOf(state: RandomFleetState, chartsUrl: string): Record<string, string | null> {
  const doc = (kind: string, name: string, spec: object, labels?: Record<string, string>) => stringify({ apiVersion: 'clusterext.io/v1alpha1', kind, metadata: { name, ...(labels ? { labels } : {}) }, spec });
  const type = (name: string, scopes: string[]) =>
    doc('ExtensionType', name, { chart: { repository: chartsUrl, name: 'config-values' }, scopes, defaultReleaseNamespace: `${name}-system`, releaseTrains: { stable: {}, preview: { includePrereleases: true } } });
  const clusters = [...state.clusters].map(([name, edge]) => doc('ConnectedCluster', name, { kubeconfigSecretRef: { name: `${name}-kubeconfig`, key: 'kubeconfig' } }, edge ? { tier: 'edge' } : { tier: 'core' }));
  const extensions = state.extensions.map((e) =>
    doc('Extension', e.name, {
      clusterName: e.cluster,
      extensionType: e.type,
      scope: e.scope,
      ...(e.namespace !== undefined ? (e.scope === 'cluster' ? { releaseNamespace: e.namespace } : { targetNamespace: e.namespace }) : {}),
      ...(e.pin !== undefined ? { autoUpgradeMinorVersion: false, version: e.pin } : { releaseTrain: e.train }),
      configurationSettings: e.settings,
      driftDetection: e.driftDetection,
    }),
  );
  return {
    'fleet/types.yaml': [type('config', ['cluster', 'namespace']), type('ops', ['cluster'])].join('---\n'),
    'fleet/clusters.yaml': clusters.join('---\n'),
    'fleet/extensions.yaml': extensions.length > 0 ? extensions.join('---\n') : null,
    'fleet/policy.yaml': state.policy
      ? doc('ExtensionPolicy', 'edge-ops', { clusterSelector: { matchLabels: { tier: 'edge' } }, effect: 'DeployIfNotExists', extension: { name: 'pol', extensionType: 'ops', scope: 'cluster', configurationSettings: { 'data.p': 'policy' } } })
      : null,
  };
}

/**
 * One random edit, in place; returns what it did. Edits that would make the fleet invalid (a second
 * cluster-scoped instance of a type on a cluster) are not generated, so every commit is applicable.
 */
export function randomEdit(state: RandomFleetState, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const clusters = [...state.clusters.keys()];
  const clusterScopedTaken = (cluster: string, type: string, except?: RandomExtension) => state.extensions.some((e) => e !== except && e.cluster === cluster && e.type === type && e.scope === 'cluster');
  for (;;) {
    const kind = pick(['settings', 'pin', 'train', 'namespace', 'scope', 'type', 'label', 'policy', 'add', 'delete', 'cluster', 'drift'] as const);
    const ext = state.extensions.length > 0 ? pick(state.extensions) : undefined;
    switch (kind) {
      case 'settings':
        if (!ext) continue;
        ext.settings = random() < 0.3 ? { ...ext.settings, [`data.x${state.nextId++}`]: 'new' } : { ...ext.settings, 'data.k': `v${state.nextId++}` };
        return `settings of ${ext.cluster}/${ext.name}`;
      case 'pin': {
        if (!ext) continue;
        const pin = pick(PINNABLE.filter((v) => v !== ext.pin));
        const was = ext.pin ?? 'auto';
        ext.pin = pin;
        return `pin ${ext.cluster}/${ext.name} ${was} → ${pin}`;
      }
      case 'train':
        if (!ext) continue;
        ext.pin = undefined;
        ext.train = pick(['stable', 'preview'] as const);
        return `${ext.cluster}/${ext.name} follows train ${ext.train}`;
      case 'namespace':
        if (!ext) continue;
        ext.namespace = ext.scope === 'namespace' ? `team-${state.nextId++}` : random() < 0.3 ? undefined : `moved-${state.nextId++}`;
        return `${ext.cluster}/${ext.name} moves to namespace ${ext.namespace ?? '(default)'}`;
      case 'scope':
        if (!ext || ext.type !== 'config') continue;
        if (ext.scope === 'cluster') {
          ext.scope = 'namespace';
          ext.namespace = `team-${state.nextId++}`;
        } else {
          if (clusterScopedTaken(ext.cluster, ext.type, ext)) continue;
          ext.scope = 'cluster';
          ext.namespace = undefined;
        }
        return `${ext.cluster}/${ext.name} becomes ${ext.scope}-scoped`;
      case 'type': {
        if (!ext || ext.scope !== 'cluster') continue;
        const to = ext.type === 'config' ? 'ops' : 'config';
        if (clusterScopedTaken(ext.cluster, to, ext)) continue;
        ext.type = to;
        return `${ext.cluster}/${ext.name} changes type to ${to}`;
      }
      case 'label': {
        const cluster = pick(clusters);
        state.clusters.set(cluster, !state.clusters.get(cluster));
        return `cluster ${cluster} tier=${state.clusters.get(cluster) ? 'edge' : 'core'}`;
      }
      case 'policy':
        state.policy = !state.policy;
        return state.policy ? 'policy edge-ops added' : 'policy edge-ops removed';
      case 'add': {
        if (state.extensions.length >= 7) continue;
        const cluster = pick(clusters);
        const type = pick(['config', 'ops'] as const);
        const scope = clusterScopedTaken(cluster, type) ? 'namespace' : 'cluster';
        if (scope === 'namespace' && type === 'ops') continue;
        const name = `e${state.nextId++}`;
        state.extensions.push({ name, cluster, type, scope, ...(scope === 'namespace' ? { namespace: `team-${state.nextId++}` } : {}), ...(random() < 0.5 ? { pin: pick(PINNABLE) } : {}), train: 'stable', settings: { 'data.k': name }, driftDetection: 'warn' });
        return `Extension ${cluster}/${name} (${type}, ${scope}) added`;
      }
      case 'delete':
        if (!ext || state.extensions.length <= 2) continue;
        state.extensions.splice(state.extensions.indexOf(ext), 1);
        return `Extension ${ext.cluster}/${ext.name} deleted`;
      case 'cluster': {
        const optional = state.optional;
        if (optional.state === 'out') {
          optional.state = 'in';
          state.clusters.set(optional.name, random() < 0.5);
          const name = `e${state.nextId++}`;
          state.extensions.push({ name, cluster: optional.name, type: 'config', scope: 'cluster', train: 'stable', settings: { 'data.k': name }, driftDetection: 'warn' });
          return `cluster ${optional.name} joins the fleet with Extension ${name}`;
        }
        if (optional.state === 'in') {
          optional.state = 'gone';
          state.clusters.delete(optional.name);
          state.extensions = state.extensions.filter((e) => e.cluster !== optional.name);
          return `cluster ${optional.name} leaves the fleet`;
        }
        continue;
      }
      case 'drift':
        if (!ext) continue;
        ext.driftDetection = ext.driftDetection === 'warn' ? 'disabled' : 'warn';
        return `drift detection of ${ext.cluster}/${ext.name} → ${ext.driftDetection}`;
    }
  }
}
