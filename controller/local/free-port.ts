import { createServer } from 'node:net';

/**
 * A loopback TCP port that was free a moment ago (bound to port 0, then released). Another process
 * may take it before the caller binds it, so callers that start servers retry on "address in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
