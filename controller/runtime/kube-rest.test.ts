import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKubeconfig, type RestConfig } from '../cluster/kubeconfig.js';
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

function kubeConfigFor(url: string): RestConfig {
  return { contextName: 'x', server: url, insecureSkipTLSVerify: true, token: 't' };
}

/** A loopback API server that answers 200 and records each request's Authorization header. */
async function startRecordingServer(): Promise<{ server: Server; url: string; authorization: (string | undefined)[] }> {
  const authorization: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    authorization.push(req.headers.authorization);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, authorization };
}

function kubeconfigText(url: string, user: Record<string, unknown>): string {
  return JSON.stringify({
    clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
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

  it('sends the bearer token, re-reading a token file on every request (projected tokens rotate)', async () => {
    const rec = await startRecordingServer();
    server = rec.server;
    const dir = mkdtempSync(join(tmpdir(), 'kube-rest-'));
    try {
      writeFileSync(join(dir, 'token'), 'first\n');
      const kube = createKubeRest(loadKubeconfig(kubeconfigText(rec.url, { 'token-file': 'token' }), { baseDir: dir }).rest);
      await kube.request({ method: 'GET', path: '/a' });
      writeFileSync(join(dir, 'token'), 'second\n');
      await kube.request({ method: 'GET', path: '/b' });
      expect(rec.authorization).toEqual(['Bearer first', 'Bearer second']);
      kube.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends basic auth for a username and password', async () => {
    const rec = await startRecordingServer();
    server = rec.server;
    const kube = createKubeRest(loadKubeconfig(kubeconfigText(rec.url, { username: 'admin', password: 's3cret' })).rest);
    await kube.request({ method: 'GET', path: '/a' });
    expect(rec.authorization).toEqual([`Basic ${Buffer.from('admin:s3cret').toString('base64')}`]);
    kube.close();
  });

  it('lets @kubernetes/client-node authenticate an exec user (the credential plugin runs)', async () => {
    const rec = await startRecordingServer();
    server = rec.server;
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'from-exec' } });
    const exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`] };
    const config = loadKubeconfig(kubeconfigText(rec.url, { exec })).rest;
    expect(config.delegate?.reason).toBe('exec');
    const kube = createKubeRest(config);
    expect((await kube.request({ method: 'GET', path: '/a' })).status).toBe(200);
    expect(rec.authorization).toEqual(['Bearer from-exec']);
    expect(kube.requestCount).toBe(1);
    kube.close();
  });
});
