import { isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ClusterextError } from '../errors/clusterext-error.js';

/**
 * What one request to one API server needs, read from the current (or a named) context of a
 * kubeconfig. File fields are absolute paths, read by the REST client (certificates once, the token
 * file on every request, since projected service-account tokens rotate).
 */
export interface RestConfig {
  contextName: string;
  /** Without a trailing slash. */
  server: string;
  ca?: Buffer;
  caFile?: string;
  cert?: Buffer;
  certFile?: string;
  key?: Buffer;
  keyFile?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  insecureSkipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /**
   * Set when only @kubernetes/client-node can authenticate or connect (exec and auth-provider users,
   * proxies): the REST client loads it on first use and lets it configure every request.
   */
  delegate?: { reason: DelegateReason; kubeconfig: string; context: string };
}

export type DelegateReason = 'exec' | 'auth-provider' | 'proxy-url';

/** A kubeconfig reduced to its chosen context, with the text of a kubeconfig holding only that context. */
export interface LoadedKubeconfig {
  rest: RestConfig;
  /**
   * A kubeconfig with the chosen context's cluster, user and context entries as they were written
   * (exec, auth-provider and any other fields kept), relative paths made absolute, and that
   * context current: what helm and the agent's cluster connector are given.
   */
  text: string;
}

interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

/** The parts of a kubeconfig file this reader uses, entries kept as written. */
export interface KubeconfigDocument {
  currentContext?: string;
  clusters: NamedEntry[];
  users: NamedEntry[];
  contexts: NamedEntry[];
}

/**
 * Parses one kubeconfig file's text; `baseDir` (the file's folder) anchors relative certificate,
 * key and token-file paths, as kubectl does. Never quotes the text in errors: it holds credentials.
 */
export function parseKubeconfig(text: string, options: { baseDir?: string; source?: string } = {}): KubeconfigDocument {
  const where = options.source ? ` "${options.source}"` : '';
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    // The parser's message can quote the offending line, which may hold a credential.
    throw new ClusterextError('KubeconfigInvalid', `The kubeconfig${where} could not be parsed; check that it is a kubeconfig in YAML.`, { ...(options.source ? { source: options.source } : {}) }, { cause: err instanceof Error ? new Error(err.name) : undefined });
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ClusterextError('KubeconfigInvalid', `The kubeconfig${where} is not a YAML mapping; check that it is a kubeconfig.`, { ...(options.source ? { source: options.source } : {}) });
  }
  const doc = raw as Record<string, unknown>;
  const entries = (key: 'clusters' | 'users' | 'contexts', body: 'cluster' | 'user' | 'context'): NamedEntry[] => {
    const list = doc[key];
    if (!Array.isArray(list)) return [];
    return list
      .filter((e): e is NamedEntry => typeof e === 'object' && e !== null && typeof (e as NamedEntry).name === 'string')
      .map((e) => ({ ...e, [body]: absolutePaths(body, e[body], options.baseDir) }));
  };
  const currentContext = doc['current-context'];
  return {
    ...(typeof currentContext === 'string' && currentContext !== '' ? { currentContext } : {}),
    clusters: entries('clusters', 'cluster'),
    users: entries('users', 'user'),
    contexts: entries('contexts', 'context'),
  };
}

const PATH_FIELDS: Record<string, string[]> = {
  cluster: ['certificate-authority'],
  user: ['client-certificate', 'client-key', 'token-file'],
  context: [],
};

function absolutePaths(body: string, value: unknown, baseDir: string | undefined): unknown {
  if (baseDir === undefined || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of PATH_FIELDS[body] ?? []) {
    const p = out[field];
    if (typeof p === 'string' && p !== '' && !isAbsolute(p)) out[field] = resolve(baseDir, p);
  }
  return out;
}

/**
 * Merges kubeconfig files as kubectl merges $KUBECONFIG: the first file to set current-context
 * wins, and of entries with the same name the first one wins.
 */
export function mergeKubeconfigs(docs: KubeconfigDocument[]): KubeconfigDocument {
  const firstByName = (lists: NamedEntry[][]): NamedEntry[] => {
    const seen = new Map<string, NamedEntry>();
    for (const e of lists.flat()) if (!seen.has(e.name)) seen.set(e.name, e);
    return [...seen.values()];
  };
  const currentContext = docs.find((d) => d.currentContext !== undefined)?.currentContext;
  return {
    ...(currentContext !== undefined ? { currentContext } : {}),
    clusters: firstByName(docs.map((d) => d.clusters)),
    users: firstByName(docs.map((d) => d.users)),
    contexts: firstByName(docs.map((d) => d.contexts)),
  };
}

