import semver from 'semver';
import type { ExtensionTypeSpec } from '../manifest/fleet.js';
import type { ClusterFacts } from './cluster-facts.js';

export type UnmetRequirement =
  | { kind: 'kubernetesVersion'; required: string; actual: string }
  | { kind: 'architectures'; required: string[]; actual: string[] }
  | { kind: 'conflict'; extensionType: string; conflictingExtension: string; conflictingType: string };

export type RequirementsResult = { met: true } | { met: false; unmet: UnmetRequirement[] };

/** Another extension installed (a Helm release exists) on the same cluster. */
export interface InstalledExtension {
  extension: string;
  extensionType: string;
  /** That type's own `conflictsWith`, so a conflict declared on either side counts. */
  conflictsWith: readonly string[];
}

export interface RequirementsInput {
  extensionType: string;
  spec: Pick<ExtensionTypeSpec, 'requirements' | 'conflictsWith'>;
  cluster: Extract<ClusterFacts, { reachable: true }>;
  /** Extensions installed on the cluster, not including the one being checked. */
  installed: readonly InstalledExtension[];
}

/**
 * Whether a cluster can take (another) instance of an extension type: the server version meets the
 * type's range, some node has one of its architectures, and no installed extension conflicts with it
 * in either direction. Every unmet requirement is returned, not just the first.
 *
 * A cluster without nodes meets no architecture requirement: DESIGN.md §1 asks for at least one
 * node, and installing an amd64-only agent where no node can be seen would only fail later.
 */
export function checkRequirements(input: RequirementsInput): RequirementsResult {
  const unmet: UnmetRequirement[] = [];
  const { kubernetesVersion, architectures } = input.spec.requirements;
  if (kubernetesVersion !== undefined) {
    // gitVersion carries a `v` and often a vendor suffix (`v1.30.2-eks-1552ad0`, `v1.29.3+k3s1`);
    // the release the vendor built on is what the range is about.
    const actual = semver.coerce(input.cluster.kubernetesVersion);
    if (actual === null || !semver.satisfies(actual, kubernetesVersion)) {
      unmet.push({ kind: 'kubernetesVersion', required: kubernetesVersion, actual: input.cluster.kubernetesVersion });
    }
  }
  if (architectures !== undefined && architectures.length > 0) {
    if (!architectures.some((arch) => input.cluster.architectures.includes(arch))) {
      unmet.push({ kind: 'architectures', required: [...architectures], actual: [...input.cluster.architectures] });
    }
  }
  for (const other of input.installed) {
    if (input.spec.conflictsWith.includes(other.extensionType) || other.conflictsWith.includes(input.extensionType)) {
      unmet.push({ kind: 'conflict', extensionType: input.extensionType, conflictingExtension: other.extension, conflictingType: other.extensionType });
    }
  }
  return unmet.length === 0 ? { met: true } : { met: false, unmet };
}

/** One sentence per unmet requirement, joined; for condition messages and events. */
export function formatUnmetRequirements(unmet: readonly UnmetRequirement[]): string {
  return unmet
    .map((u) => {
      switch (u.kind) {
        case 'kubernetesVersion':
          return `The cluster runs Kubernetes ${u.actual}, which does not satisfy the required range "${u.required}".`;
        case 'architectures':
          return u.actual.length === 0
            ? `The extension needs a node with architecture ${u.required.map((a) => `"${a}"`).join(' or ')}, and the cluster has no nodes with a kubernetes.io/arch label.`
            : `The extension needs a node with architecture ${u.required.map((a) => `"${a}"`).join(' or ')}; the cluster's nodes are ${u.actual.map((a) => `"${a}"`).join(', ')}.`;
        case 'conflict':
          return `Extension "${u.conflictingExtension}" of type "${u.conflictingType}" is installed, and it conflicts with type "${u.extensionType}"; remove one of them.`;
      }
    })
    .join(' ');
}
