import type { Command } from 'commander';
import { loadDefaultKubeconfig, loadKubeconfigFile } from '../cluster/load-kubeconfig-file.js';
import { DEFAULT_CONTROLLER_NAMESPACE } from '../manifest/validation-limits.js';
import { CrStore } from '../runtime/cr-store.js';
import { createKubeRest, type KubeRest } from '../runtime/kube-rest.js';

/** The options of every command that talks to the hub, named as `clusterext controller` names them. */
export interface HubOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
}

/** The hub commands talk to the controller where it runs. */
export const DEFAULT_HUB_NAMESPACE = DEFAULT_CONTROLLER_NAMESPACE;

export function addHubOptions(command: Command): Command {
  return command
    .option('--kubeconfig <path>', 'kubeconfig of the hub cluster (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'context of the kubeconfig to use')
    .option('-n, --namespace <ns>', "the controller's namespace on the hub (where its CRs and Secrets live)", DEFAULT_HUB_NAMESPACE);
}

export interface HubConnection {
  kube: KubeRest;
  store: CrStore;
  namespace: string;
  /** The API server's address, for messages. */
  server: string;
  close(): void;
}

/** A client of the hub as the controller finds it (kubectl's order when --kubeconfig is not given). */
export function connectHub(options: HubOptions): HubConnection {
  const context = options.context !== undefined ? { context: options.context } : {};
  const loaded = options.kubeconfig ? loadKubeconfigFile(options.kubeconfig, context) : loadDefaultKubeconfig(context);
  const kube = createKubeRest(loaded.rest);
  return { kube, store: new CrStore(kube, options.namespace), namespace: options.namespace, server: kube.server, close: () => kube.close() };
}

/** Runs `use` on a connection to the hub and closes it however `use` ends. */
export async function withHub<T>(options: HubOptions, use: (hub: HubConnection) => Promise<T>): Promise<T> {
  const hub = connectHub(options);
  try {
    return await use(hub);
  } finally {
    hub.close();
  }
}
