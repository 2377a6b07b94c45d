import { expectOk, type KubeRest } from '../runtime/kube-rest.js';

export interface ApiResource {
  /** `/api/v1` or `/apis/<group>/<version>`. */
  prefix: string;
  plural: string;
  namespaced: boolean;
}

/** Where the objects of one kind live in the API, read from discovery. */
export interface ApiResources {
  /** Undefined when the API server does not serve the kind (its CRD was removed, an API was turned off). */
  resolve(apiVersion: string, kind: string): Promise<ApiResource | undefined>;
  /** The URL path of one object. */
  objectPath(resource: ApiResource, name: string, namespace: string | undefined): string;
}

/**
 * API discovery for one cluster, one request per group-version, each read at most once per
 * instance (create one per check so a CRD installed since is seen).
 */
export function createApiResources(kube: KubeRest): ApiResources {
  const groups = new Map<string, Promise<Map<string, ApiResource> | undefined>>();
  const read = async (apiVersion: string): Promise<Map<string, ApiResource> | undefined> => {
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await kube.request<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>({ method: 'GET', path: prefix });
    if (res.status === 404) return undefined;
    const body = expectOk(res, `Reading the API resources of "${apiVersion}"`);
    const kinds = new Map<string, ApiResource>();
    for (const r of body.resources ?? []) {
      // Subresources (`deployments/scale`) share the kind of their parent's scale type; skip them.
      if (r.name.includes('/')) continue;
      if (!kinds.has(r.kind)) kinds.set(r.kind, { prefix, plural: r.name, namespaced: r.namespaced });
    }
    return kinds;
  };
  return {
    async resolve(apiVersion, kind) {
      let group = groups.get(apiVersion);
      if (!group) groups.set(apiVersion, (group = read(apiVersion)));
      return (await group)?.get(kind);
    },
    objectPath(resource, name, namespace) {
      const where = resource.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
      return `${resource.prefix}${where}/${resource.plural}/${encodeURIComponent(name)}`;
    },
  };
}
