/**
 * What a pass asks of sharding (hub replicas with `--shards auto`): which clusters this replica
 * acts on, and whether it writes what belongs to a whole repository. A pass without a ShardScope
 * (one replica, leader election, agent mode) does everything, as before.
 */
export interface ShardScope {
  /** This replica holds the claim of `cluster` and may reconcile it now. */
  owns(cluster: string): boolean;
  /**
   * Asked before reconciling one release of `cluster`: undefined when this replica must not start
   * (its claim or membership is lost or late, the cluster moved, or shutdown); otherwise the claim
   * is kept until the returned function is called, so it is never handed over mid-operation.
   */
  enter(cluster: string): (() => void) | undefined;
  /**
   * This replica is the one that mirrors repositories into CRs, removes what left git, and writes
   * repository, ExtensionType and ExtensionPolicy status (it holds the controller Lease).
   */
  writesRepository(): boolean;
}
