import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { startWebhookVerification, webhookDeliveryId, type WebhookVerdict } from '../source/verify-webhook.js';
import type { Logger } from './logger.js';

/** What one webhook request, and all of them together, may cost. */
export interface WebhookLimits {
  /** A larger body is refused (413), from its Content-Length before it is read, or as it streams. */
  maxBodyBytes: number;
  /** Headers and body must have arrived within this time, or the request is refused (408) and closed. */
  requestTimeoutMs: number;
  /** Connections beyond this many open at once are closed at once. */
  maxConnections: number;
  /** A delivery id accepted within this time is refused when it comes again (409). */
  replayWindowMs: number;
  /** At most this many delivery ids are remembered; the oldest are forgotten first. */
  replayMemory: number;
}

export const DEFAULT_WEBHOOK_LIMITS: Readonly<WebhookLimits> = {
  maxBodyBytes: 1024 * 1024,
  requestTimeoutMs: 10_000,
  maxConnections: 512,
  replayWindowMs: 10 * 60_000,
  replayMemory: 10_000,
};

export interface WebhookServerOptions {
  /** `host:port`, e.g. `:9292`. */
  address: string;
  /** The webhook token of a repository in the controller's namespace, or undefined when it has none. */
  tokenFor(repository: string): Promise<string | undefined>;
  /** Called after a verified push: fetch that repository now. */
  onPush(repository: string): void;
  logger: Logger;
  limits?: Partial<WebhookLimits>;
  /** Milliseconds since the epoch; for the replay window. */
  now?: () => number;
}

/** One answer for every request that is not accepted, whatever the reason: no oracle. */
const NOT_ACCEPTED = { status: 401, message: 'The webhook request was not accepted.' };

/**
 * Receives push notifications at `POST /hook/<repository>` so a commit is fetched at once rather
 * than at the next interval. Every request must be signed with the token in the Secret the
 * repository's `spec.webhookSecretRef` names (see startWebhookVerification); anything else
 * changes nothing. Route, method, size and the form of the proof are checked from the headers
 * before any of the body is read; the body is never kept, only streamed into the signature check.
 * An unknown repository, one without a token, and a wrong signature get the same answer after
 * the same steps, so the server does not tell which repositories exist. Time, connections and
 * body size are bounded (WebhookLimits), and an accepted delivery id is not accepted again.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const limits: WebhookLimits = { ...DEFAULT_WEBHOOK_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  // Node checks its request and header timeouts at this interval; the default (30 s) would let
  // slow requests linger far past requestTimeoutMs.
  const server: Server = createServer({ requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: Math.min(1_000, limits.requestTimeoutMs), keepAliveTimeout: 5_000 }, (req, res) => {
    // A second guard for the time spent in handle (e.g. a slow token lookup).
    const timer = setTimeout(() => answer(res, { status: 408, message: 'The request took too long.' }), limits.requestTimeoutMs);
    void handle(req).then(
      (result) => answer(res, result),
      (err: unknown) => {
        options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'webhook request failed');
        answer(res, { status: 500, message: 'Internal error.' });
      },
    ).finally(() => clearTimeout(timer));
  });
  server.maxConnections = limits.maxConnections;

  async function handle(req: IncomingMessage): Promise<{ status: number; message: string }> {
    const match = /^\/hook\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/?$/.exec(req.url ?? '');
    if (!match || match[0].length > 300) return { status: 404, message: 'Not found; use POST /hook/<repository>.' };
    if (req.method !== 'POST') return { status: 405, message: 'Use POST.' };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!Number.isFinite(declared) || declared > limits.maxBodyBytes) return { status: 413, message: 'The body is too large.' };
    const repository = match[1]!;
    // Stage marks (debug): where a commit's time goes, from receipt to Ready (the commit-to-ready bench).
    options.logger.debug({ repository, stage: 'webhook-received' }, 'webhook request received');
    const token = await options.tokenFor(repository);
    options.logger.debug({ repository, stage: 'webhook-token' }, 'webhook token looked up');
    if (token === '') options.logger.warn({ repository }, "the repository's webhook Secret has an empty token; no webhook is accepted for it");
    const verification = startWebhookVerification(req.headers, token);
    const verdict = verification.early ?? (await streamBody(req, limits.maxBodyBytes, verification));
    if (verdict === 'too-large') return { status: 413, message: 'The body is too large.' };
    if (!verdict.ok) {
      options.logger.warn({ repository, remote: req.socket.remoteAddress }, `webhook rejected: ${verdict.reason}`);
      return NOT_ACCEPTED;
    }
    const delivery = webhookDeliveryId(req.headers);
    if (delivery !== undefined && !remember(`${repository}\n${delivery}`)) {
      options.logger.warn({ repository, delivery }, 'webhook rejected: this delivery was accepted before (a replay)');
      return { status: 409, message: 'This delivery was already accepted.' };
    }
    options.logger.info({ repository, provider: verdict.provider, stage: 'webhook-accepted' }, 'webhook accepted; fetching now');
    options.onPush(repository);
    return { status: 202, message: 'Accepted.' };
  }

  /** Records an accepted delivery; false when it was accepted within the replay window. */
  function remember(key: string): boolean {
    const t = now();
    for (const [k, at] of seen) {
      if (at > t - limits.replayWindowMs && seen.size < limits.replayMemory) break;
      seen.delete(k);
    }
    if (seen.has(key)) return false;
    seen.set(key, t);
    return true;
  }

  const i = options.address.lastIndexOf(':');
  const host = options.address.slice(0, i) || '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(options.address.slice(i + 1)), host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers once and closes the connection, so an unread body is never waited for. */
function answer(res: ServerResponse, result: { status: number; message: string }): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(result.status, { 'Content-Type': 'text/plain', Connection: 'close' }).end(`${result.message}\n`, () => res.socket?.destroySoon());
}

/** Feeds the body to the verification chunk by chunk, keeping none of it. */
function streamBody(req: IncomingMessage, maxBytes: number, verification: { update(chunk: Buffer): void; finish(): WebhookVerdict }): Promise<WebhookVerdict | 'too-large'> {
  return new Promise((resolve, reject) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        resolve('too-large');
        return;
      }
      verification.update(chunk);
    });
    req.on('end', () => resolve(verification.finish()));
    req.on('error', reject);
    req.on('close', () => resolve({ ok: false, reason: 'The connection closed before the body ended.' }));
  });
}
