import { ClusterextError } from '../errors/clusterext-error.js';
import type { ClusterFacts, UnreachableReason } from '../reconcile/cluster-facts.js';
import type { KubeRest, KubeRestResponse } from '../runtime/kube-rest.js';

interface NodeList {
  items: { metadata: { labels?: Record<string, string> } }[];
}

/**
 * The server version and node architectures of a cluster (two requests). An unreachable or
 * refusing cluster is returned as `{reachable: false, reason, message}`, never thrown. Nodes that
 * cannot be listed (403) count as none: the requirement check then reports the architecture as
 * unknown rather than guessing.
 */
export async function readClusterFacts(kube: KubeRest): Promise<ClusterFacts> {
  try {
    const version = await kube.request<{ gitVersion?: string }>({ method: 'GET', path: '/version', timeoutMs: 10_000 });
    if (!isOk(version)) return unreachableFromStatus(kube, version);
    const nodes = await kube.request<NodeList>({ method: 'GET', path: '/api/v1/nodes', timeoutMs: 10_000 });
    if (!isOk(nodes) && nodes.status !== 403) return unreachableFromStatus(kube, nodes);
    const items = isOk(nodes) ? nodes.body.items : [];
    const architectures = [...new Set(items.map((n) => n.metadata.labels?.['kubernetes.io/arch']).filter((a): a is string => !!a))].sort();
    return { reachable: true, kubernetesVersion: version.body.gitVersion ?? '', architectures, nodeCount: items.length };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return { reachable: false, reason: classifyNetworkError(text), message: err instanceof ClusterextError ? err.message : `The Kubernetes API at ${kube.server} could not be reached: ${text}` };
  }
}

function isOk(res: KubeRestResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

function unreachableFromStatus(kube: KubeRest, res: KubeRestResponse): ClusterFacts {
  const reason: UnreachableReason = res.status === 401 ? 'Unauthorized' : res.status === 403 ? 'Forbidden' : res.status >= 500 ? 'ServerError' : 'Unknown';
  const hint =
    reason === 'Unauthorized'
      ? 'the credentials in its kubeconfig were rejected (401); renew them in the ConnectedCluster\'s Secret.'
      : reason === 'Forbidden'
        ? 'the kubeconfig\'s user may not read the server version (403); grant it access.'
        : `the API answered HTTP ${res.status}.`;
  return { reachable: false, reason, message: `The Kubernetes API at ${kube.server} refused the request: ${hint}` };
}

/** Node's socket and TLS error texts, mapped to the reason shown on the ConnectedCluster. */
export function classifyNetworkError(text: string): UnreachableReason {
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up/i.test(text)) return 'ConnectionRefused';
  if (/ETIMEDOUT|timed out|timeout/i.test(text)) return 'Timeout';
  if (/ENOTFOUND|EAI_AGAIN/i.test(text)) return 'DNSError';
  if (/certificate|CERT_|SSL|TLS|self[- ]signed|EPROTO/i.test(text)) return 'TLSError';
  return 'Unknown';
}
