import { join } from 'node:path';
import { createKubeClient } from '../../controller/cluster/kube-client.js';
import type { LocalFleet } from '../../controller/local/local-fleet.js';
import { projectRoot } from '../../controller/local/project-root.js';
import { systemClock } from '../../controller/runtime/clock.js';
import { CrStore } from '../../controller/runtime/cr-store.js';
import { installCrds } from '../../controller/runtime/install-crds.js';
import type { KubeRest } from '../../controller/runtime/kube-rest.js';
import { PROTECTED_SETTINGS_LABEL } from '../../controller/runtime/protected-settings-secret.js';

export const HUB_NAMESPACE = 'clusterext-system';

/**
 * Prepares the first local cluster as the hub, as an operator would: CRDs, the controller's
 * namespace, a kubeconfig Secret per local cluster (`<cluster>-kubeconfig`, key `kubeconfig`), the
 * git credentials Secret `git-auth`, any extra Secrets, and an ExtensionRepository `fleet`.
 */
export async function setUpHub(
  fleet: LocalFleet,
  options: {
    repository: string;
    path: string;
    interval: string;
    secrets?: Record<string, Record<string, string>>;
    /** Secrets marked for protected settings (PROTECTED_SETTINGS_LABEL). */
    protectedSettings?: Record<string, Record<string, string>>;
  },
): Promise<{ hub: KubeRest; store: CrStore }> {
  const hub = createKubeClient(fleet.clusters[0]!.kubeconfig);
  const store = new CrStore(hub, HUB_NAMESPACE);
  await installCrds(hub, join(projectRoot(), 'manifests', 'crds'), systemClock);
  await hub.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: HUB_NAMESPACE } } });
  const secrets: Record<string, Record<string, string>> = {
    'git-auth': { username: fleet.git.auth.username, password: fleet.git.auth.password },
    ...Object.fromEntries(fleet.clusters.map((c) => [`${c.name}-kubeconfig`, { kubeconfig: c.kubeconfig }])),
    ...options.secrets,
  };
  for (const [name, data] of Object.entries(secrets)) {
    await hub.request({ method: 'POST', path: `/api/v1/namespaces/${HUB_NAMESPACE}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data } });
  }
  for (const [name, data] of Object.entries(options.protectedSettings ?? {})) {
    await hub.request({ method: 'POST', path: `/api/v1/namespaces/${HUB_NAMESPACE}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels: { [PROTECTED_SETTINGS_LABEL]: 'true' } }, stringData: data } });
  }
  await store.apply('ExtensionRepository', 'fleet', { metadata: {}, spec: repositorySpec(fleet, options) });
  return { hub, store };
}

export function repositorySpec(fleet: LocalFleet, options: { repository: string; path: string; interval: string }) {
  return { url: fleet.git.repositoryUrl(options.repository), branch: 'main', path: options.path, interval: options.interval, secretRef: { name: 'git-auth' } };
}
