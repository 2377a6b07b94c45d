import { createServer, type IncomingMessage, type Server } from 'node:http';
import { verifyWebhook } from '../source/verify-webhook.js';
import type { Logger } from './logger.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookServerOptions {
  /** `host:port`, e.g. `:9292`. */
  address: string;
  /** The webhook token of a repository in the controller's namespace, or undefined when it has none. */
  tokenFor(repository: string): Promise<string | undefined>;
  /** Called after a verified push: fetch that repository now. */
  onPush(repository: string): void;
  logger: Logger;
}

/**
 * Receives push notifications at `POST /hook/<repository>` so a commit is fetched at once rather
 * than at the next interval. Every request must be signed with the token in the Secret the
 * repository's `spec.webhookSecretRef` names (see verifyWebhook); anything else changes nothing.
 * A repository without webhookSecretRef has no hook (404), so webhooks are opt-in per repository.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void handle(req).then(
      ({ status, message }) => res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`${message}\n`),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error\n'),
    );
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; message: string }> {
    const match = /^\/hook\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/?$/.exec(req.url ?? '');
    if (!match) return { status: 404, message: 'not found; use POST /hook/<repository>' };
    if (req.method !== 'POST') return { status: 405, message: 'use POST' };
    const repository = match[1]!;
    const body = await readBody(req);
    if (body === undefined) return { status: 413, message: 'body too large' };
    const token = await options.tokenFor(repository);
    if (token === undefined) return { status: 404, message: `no webhook for repository "${repository}"` };
    const verdict = verifyWebhook(req.headers, body, token);
    if (!verdict.ok) {
      options.logger.warn({ repository, remote: req.socket.remoteAddress }, `webhook rejected: ${verdict.reason}`);
      return { status: 401, message: verdict.reason };
    }
    options.logger.info({ repository, provider: verdict.provider }, 'webhook accepted; fetching now');
    options.onPush(repository);
    return { status: 202, message: 'accepted' };
  }

  const i = options.address.lastIndexOf(':');
  const host = options.address.slice(0, i) || '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(options.address.slice(i + 1)), host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
