import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { ClusterextError } from '../errors/clusterext-error.js';
import { mergeKubeconfigs, parseKubeconfig, resolveKubeconfig, type KubeconfigDocument, type LoadedKubeconfig } from './kubeconfig.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Reads one kubeconfig file; its relative paths are taken from the file's folder. */
export function loadKubeconfigFile(path: string, options: { context?: string } = {}): LoadedKubeconfig {
  return resolveKubeconfig(readDocument(path), { ...options, source: path });
}

export interface DefaultKubeconfigOptions {
  context?: string;
  /** The environment to read KUBECONFIG and KUBERNETES_SERVICE_HOST/_PORT from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  serviceAccountDir?: string;
}

/**
 * kubectl's order: the files in $KUBECONFIG (merged, first wins), else ~/.kube/config, else the
 * pod's service account (in-cluster). Throws when none is there.
 */
export function loadDefaultKubeconfig(options: DefaultKubeconfigOptions = {}): LoadedKubeconfig {
  const env = options.env ?? process.env;
  const context = options.context !== undefined ? { context: options.context } : {};
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (files.length > 0) {
    // kubectl skips listed files that do not exist, but needs one that does.
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new ClusterextError('KubeconfigNotFound', `None of the files in KUBECONFIG exists (${files.map((f) => `"${f}"`).join(', ')}); fix KUBECONFIG or pass --kubeconfig.`, { files });
    }
    return resolveKubeconfig(mergeKubeconfigs(present.map(readDocument)), { ...context, source: `KUBECONFIG=${files.join(delimiter)}` });
  }
  const home = join(options.homeDir ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return loadKubeconfigFile(home, context);
  const inCluster = inClusterDocument(env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  if (inCluster) return resolveKubeconfig(inCluster, { ...context, source: 'in-cluster service account' });
  throw new ClusterextError('KubeconfigNotFound', `No kubeconfig found: KUBECONFIG is not set, "${home}" does not exist, and this is not a pod with a service account; pass --kubeconfig or set KUBECONFIG.`, { home });
}

/**
 * The pod's service account as a kubeconfig: the token and CA stay files (the token is re-read as
 * it rotates), so helm and the REST client both follow the rotation.
 */
function inClusterDocument(env: NodeJS.ProcessEnv, dir: string): KubeconfigDocument | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(dir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  // As @kubernetes/client-node: the usual plain-HTTP ports of a local API server mean http.
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const name = 'in-cluster';
  return {
    currentContext: name,
    clusters: [{ name, cluster: { server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`, 'certificate-authority': join(dir, 'ca.crt') } }],
    users: [{ name, user: { 'token-file': tokenFile } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
  };
}

function readDocument(path: string): KubeconfigDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ClusterextError('KubeconfigNotFound', `The kubeconfig "${path}" could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path.`, { path });
  }
  return parseKubeconfig(text, { baseDir: dirname(path), source: path });
}
