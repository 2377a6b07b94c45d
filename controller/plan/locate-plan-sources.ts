import type { Fleet } from '../manifest/fleet.js';
import { expandPolicies } from './expand-policies.js';

/**
 * Where a plan entry is written: a file relative to the fleet path and, when the head revision
 * holds it, the line of its YAML document. An entry only the base holds (an uninstall, a cluster
 * leaving) has no line in head: `side` says so, and annotations point at the file alone.
 */
export interface PlanSource {
  file: string;
  line: number;
  side: 'head' | 'base';
}

/** Plan entries by what they name; plain data, so renderers stay pure. */
export interface PlanSources {
  /** `<cluster>/<extension>` → the Extension, or the policy that generates it. */
  releases: Record<string, PlanSource>;
  policies: Record<string, PlanSource>;
  clusters: Record<string, PlanSource>;
}

export function planSourceKey(cluster: string, extension: string): string {
  return `${cluster}/${extension}`;
}

/** Where each release, policy and cluster of the two revisions is declared, the head's place first. Pure. */
export function locatePlanSources(base: Fleet | undefined, head: Fleet): PlanSources {
  const sources: PlanSources = { releases: {}, policies: {}, clusters: {} };
  // Base first, head over it: what head still holds is pointed at in head.
  for (const [fleet, side] of [[base, 'base'], [head, 'head']] as const) {
    if (!fleet) continue;
    for (const instance of expandPolicies(fleet).instances) sources.releases[planSourceKey(instance.cluster, instance.name)] = { file: instance.source.file, line: instance.source.line, side };
    for (const policy of fleet.policies) sources.policies[policy.metadata.name] = { file: policy.source.file, line: policy.source.line, side };
    for (const cluster of fleet.clusters) sources.clusters[cluster.metadata.name] = { file: cluster.source.file, line: cluster.source.line, side };
  }
  return sources;
}
