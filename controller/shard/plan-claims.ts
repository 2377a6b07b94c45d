/** A cluster's claim Lease as one replica observes it. */
export interface ClaimView {
  /** The replica holding the claim; undefined or '' when it was given up. */
  holder: string | undefined;
  /**
   * Its holder has not renewed it for a lease duration, measured on the observer's clock from when
   * it first saw the current version (as client-go does), so clock skew between replicas cannot
   * make a claim look expired early.
   */
  expired: boolean;
}

export type ClaimAction = 'acquire' | 'renew' | 'release' | 'wait';

export type ClaimReason =
  /** Assigned to this replica and nobody holds it (never claimed, given up, or expired). */
  | 'Free'
  /** This replica holds it and is still its owner. */
  | 'Owner'
  /** Another live replica holds it: it must give it up (or let it expire) first. */
  | 'HeldByOther'
  /** No longer assigned here (or shutting down) but an operation on it still runs: kept until it ends. */
  | 'Draining'
  /** No longer assigned here (another replica, the cluster left the fleet, or shutdown) and idle. */
  | 'NotAssigned';

export interface ClaimStep {
  cluster: string;
  action: ClaimAction;
  reason: ClaimReason;
}

/**
 * What one replica does with the claims of its shard on one tick. The claim Lease of a cluster is
 * what makes ownership exclusive: a replica acts on a cluster only while it holds the claim, takes a
 * claim only when it is free or expired (a write with the resourceVersion read, so two cannot both
 * win), and gives up a claim it no longer should have only once its operations there have ended.
 * So a new owner never starts before the old owner has stopped or its claim has expired. Sorted by
 * cluster.
 */
export function planClaims(input: {
  self: string;
  /** Clusters assignClusters gives this replica (empty while its own membership is not current). */
  assigned: ReadonlySet<string>;
  /** Every existing claim Lease, by cluster. */
  claims: ReadonlyMap<string, ClaimView>;
  /** Clusters with an operation of this replica running. */
  busy: ReadonlySet<string>;
  /** Shutting down: take nothing new, give up what is idle. */
  stopping: boolean;
}): ClaimStep[] {
  const clusters = new Set([...input.assigned, ...[...input.claims].filter(([, c]) => c.holder === input.self).map(([name]) => name)]);
  const steps: ClaimStep[] = [];
  for (const cluster of [...clusters].sort()) {
    const claim = input.claims.get(cluster);
    const mine = claim?.holder === input.self;
    const wanted = input.assigned.has(cluster) && !input.stopping;
    if (mine) {
      if (wanted) steps.push({ cluster, action: 'renew', reason: 'Owner' });
      else if (input.busy.has(cluster)) steps.push({ cluster, action: 'renew', reason: 'Draining' });
      else steps.push({ cluster, action: 'release', reason: 'NotAssigned' });
      continue;
    }
    if (!wanted) continue;
    const free = claim === undefined || !claim.holder || claim.expired;
    steps.push(free ? { cluster, action: 'acquire', reason: 'Free' } : { cluster, action: 'wait', reason: 'HeldByOther' });
  }
  return steps;
}
