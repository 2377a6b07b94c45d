import type { Fleet } from '../manifest/fleet.js';
import type { IgnoredChartVersion } from '../plan/desired-state.js';
import type { ChartCatalog } from '../plan/chart-catalog.js';
import { chartKey } from '../plan/chart-catalog.js';
import { trainChart } from '../plan/desired-state.js';
import type { PolicyCompliance } from '../plan/expand-policies.js';
import type { ClusterFacts } from '../reconcile/cluster-facts.js';
import { setCondition, type Condition } from '../status/condition.js';
import { deriveReadyCondition } from '../status/ready-condition.js';

/**
 * Status of the mirrored ConnectedCluster, ExtensionType and ExtensionPolicy CRs, built from what
 * one sync learnt. Pure; transition times are kept from the previous conditions, so an unchanged
 * cluster builds an equal status and is not written.
 */
export interface ConnectedClusterStatus {
  reachable: boolean;
  kubernetesVersion?: string;
  architectures?: string[];
  lastContactTime?: string;
  observedGeneration: number;
  conditions: Condition[];
}

export function buildClusterStatus(input: { facts: ClusterFacts; previous?: ConnectedClusterStatus; generation: number; now: Date; contactIntervalMs: number }): ConnectedClusterStatus {
  const { facts, previous, generation } = input;
  const nowIso = input.now.toISOString();
  let conditions = previous?.conditions ?? [];
  if (facts.reachable) {
    conditions = setCondition(conditions, { type: 'Reconciling', status: 'False', observedGeneration: generation, reason: 'ClusterReachable', message: `The cluster answers (Kubernetes ${facts.kubernetesVersion}, ${facts.nodeCount} nodes).` }, nowIso);
  } else {
    conditions = setCondition(conditions, { type: 'Reconciling', status: 'True', observedGeneration: generation, reason: 'ClusterUnreachable', message: facts.message }, nowIso);
  }
  conditions = setCondition(conditions, deriveReadyCondition(conditions, generation), nowIso);
  // lastContactTime moves only once per contact interval, so a steady fleet does not rewrite
  // every ConnectedCluster on every resync.
  const previousContact = previous?.lastContactTime ? Date.parse(previous.lastContactTime) : 0;
  const lastContactTime = facts.reachable ? (input.now.getTime() - previousContact >= input.contactIntervalMs ? nowIso : previous?.lastContactTime) : previous?.lastContactTime;
  return {
    reachable: facts.reachable,
    ...(facts.reachable ? { kubernetesVersion: facts.kubernetesVersion, architectures: facts.architectures } : pick(previous)),
    ...(lastContactTime ? { lastContactTime } : {}),
    observedGeneration: generation,
    conditions,
  };
}

function pick(previous: ConnectedClusterStatus | undefined): Partial<ConnectedClusterStatus> {
  if (!previous) return {};
  return { ...(previous.kubernetesVersion ? { kubernetesVersion: previous.kubernetesVersion } : {}), ...(previous.architectures ? { architectures: previous.architectures } : {}) };
}

export interface ExtensionTypeStatus {
  trains: Record<string, { versions: string[] }>;
  ignoredVersions: { version: string; reason: string; train?: string }[];
  observedGeneration: number;
  conditions: Condition[];
}

