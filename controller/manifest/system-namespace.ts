import { DEFAULT_CONTROLLER_NAMESPACE } from './validation-limits.js';

export { DEFAULT_CONTROLLER_NAMESPACE };

/** Namespaces of Kubernetes itself, on every cluster. */
const KUBERNETES_SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'default'];

/**
 * Why a namespace-scoped instance may not be installed into `namespace`, or undefined when it may.
 * A namespace-scoped instance gets full rights in its namespace (a `*` Role for its identity); in a
 * system namespace (Kubernetes' own, or the controller's, which holds kubeconfigs, protected
 * settings and the digest key) that is the keys to the cluster or to the fleet. An ExtensionType
 * that must run there says so with `spec.allowSystemNamespaces: true`. The one rule for validate,
 * plan and the controller, each passing the controller's namespace (ValidationLimits.controllerNamespace).
 */
export function systemNamespaceViolation(input: {
  namespace: string;
  extensionType: string;
  allowSystemNamespaces: boolean | undefined;
  controllerNamespace?: string;
}): string | undefined {
  if (input.allowSystemNamespaces === true) return undefined;
  const controllerNamespace = input.controllerNamespace ?? DEFAULT_CONTROLLER_NAMESPACE;
  const which = KUBERNETES_SYSTEM_NAMESPACES.includes(input.namespace) ? 'a Kubernetes system namespace' : input.namespace === controllerNamespace ? "the controller's namespace" : undefined;
  if (which === undefined) return undefined;
  return `targetNamespace "${input.namespace}" is ${which}, where a namespace-scoped instance would get full rights; choose another namespace, or set allowSystemNamespaces: true on ExtensionType "${input.extensionType}" if it must run there.`;
}
