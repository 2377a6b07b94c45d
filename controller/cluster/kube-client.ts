import { KubeConfig } from '@kubernetes/client-node';
import { ClusterextError } from '../errors/clusterext-error.js';
import { createKubeRest, type KubeRest } from '../runtime/kube-rest.js';

export type { KubeRest } from '../runtime/kube-rest.js';

/**
 * A raw JSON client (with a request counter) for the cluster a kubeconfig points at. The kubeconfig
 * is a string (the content of a ConnectedCluster's Secret), never a path, and is not kept after the
 * client is built.
 */
export function createKubeClient(kubeconfig: string, options: { context?: string } = {}): KubeRest {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(kubeconfig);
  } catch (err) {
    // The parser's message can quote the offending line, which may hold a credential.
    throw new ClusterextError('KubeconfigInvalid', 'The kubeconfig could not be parsed; check that the Secret holds a kubeconfig in YAML.', {}, { cause: err instanceof Error ? new Error(err.name) : undefined });
  }
  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) {
      throw new ClusterextError('KubeconfigInvalid', `The kubeconfig has no context "${options.context}"; name one of its contexts.`, { context: options.context });
    }
    kc.setCurrentContext(options.context);
  }
  return createKubeRest(kc);
}
