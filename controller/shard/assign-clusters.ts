import { createHash } from 'node:crypto';

/**
 * Which live replica should own each cluster: rendezvous (highest random weight) hashing, so every
 * replica that sees the same members computes the same answer without talking to the others, and
 * a replica that comes or goes moves only the clusters it gains or held (about 1/n of them), never
 * reshuffles the rest. Ties cannot happen in practice (64-bit weights); members are tried in sorted
 * order so the answer does not depend on the order they were listed in. No members: no owners.
 *
 * This is only an intention: two replicas with different views of the members may both want a
 * cluster for a moment. Exclusivity comes from the cluster's claim Lease (see planClaims).
 */
export function assignClusters(input: { members: readonly string[]; clusters: readonly string[] }): Map<string, string> {
  const members = [...new Set(input.members)].sort();
  const owners = new Map<string, string>();
  if (members.length === 0) return owners;
  for (const cluster of input.clusters) {
    let best = members[0]!;
    let bestWeight = -1n;
    for (const member of members) {
      const weight = rendezvousWeight(member, cluster);
      if (weight > bestWeight) {
        best = member;
        bestWeight = weight;
      }
    }
    owners.set(cluster, best);
  }
  return owners;
}

function rendezvousWeight(member: string, cluster: string): bigint {
  return createHash('sha256').update(member).update('\0').update(cluster).digest().readBigUInt64BE(0);
}
