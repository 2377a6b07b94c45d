import { stringify } from 'yaml';

export interface KubeconfigInput {
  /** Used as the cluster, user and context name. */
  name: string;
  server: string;
  /** PEM of the certificate(s) that sign the apiserver's serving certificate. */
  caPem: string;
  token: string;
}

/** A kubeconfig with one cluster, one token user and one current context, as kubectl and helm read it. */
export function renderKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caPem).toString('base64') } }],
    users: [{ name: `${input.name}-admin`, user: { token: input.token } }],
    contexts: [{ name: input.name, context: { cluster: input.name, user: `${input.name}-admin` } }],
    'current-context': input.name,
    preferences: {},
  });
}
