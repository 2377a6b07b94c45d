import { expectOk, type KubeRest } from '../runtime/kube-rest.js';

const FIELD_MANAGER = 'clusterext';

/**
 * Makes sure a namespace-scoped instance has its own identity: the namespace, a ServiceAccount, a
 * Role granting everything within that namespace and nothing outside it, and a RoleBinding, all by
 * server-side apply (idempotent; four requests). Returns the user name helm impersonates
 * (`--kube-as-user`), so a chart that tries to create a ClusterRole or touch another namespace is
 * refused by the API server with a clear Forbidden error.
 *
 * The caller's own credentials need to be allowed to impersonate service accounts and to grant
 * the Role (they must hold those rights in the namespace themselves, or `escalate`/`bind`).
 */
export async function ensureNamespaceIdentity(kube: KubeRest, namespace: string, name: string): Promise<string> {
  const ns = encodeURIComponent(namespace);
  const n = encodeURIComponent(name);
  const labels = { 'app.kubernetes.io/managed-by': 'clusterext' };
  await apply(kube, `/api/v1/namespaces/${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, `Namespace "${namespace}"`);
  await apply(kube, `/api/v1/namespaces/${ns}/serviceaccounts/${n}`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } }, `ServiceAccount "${namespace}/${name}"`);
  await apply(
    kube,
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${n}`,
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace, labels }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
    `Role "${namespace}/${name}"`,
  );
  await apply(
    kube,
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${n}`,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
    `RoleBinding "${namespace}/${name}"`,
  );
  return `system:serviceaccount:${namespace}:${name}`;
}

async function apply(kube: KubeRest, path: string, body: unknown, what: string): Promise<void> {
  expectOk(
    await kube.request({ method: 'PATCH', path: `${path}?fieldManager=${FIELD_MANAGER}&force=true`, body, contentType: 'application/apply-patch+yaml' }),
    `Applying ${what}`,
  );
}
