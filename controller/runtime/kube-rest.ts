import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { RestConfig } from '../cluster/kubeconfig.js';
import { ClusterextError } from '../errors/clusterext-error.js';

export type PatchContentType = 'application/apply-patch+yaml' | 'application/merge-patch+json' | 'application/json-patch+json';

export interface KubeRestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  contentType?: PatchContentType | 'application/json';
  /** The Accept header; `application/json` unless a list asks for metadata only (PartialObjectMetadataList). */
  accept?: string;
  timeoutMs?: number;
}

export interface KubeRestResponse<T = unknown> {
  status: number;
  body: T;
}

/**
 * A raw JSON client for one cluster. clusterext sends its objects unchanged (the typed and generic
 * clients of @kubernetes/client-node drop fields they do not know and cannot set the apply or
 * merge-patch content types without middleware). Counts requests so benches can report them.
 */
export interface KubeRest {
  request<T = unknown>(req: KubeRestRequest): Promise<KubeRestResponse<T>>;
  readonly requestCount: number;
  readonly server: string;
  close(): void;
}

export function createKubeRest(config: RestConfig): KubeRest {
  const base = new URL(config.server);
  const isHttps = base.protocol === 'https:';
  const agent = isHttps ? new https.Agent({ keepAlive: true, maxSockets: 16, ...(config.delegate ? {} : tlsOptions(config)) }) : new http.Agent({ keepAlive: true, maxSockets: 16 });
  const authorize = config.delegate ? delegatedAuth(config.delegate, { agent, proxied: config.proxyUrl !== undefined }) : directAuth(config);
  let requestCount = 0;

  /**
   * 429 means the API server did not process the request (throttled, or a new resource's storage
   * still initializing): it is retried after Retry-After, a few times, for any method.
   */
  async function request<T>(req: KubeRestRequest): Promise<KubeRestResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      let res: KubeRestResponse<T>;
      try {
        res = await once<T>(req);
      } catch (err) {
        // A kept-alive connection the server closed just as it was reused: a read is safe to retry
        // once on a fresh connection. Writes are not retried (they might have been applied).
        if (attempt === 1 && req.method === 'GET' && (err as { data?: { reused?: boolean } }).data?.reused) continue;
        throw err;
      }
      if (res.status !== 429 || attempt >= 6) return res;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * 2 ** attempt)));
    }
  }

  async function once<T>(req: KubeRestRequest): Promise<KubeRestResponse<T>> {
    requestCount += 1;
    const options: https.RequestOptions = {
      method: req.method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      path: `${base.pathname.replace(/\/$/, '')}${req.path}`,
      headers: { Accept: req.accept ?? 'application/json' },
      agent,
      timeout: req.timeoutMs ?? 30_000,
    };
    await authorize(options);
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    if (payload) {
      options.headers = { ...options.headers, 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': payload.length };
    }
    return new Promise((resolve, reject) => {
      const r = (isHttps ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // non-JSON bodies (e.g. /readyz) are returned as text
          }
          resolve({ status: res.statusCode ?? 0, body: body as T });
        });
        res.on('error', reject);
      });
      r.on('timeout', () => r.destroy(new Error(`request to ${base.host} timed out`)));
      r.on('error', (err) =>
        reject(
          new ClusterextError('ClusterUnreachable', `The Kubernetes API at ${base.host} is unreachable: ${err.message}.`, {
            server: base.host,
            // Node's own signal for "the server closed a kept-alive connection as it was reused".
            reused: r.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET',
          }),
        ),
      );
      if (payload) r.write(payload);
      r.end();
    });
  }

  return {
    request,
    get requestCount() {
      return requestCount;
    },
    server: config.server,
    close: () => agent.destroy(),
  };
}

type Authorize = (options: https.RequestOptions) => Promise<void>;

/** TLS settings of the keep-alive agent; certificate files are read once, here. */
function tlsOptions(config: RestConfig): https.AgentOptions {
  const ca = config.ca ?? readCredentialFile(config.caFile, 'certificate-authority');
  const cert = config.cert ?? readCredentialFile(config.certFile, 'client-certificate');
  const key = config.key ?? readCredentialFile(config.keyFile, 'client-key');
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(config.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
    ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
  };
}

/** Bearer token (read from its file on every request: projected tokens rotate) or basic auth. */
function directAuth(config: RestConfig): Authorize {
  return async (options) => {
    const token = config.token ?? (config.tokenFile ? (await readTokenFile(config.tokenFile)) : undefined);
    if (token) options.headers = { ...options.headers, Authorization: `Bearer ${token}` };
    else if (config.username !== undefined) options.auth = `${config.username}:${config.password ?? ''}`;
  };
}

/**
 * exec and auth-provider users (EKS, GKE, AKS) and proxies: @kubernetes/client-node configures each
 * request, as before. It is imported on first use only, so kubeconfigs that do not need it do not
 * pay its memory (about 80 MiB).
 */
function delegatedAuth(delegate: NonNullable<RestConfig['delegate']>, keep: { agent: http.Agent; proxied: boolean }): Authorize {
  let loaded: Promise<{ applyToHTTPSOptions(options: https.RequestOptions): Promise<void> }> | undefined;
  const load = async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromString(delegate.kubeconfig);
    kc.setCurrentContext(delegate.context);
    return kc;
  };
  return async (options) => {
    loaded ??= load();
    await (await loaded).applyToHTTPSOptions(options);
    // applyToHTTPSOptions puts a new Agent in the options on every call, so each request would open
    // (and handshake) a new TLS connection; keep the keep-alive agent instead. The TLS settings it
    // put in the options (ca, cert, key, rejectUnauthorized) still apply. A proxy needs its agent.
    if (!keep.proxied) options.agent = keep.agent;
  };
}

async function readTokenFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new ClusterextError('KubeconfigInvalid', `The token file "${path}" could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the kubeconfig's token-file.`, { path });
  }
}

function readCredentialFile(path: string | undefined, field: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ClusterextError('KubeconfigInvalid', `The ${field} file "${path}" could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the kubeconfig's ${field}.`, { path, field });
  }
}

/** Throws a `ClusterextError` carrying the API's own message when the status is not 2xx. */
export function expectOk<T>(res: KubeRestResponse<T>, what: string): T {
  if (res.status >= 200 && res.status < 300) return res.body;
  const message = (res.body as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
  throw new ClusterextError('KubeApiError', `${what} failed: ${message}`, { status: res.status });
}
