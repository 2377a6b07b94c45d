import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * /healthz (the process is alive), /readyz (the controller has finished its first pass, or is a
 * standby replica waiting for the Lease) and /metrics (Prometheus text format).
 */
export async function startHealthServer(options: { address: string; registry?: Registry; ready: () => boolean }): Promise<{ url: string; close(): Promise<void> }> {
  const { host, port } = parseAddress(options.address);
  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else if (req.url === '/readyz') {
      const ready = options.ready();
      res.writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ready ? 'ok\n' : 'not ready\n');
    } else if (req.url === '/metrics' && options.registry) {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': options.registry!.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i) || '0.0.0.0';
  return { host, port: Number(address.slice(i + 1)) };
}
