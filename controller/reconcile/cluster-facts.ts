/** Why a cluster could not be read. */
export type UnreachableReason = 'ConnectionRefused' | 'Timeout' | 'DNSError' | 'TLSError' | 'Unauthorized' | 'Forbidden' | 'ServerError' | 'Unknown';

/**
 * What the controller knows about one cluster, read once per sync. An unreachable cluster is a
 * value, not an exception, so every release on it can be reported as pending.
 */
export type ClusterFacts =
  | {
      reachable: true;
      /** The server's gitVersion, e.g. `v1.34.4`. */
      kubernetesVersion: string;
      /** Distinct `kubernetes.io/arch` values of the nodes, sorted; empty when the cluster has no nodes. */
      architectures: string[];
      nodeCount: number;
    }
  | {
      reachable: false;
      reason: UnreachableReason;
      /** A whole sentence without credentials. */
      message: string;
    };
