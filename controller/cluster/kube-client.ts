import { createKubeRest, type KubeRest } from '../runtime/kube-rest.js';
import { loadKubeconfig } from './kubeconfig.js';

export type { KubeRest } from '../runtime/kube-rest.js';

/**
 * A raw JSON client (with a request counter) for the cluster a kubeconfig points at. The kubeconfig
 * is a string (the content of a ConnectedCluster's Secret), never a path, and is not kept after the
 * client is built (except by exec and auth-provider users, which @kubernetes/client-node serves).
 */
export function createKubeClient(kubeconfig: string, options: { context?: string } = {}): KubeRest {
  return createKubeRest(loadKubeconfig(kubeconfig, options).rest);
}
