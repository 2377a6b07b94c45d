import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeOptions {
  /** Trusted CA PEM for https URLs. */
  ca?: string;
  token?: string;
  timeoutMs?: number;
  /** Default GET; a body is sent as JSON. */
  method?: 'GET' | 'POST';
  body?: unknown;
}

/**
 * One request (a GET unless told) against a loopback endpoint; resolves with the status and body,
 * or undefined when nothing answers (refused, reset, timed out). Used to wait for servers to become
 * ready and to seed the test bed's clusters.
 */
export function probe(url: string, options: ProbeOptions = {}): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        timeout: options.timeoutMs ?? 2000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end(options.body !== undefined ? JSON.stringify(options.body) : undefined);
  });
}