export function buildExtensionTypeStatuses(input: {
  fleet: Fleet;
  catalog: ChartCatalog;
  ignored: readonly IgnoredChartVersion[];
  previous: ReadonlyMap<string, ExtensionTypeStatus | undefined>;
  generations: ReadonlyMap<string, number>;
  now: Date;
}): Map<string, ExtensionTypeStatus> {
  const out = new Map<string, ExtensionTypeStatus>();
  for (const type of input.fleet.extensionTypes) {
    const name = type.metadata.name;
    const generation = input.generations.get(name) ?? 1;
    const trains: Record<string, { versions: string[] }> = {};
    const ignoredVersions: ExtensionTypeStatus['ignoredVersions'] = [];
    const unavailable: string[] = [];
    for (const [trainName, train] of Object.entries(type.spec.releaseTrains).sort(([a], [b]) => a.localeCompare(b))) {
      const listed = input.catalog.get(chartKey(trainChart(type, train)));
      if (!listed || listed.unavailableReason) {
        unavailable.push(`${trainName}: ${listed?.unavailableReason ?? 'not listed'}`);
        trains[trainName] = { versions: [] };
        continue;
      }
      trains[trainName] = { versions: listed.versions.filter((v) => train.includePrereleases || !v.includes('-')) };
      for (const ignored of listed.ignored) ignoredVersions.push({ version: ignored.version, reason: ignored.reason, train: trainName });
    }
    const nowIso = input.now.toISOString();
    let conditions = input.previous.get(name)?.conditions ?? [];
    conditions = setCondition(
      conditions,
      unavailable.length === 0
        ? {
            type: 'Reconciling',
            status: 'False',
            observedGeneration: generation,
            reason: 'VersionsListed',
            message: `Versions listed for ${Object.keys(trains).length} release train(s)${type.spec.versionPrefix ? `, "${type.spec.versionPrefix}"-prefixed versions accepted (versionPrefix: ${type.spec.versionPrefix})` : ''}; ${ignoredVersions.length} ignored.`,
          }
        : { type: 'Reconciling', status: 'True', observedGeneration: generation, reason: 'VersionsUnavailable', message: `Versions could not be listed for ${unavailable.join('; ')}` },
      nowIso,
    );
    conditions = setCondition(conditions, deriveReadyCondition(conditions, generation), nowIso);
    out.set(name, { trains, ignoredVersions, observedGeneration: generation, conditions });
  }
  return out;
}

export interface ExtensionPolicyStatus {
  compliantClusters: { name: string; reason: string }[];
  nonCompliantClusters: { name: string; reason: string }[];
  observedGeneration: number;
  conditions: Condition[];
}

export function buildPolicyStatuses(input: {
  fleet: Fleet;
  compliance: readonly PolicyCompliance[];
  previous: ReadonlyMap<string, ExtensionPolicyStatus | undefined>;
  generations: ReadonlyMap<string, number>;
  now: Date;
}): Map<string, ExtensionPolicyStatus> {
  const out = new Map<string, ExtensionPolicyStatus>();
  for (const policy of input.fleet.policies) {
    const name = policy.metadata.name;
    const generation = input.generations.get(name) ?? 1;
    const rows = input.compliance.filter((c) => c.policy === name);
    const compliantClusters = rows.filter((c) => c.compliant).map((c) => ({ name: c.cluster, reason: c.message }));
    const nonCompliantClusters = rows.filter((c) => !c.compliant).map((c) => ({ name: c.cluster, reason: c.message }));
    const nowIso = input.now.toISOString();
    let conditions = input.previous.get(name)?.conditions ?? [];
    const summary = `${compliantClusters.length} of ${rows.length} selected cluster(s) compliant.`;
    conditions = setCondition(
      conditions,
      nonCompliantClusters.length === 0
        ? { type: 'Reconciling', status: 'False', observedGeneration: generation, reason: 'Compliant', message: summary }
        : policy.spec.effect === 'Audit'
          ? { type: 'Reconciling', status: 'False', observedGeneration: generation, reason: 'AuditOnly', message: `${summary} Audit only: non-compliant clusters are reported, not changed.` }
          : { type: 'Reconciling', status: 'False', observedGeneration: generation, reason: 'NonCompliant', message: summary },
      nowIso,
    );
    conditions = setCondition(conditions, deriveReadyCondition(conditions, generation), nowIso);
    out.set(name, { compliantClusters, nonCompliantClusters, observedGeneration: generation, conditions });
  }
  return out;
}
