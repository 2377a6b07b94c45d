import { ReleaseRecordCache } from '../cluster/cluster-release-heads.js';
import { createKubeClient } from '../cluster/kube-client.js';
import { readClusterFacts } from '../cluster/read-cluster-facts.js';
import type { ConnectedClusterManifest } from '../manifest/fleet.js';
import type { ClusterFacts } from '../reconcile/cluster-facts.js';
import type { KubeRest } from './kube-rest.js';
import { readSecretKey, type SecretReader } from './secret-reader.js';

/** One managed cluster as the controller reaches it for a sync. */
export interface ClusterConnection {
  name: string;
  facts: ClusterFacts;
  /** Absent when no client could be built (no or unreadable kubeconfig); facts say why then. */
  client?: {
    /** Kubeconfig content for helm (written to a private 0600 file per call); never logged. */
    kubeconfig: string;
    kube: KubeRest;
    /** Decoded Helm release records of this cluster, kept across passes (cluster-release-heads.ts). */
    releaseRecords: ReleaseRecordCache;
  };
}

export interface ClusterConnector {
  /** Undefined when this controller does not act on that cluster (agent mode, another cluster). */
  connect(cluster: ConnectedClusterManifest): Promise<ClusterConnection | undefined>;
  /**
   * Closes and forgets the clients no connect asked for in the last `idleMs` (clusters that left
   * every fleet, or whose kubeconfig Secret went), with their release record caches; a later
   * connect builds a new one. Returns how many went.
   */
  closeIdle(idleMs: number): number;
  close(): void;
}

/**
 * Hub mode: each ConnectedCluster is reached through the kubeconfig in the Secret its
 * `kubeconfigSecretRef` names. Agent mode (`agentCluster` set): only that cluster is acted on,
 * through the controller's own kubeconfig; every other cluster is left to its own agent.
 * Clients are kept per kubeconfig content, so a rotated Secret takes effect on the next sync.
 */
export function createClusterConnector(options: { secrets: SecretReader; agent?: { clusterName: string; kubeconfig: string }; now?: () => number }): ClusterConnector {
  const now = options.now ?? Date.now;
  const clients = new Map<string, { kubeconfig: string; kube: KubeRest; releaseRecords: ReleaseRecordCache; usedAt: number }>();
  const clientFor = (name: string, kubeconfig: string): { kube: KubeRest; releaseRecords: ReleaseRecordCache } => {
    const cached = clients.get(name);
    if (cached && cached.kubeconfig === kubeconfig) {
      cached.usedAt = now();
      return cached;
    }
    cached?.kube.close();
    const entry = { kubeconfig, kube: createKubeClient(kubeconfig), releaseRecords: new ReleaseRecordCache(), usedAt: now() };
    clients.set(name, entry);
    return entry;
  };
  return {
    async connect(cluster) {
      const name = cluster.metadata.name;
      let kubeconfig: string;
      if (options.agent) {
        if (options.agent.clusterName !== name) return undefined;
        kubeconfig = options.agent.kubeconfig;
      } else {
        const ref = cluster.spec.kubeconfigSecretRef;
        if (!ref) {
          const facts: ClusterFacts = { reachable: false, reason: 'Unknown', message: `ConnectedCluster "${name}" has no spec.kubeconfigSecretRef; a hub controller needs one to reach it (or run an agent in that cluster).` };
          return { name, facts };
        }
        try {
          kubeconfig = await readSecretKey(options.secrets, ref, `ConnectedCluster "${name}"`);
        } catch (err) {
          const facts: ClusterFacts = { reachable: false, reason: 'Unauthorized', message: err instanceof Error ? err.message : String(err) };
          return { name, facts };
        }
      }
      let client: { kube: KubeRest; releaseRecords: ReleaseRecordCache };
      try {
        client = clientFor(name, kubeconfig);
      } catch (err) {
        return { name, facts: { reachable: false, reason: 'Unknown', message: err instanceof Error ? err.message : String(err) } };
      }
      return { name, facts: await readClusterFacts(client.kube), client: { kubeconfig, kube: client.kube, releaseRecords: client.releaseRecords } };
    },
    closeIdle(idleMs) {
      let closed = 0;
      for (const [name, entry] of clients) {
        if (now() - entry.usedAt <= idleMs) continue;
        entry.kube.close();
        clients.delete(name);
        closed++;
      }
      return closed;
    },
    close() {
      for (const { kube } of clients.values()) kube.close();
      clients.clear();
    },
  };
}
