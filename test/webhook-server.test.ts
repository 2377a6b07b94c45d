import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../controller/runtime/logger.js';
import { startWebhookServer } from '../controller/runtime/webhook-server.js';

const TOKEN = 'hook-token-for-webhook-server-test';
const sign = (body: string, token = TOKEN) => `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;

/** A logger that keeps what it was given, to check what reached the log. */
function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    info: (obj, msg) => lines.push(`${msg} ${JSON.stringify(obj)}`),
    warn: (obj, msg) => lines.push(`${msg} ${JSON.stringify(obj)}`),
    error: (obj, msg) => lines.push(`${msg} ${JSON.stringify(obj)}`),
    debug: () => undefined,
    child: () => logger,
  };
  return logger;
}

/**
 * Sends raw HTTP on a socket: the head, then `body` (or only part of it, then nothing), and
 * resolves with the response text and how long it took, or '' when the server closed without one.
 */
function rawRequest(url: string, head: string, body = ''): { socket: Socket; response: Promise<{ text: string; ms: number }> } {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(head);
  if (body) socket.write(body);
  const response = new Promise<{ text: string; ms: number }>((resolve) => socket.on('close', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started })));
  return { socket, response };
}

describe('the webhook server', () => {
  const pushes: string[] = [];
  const log: string[] = [];
  const tokens: Record<string, string> = { fleet: TOKEN, empty: '' };
  const lookups: string[] = [];
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    server = await startWebhookServer({
      address: '127.0.0.1:0',
      tokenFor: async (name) => {
        lookups.push(name);
        return tokens[name];
      },
      onPush: (name) => pushes.push(name),
      logger: recordingLogger(log),
      limits: { requestTimeoutMs: 1_500, maxBodyBytes: 64 * 1024 },
    });
  });
  afterAll(() => server?.close());

  const post = (repository: string, body: string, headers: Record<string, string>) =>
    fetch(`${server.url}/hook/${repository}`, { method: 'POST', body, headers }).then(async (r) => ({ status: r.status, text: await r.text() }));

  it('answers an unknown repository, one with an empty token and a wrong signature alike', async () => {
    const body = '{"ref":"refs/heads/main"}';
    const answers = [
      await post('fleet', body, { 'X-Hub-Signature-256': sign(body, 'not-the-token') }),
      await post('nope', body, { 'X-Hub-Signature-256': sign(body) }),
      await post('empty', body, { 'X-Hub-Signature-256': sign(body, '') }),
      await post('empty', body, { 'X-Gitlab-Token': '' }),
      await post('nope', body, { 'X-Gitlab-Token': TOKEN }),
      await post('fleet', body, {}),
    ];
    expect(answers).toEqual(Array.from({ length: answers.length }, () => ({ status: 401, text: 'The webhook request was not accepted.\n' })));
    expect(pushes).toEqual([]);
    expect(log.join('\n')).toContain('empty token');
    expect(log.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a too large body from its Content-Length before reading it, and a streamed one as it comes', async () => {
    const lookupsBefore = lookups.length;
    const declared = rawRequest(server.url, `POST /hook/fleet HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * 1024}\r\nX-Hub-Signature-256: ${sign('')}\r\n\r\n`);
    const answer = await declared.response;
    expect(answer.text).toMatch(/^HTTP\/1.1 413/);
    expect(answer.ms).toBeLessThan(1_000);
    // Refused from the headers: the repository was not even looked up.
    expect(lookups.length).toBe(lookupsBefore);

    const chunked = rawRequest(server.url, `POST /hook/fleet HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: ${sign('')}\r\n\r\n`);
    const chunk = 'a'.repeat(16 * 1024);
    for (let i = 0; i < 6; i++) chunked.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    expect((await chunked.response).text).toMatch(/^HTTP\/1.1 413/);
  });

  it('answers a token header at once without waiting for the body', async () => {
    const stalled = rawRequest(server.url, `POST /hook/fleet HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nX-Gitlab-Token: wrong\r\n\r\n`, 'x'.repeat(10));
    const answer = await stalled.response;
    expect(answer.text).toMatch(/^HTTP\/1.1 401/);
    expect(answer.ms).toBeLessThan(1_000);
  });

  it('closes requests whose headers or body do not arrive in time', async () => {
    const slowHeaders = rawRequest(server.url, 'POST /hook/fleet HTTP/1.1\r\nHost: x\r\n');
    const slowBody = rawRequest(server.url, `POST /hook/fleet HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nX-Hub-Signature-256: ${sign('')}\r\n\r\n`, 'x'.repeat(10));
    for (const r of [slowHeaders, slowBody]) {
      const answer = await r.response;
      expect(answer.ms).toBeGreaterThanOrEqual(1_400);
      expect(answer.ms).toBeLessThan(5_000);
      expect(answer.text === '' || /^HTTP\/1.1 408/.test(answer.text)).toBe(true);
    }
  });

  it('accepts a signed push once per delivery id', async () => {
    const body = '{"ref":"refs/heads/main","after":"abc"}';
    const headers = { 'X-Hub-Signature-256': sign(body), 'X-GitHub-Delivery': 'delivery-1' };
    expect((await post('fleet', body, headers)).status).toBe(202);
    expect((await post('fleet', body, headers)).status).toBe(409);
    expect((await post('fleet', body, { ...headers, 'X-GitHub-Delivery': 'delivery-2' })).status).toBe(202);
    expect(pushes).toEqual(['fleet', 'fleet']);
  });
});