/** Picks the context (`context`, else current-context) and reduces it to what requests need. */
export function resolveKubeconfig(doc: KubeconfigDocument, options: { context?: string; source?: string } = {}): LoadedKubeconfig {
  const where = options.source ? ` "${options.source}"` : '';
  const contextName = options.context ?? doc.currentContext;
  if (contextName === undefined) {
    throw new ClusterextError('KubeconfigInvalid', `The kubeconfig${where} has no current-context; set current-context in it or name a context (--context).`, { contexts: doc.contexts.map((c) => c.name) });
  }
  const contextEntry = doc.contexts.find((c) => c.name === contextName);
  if (!contextEntry) {
    throw new ClusterextError('KubeconfigInvalid', `The kubeconfig${where} has no context "${contextName}"; name one of its contexts (${listNames(doc.contexts)}).`, { context: contextName, contexts: doc.contexts.map((c) => c.name) });
  }
  const context = objectField(contextEntry, 'context');
  const clusterName = stringField(context, 'cluster');
  if (clusterName === undefined) {
    throw new ClusterextError('KubeconfigInvalid', `Context "${contextName}" of the kubeconfig${where} names no cluster; set its cluster.`, { context: contextName });
  }
  const clusterEntry = doc.clusters.find((c) => c.name === clusterName);
  if (!clusterEntry) {
    throw new ClusterextError('KubeconfigInvalid', `The kubeconfig${where} has no cluster "${clusterName}", which context "${contextName}" names; add it or fix the context.`, { context: contextName, cluster: clusterName });
  }
  const cluster = objectField(clusterEntry, 'cluster');
  const server = stringField(cluster, 'server');
  if (server === undefined) {
    throw new ClusterextError('KubeconfigInvalid', `Cluster "${clusterName}" of the kubeconfig${where} has no server; set its server URL.`, { cluster: clusterName });
  }
  const userName = stringField(context, 'user');
  const userEntry = userName === undefined ? undefined : doc.users.find((u) => u.name === userName);
  if (userName !== undefined && !userEntry) {
    throw new ClusterextError('KubeconfigInvalid', `The kubeconfig${where} has no user "${userName}", which context "${contextName}" names; add it or fix the context.`, { context: contextName, user: userName });
  }
  const user = userEntry ? objectField(userEntry, 'user') : {};

  const text = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [clusterEntry],
    users: userEntry ? [userEntry] : [],
    contexts: [contextEntry],
    'current-context': contextName,
  });
  const rest: RestConfig = {
    contextName,
    server: server.replace(/\/$/, ''),
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    ...base64Field(cluster, 'certificate-authority-data', 'ca', clusterName),
    ...optional('caFile', stringField(cluster, 'certificate-authority')),
    ...optional('tlsServerName', stringField(cluster, 'tls-server-name')),
    ...optional('proxyUrl', stringField(cluster, 'proxy-url')),
    ...base64Field(user, 'client-certificate-data', 'cert', userName ?? ''),
    ...optional('certFile', stringField(user, 'client-certificate')),
    ...base64Field(user, 'client-key-data', 'key', userName ?? ''),
    ...optional('keyFile', stringField(user, 'client-key')),
    ...optional('token', stringField(user, 'token')),
    ...optional('tokenFile', stringField(user, 'token-file')),
    ...optional('username', stringField(user, 'username')),
    ...optional('password', stringField(user, 'password')),
  };
  const reason = delegateReason(user, cluster);
  if (reason) rest.delegate = { reason, kubeconfig: text, context: contextName };
  return { rest, text };
}

/** Parses one kubeconfig text and resolves its context: `parseKubeconfig` then `resolveKubeconfig`. */
export function loadKubeconfig(text: string, options: { context?: string; baseDir?: string; source?: string } = {}): LoadedKubeconfig {
  return resolveKubeconfig(parseKubeconfig(text, options), options);
}

function delegateReason(user: Record<string, unknown>, cluster: Record<string, unknown>): DelegateReason | undefined {
  if (user.exec) return 'exec';
  if (user['auth-provider']) return 'auth-provider';
  if (stringField(cluster, 'proxy-url') !== undefined) return 'proxy-url';
  return undefined;
}

function objectField(entry: NamedEntry, key: string): Record<string, unknown> {
  const v = entry[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function stringField(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function base64Field<K extends 'ca' | 'cert' | 'key'>(o: Record<string, unknown>, field: string, key: K, owner: string): Partial<Record<K, Buffer>> {
  const v = stringField(o, field);
  if (v === undefined) return {};
  const data = Buffer.from(v, 'base64');
  if (data.length === 0) {
    // The field's value is a credential (or a certificate): name the field, never quote it.
    throw new ClusterextError('KubeconfigInvalid', `The ${field} of "${owner}" in the kubeconfig is not base64; encode the PEM with base64.`, { field, owner });
  }
  return { [key]: data } as Record<K, Buffer>;
}

function listNames(entries: NamedEntry[]): string {
  return entries.length === 0 ? 'it has none' : entries.map((e) => `"${e.name}"`).join(', ');
}
