/** Small manifest builders for the controller's integration tests (one YAML document each). */

/** A type of one release per cluster in `namespace`, following the stable train; `architectures` become its node requirements. */
export function clusterScopedTypeYaml(o: { name: string; repository: string; chart: string; namespace: string; architectures?: string[] }): string {
  const lines = ['  scopes: [cluster]', `  defaultReleaseNamespace: ${o.namespace}`, '  releaseTrains: {stable: {}}'];
  if (o.architectures) lines.push(`  requirements: {architectures: [${o.architectures.join(', ')}]}`);
  return typeYaml(o, lines);
}

/** With `kubeconfigSecret`, the cluster is reached through Secret `<name>-kubeconfig` (as setUpHub creates). */
export function connectedClusterYaml(name: string, o: { kubeconfigSecret: boolean }): string {
  const spec = o.kubeconfigSecret ? `{kubeconfigSecretRef: {name: ${name}-kubeconfig, key: kubeconfig}}` : '{}';
  return `apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: {name: ${name}}
spec: ${spec}
`;
}

export function documents(...docs: string[]): string {
  return docs.join('---\n');
}

/** A type whose instances each own one namespace (scope namespace), following the stable train. */
export function namespaceScopedTypeYaml(o: { name: string; repository: string; chart: string }): string {
  return typeYaml(o, ['  scopes: [namespace]', '  releaseTrains: {stable: {}}']);
}

function typeYaml(o: { name: string; repository: string; chart: string }, specLines: string[]): string {
  return `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: {name: ${o.name}}
spec:
  chart: {repository: "${o.repository}", name: ${o.chart}}
${specLines.join('\n')}
`;
}

/**
 * An Extension of either scope (cluster by default) following its type's stable train. Settings are
 * written as JSON scalars: a string quoted, a number or boolean bare, as YAML would read them back;
 * a key with other characters than letters, digits and ._/- is quoted.
 */
export function extensionYaml(o: {
  name: string;
  cluster: string;
  type: string;
  scope?: 'cluster' | 'namespace';
  targetNamespace?: string;
  settings?: Record<string, string | number | boolean>;
  protectedSettingsSecret?: string;
  /** spec.timeout, e.g. "20s". */
  timeout?: string;
}): string {
  const lines = [`  clusterName: ${o.cluster}`, `  extensionType: ${o.type}`, `  scope: ${o.scope ?? 'cluster'}`];
  if (o.targetNamespace !== undefined) lines.push(`  targetNamespace: ${o.targetNamespace}`);
  if (o.settings) lines.push(`  configurationSettings: {${Object.entries(o.settings).map(([k, v]) => `${/^[\w./-]+$/.test(k) ? k : JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`);
  if (o.protectedSettingsSecret !== undefined) lines.push(`  configurationProtectedSettingsRef: {secretName: ${o.protectedSettingsSecret}}`);
  if (o.timeout !== undefined) lines.push(`  timeout: ${o.timeout}`);
  return `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${o.name}}
spec:
${lines.join('\n')}
`;
}
