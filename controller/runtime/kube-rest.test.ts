import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubeRest } from './kube-rest.js';

/**
 * A loopback HTTP server standing in for an API server: the second request on a kept-alive
 * connection is answered by closing that connection, as a server does when its idle timeout fires
 * just as the client reuses the socket.
 */
async function startFlakyServer(): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const perSocket = new Map<Socket, number>();
  const server = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    requests.push(`${req.method} ${req.url}`);
    if (n === 2) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'keep-alive' }).end(JSON.stringify({ ok: n }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('createKubeRest', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('retries a read once when the server closed the kept-alive connection it reused', async () => {
    const flaky = await startFlakyServer();
    server = flaky.server;
    const kube = createKubeRest(kubeConfigFor(flaky.url));
    expect((await kube.request({ method: 'GET', path: '/a' })).status).toBe(200);
    const second = await kube.request<{ ok: number }>({ method: 'GET', path: '/b' });
    expect(second).toEqual({ status: 200, body: { ok: 1 } });
    expect(flaky.requests).toEqual(['GET /a', 'GET /b', 'GET /b']);
    kube.close();
  });

  it('does not retry a write, which the server may have applied', async () => {
    const flaky = await startFlakyServer();
    server = flaky.server;
    const kube = createKubeRest(kubeConfigFor(flaky.url));
    await kube.request({ method: 'GET', path: '/a' });
    await expect(kube.request({ method: 'POST', path: '/b', body: {} })).rejects.toMatchObject({ code: 'ClusterUnreachable' });
    expect(flaky.requests).toEqual(['GET /a', 'POST /b']);
    kube.close();
  });
});
