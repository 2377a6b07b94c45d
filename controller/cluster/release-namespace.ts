import { ClusterextError } from '../errors/clusterext-error.js';
import type { ReleaseNamespacePort } from '../reconcile/release-ports.js';
import { expectOk, type KubeRest } from '../runtime/kube-rest.js';

/** On a namespace clusterext created for a release: the release's name. */
export const CREATED_FOR_LABEL = 'clusterext.io/created-for-release';

export interface ReleaseNamespaceOptions {
  /** Waits between looks at a namespace being deleted; injectable so tests do not sleep. */
  delay?: (ms: number) => Promise<void>;
  pollMs?: number;
}

/**
 * The namespace of one cluster-scoped release. `claim` creates it, labelled for the release,
 * when it does not exist yet (one that exists is someone else's and is never marked); `remove`
 * deletes it only when it carries that label for this release, and waits until it is gone, so
 * the Extension's CR goes only after its workloads and namespace have.
 */
export function createReleaseNamespace(kube: KubeRest, namespace: string, release: string, options: ReleaseNamespaceOptions = {}): ReleaseNamespacePort {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}`;
  const delay = options.delay ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    async claim() {
      const res = await kube.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [CREATED_FOR_LABEL]: release } } } });
      if (res.status === 409) return;
      expectOk(res, `Creating namespace "${namespace}" for release "${release}"`);
    },
    async remove(timeoutMs) {
      const current = await kube.request<{ metadata?: { labels?: Record<string, string> } }>({ method: 'GET', path });
      if (current.status === 404) return false;
      if (expectOk(current, `Reading namespace "${namespace}"`).metadata?.labels?.[CREATED_FOR_LABEL] !== release) return false;
      const deleted = await kube.request({ method: 'DELETE', path });
      if (deleted.status !== 404) expectOk(deleted, `Deleting namespace "${namespace}"`);
      for (let waited = 0; waited < timeoutMs; waited += options.pollMs ?? 500) {
        const res = await kube.request({ method: 'GET', path });
        if (res.status === 404) return true;
        await delay(options.pollMs ?? 500);
      }
      throw new ClusterextError('NamespaceNotDeleted', `Namespace "${namespace}", created for release "${release}", was still being deleted after ${Math.round(timeoutMs / 1000)}s; look at its status.conditions for what holds it.`, { namespace, release });
    },
  };
}
