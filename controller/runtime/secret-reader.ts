import { ClusterextError } from '../errors/clusterext-error.js';
import { expectOk, type KubeRest } from './kube-rest.js';

/**
 * Reads Secrets in the controller's namespace: ConnectedCluster kubeconfigs, protected settings,
 * git credentials. Returns decoded values; callers must never log or record them, only the secret
 * and key names.
 */
export interface SecretReader {
  read(name: string): Promise<Record<string, string> | undefined>;
  /** The decoded data and the labels, for callers that decide by label whether they may use a Secret. */
  readWithLabels(name: string): Promise<{ data: Record<string, string>; labels: Record<string, string> } | undefined>;
}

export function createSecretReader(kube: KubeRest, namespace: string): SecretReader {
  const readWithLabels: SecretReader['readWithLabels'] = async (name) => {
    const res = await kube.request<{ metadata?: { labels?: Record<string, string> }; data?: Record<string, string> }>({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
    });
    if (res.status === 404) return undefined;
    const body = expectOk(res, `Reading Secret "${name}"`);
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(body.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
    return { data, labels: body.metadata?.labels ?? {} };
  };
  return {
    readWithLabels,
    read: async (name) => (await readWithLabels(name))?.data,
  };
}

/** Reads one key, with a message that says which Secret and key to create when it is missing. */
export async function readSecretKey(reader: SecretReader, ref: { name: string; key: string }, usedBy: string): Promise<string> {
  const data = await reader.read(ref.name);
  if (!data) {
    throw new ClusterextError('SecretNotFound', `Secret "${ref.name}" referenced by ${usedBy} does not exist in the controller's namespace; create it with key "${ref.key}".`, { secret: ref.name });
  }
  const value = data[ref.key];
  if (value === undefined) {
    throw new ClusterextError('SecretKeyNotFound', `Secret "${ref.name}" referenced by ${usedBy} has no key "${ref.key}".`, { secret: ref.name, key: ref.key });
  }
  return value;
}
