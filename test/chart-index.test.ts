import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterextError } from '../controller/errors/clusterext-error.js';
import { chartKey } from '../controller/plan/chart-catalog.js';
import { createHttpChartIndexReader, loadChartCatalog, parseChartIndex, type ChartIndexReader } from '../controller/source/chart-index.js';

/** The chart index adapter against a real HTTP server on loopback. */
describe('createHttpChartIndexReader', () => {
  let server: Server;
  let base: string;
  let lastHeaders: IncomingHttpHeaders = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      lastHeaders = req.headers;
      if (req.url === '/ok/index.yaml') res.writeHead(200).end('apiVersion: v1\nentries:\n  a:\n    - version: 1.10\n    - version: 1.0.029903\n');
      else if (req.url === '/slow/index.yaml') setTimeout(() => res.writeHead(200).end('apiVersion: v1\n'), 2_000);
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  });

  it('reads <repository>/index.yaml, with or without a trailing slash', async () => {
    const reader = createHttpChartIndexReader();
    expect(await reader.readIndex(`${base}/ok/`)).toContain('1.0.029903');
    expect(await reader.readIndex(`${base}/ok`)).toContain('1.0.029903');
  });

  it('sends URL credentials as Basic auth and never puts them in messages', async () => {
    const reader = createHttpChartIndexReader();
    const withCredentials = base.replace('http://', 'http://bot:s3cret@');
    await reader.readIndex(`${withCredentials}/ok`);
    expect(lastHeaders.authorization).toBe(`Basic ${Buffer.from('bot:s3cret').toString('base64')}`);
    const error = await reader.readIndex(`${withCredentials}/missing`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterextError);
    expect((error as ClusterextError).code).toBe('ChartIndexUnavailable');
    expect((error as Error).message).toContain(`"${base}/missing/index.yaml"`);
    expect((error as Error).message).toContain('HTTP 404');
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('names the URL when the server does not answer in time or at all', async () => {
    const slow = await createHttpChartIndexReader({ headersTimeoutMs: 200 }).readIndex(`${base}/slow`).catch((e: unknown) => e);
    expect(slow).toMatchObject({ code: 'ChartIndexUnreachable' });
    expect((slow as Error).message).toContain(`"${base}/slow/index.yaml" is unreachable: sent no response within 200 ms`);
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const refused = await createHttpChartIndexReader().readIndex(deadUrl).catch((e: unknown) => e);
    expect((refused as Error).message).toContain(`"${deadUrl}/index.yaml" is unreachable: ECONNREFUSED`);
  });
});

/** Hostile chart repositories: each read ends within its bounds with a ClusterextError naming the URL. */
describe('createHttpChartIndexReader bounds', () => {
  let server: Server;
  let base: string;
  let sentEndless = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/no-headers/index.yaml') return; // accepts the request, never answers
      if (req.url === '/stalls/index.yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml' });
        res.write('apiVersion: v1\nentries:\n'); // then nothing, with the connection open
        return;
      }
      if (req.url === '/endless/index.yaml') {
        // No content-length: chunks as fast as the client takes them, without end.
        res.writeHead(200);
        sentEndless = true;
        const chunk = Buffer.alloc(64 * 1024, '# padding padding padding\n');
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return;
      }
      if (req.url === '/declared-huge/index.yaml') {
        res.writeHead(200, { 'content-length': String(800 * 1024 * 1024) });
        res.write('apiVersion: v1\n');
        return;
      }
      if (req.url === '/small/index.yaml') {
        res.writeHead(200).end('apiVersion: v1\nentries:\n  a:\n    - version: 1.0.0\n');
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  });

  const failure = async (promise: Promise<unknown>): Promise<ClusterextError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClusterextError);
    return error as ClusterextError;
  };

  it('gives up on a server that never sends headers after the time-to-first-byte limit', async () => {
    const started = Date.now();
    const error = await failure(createHttpChartIndexReader({ headersTimeoutMs: 300, timeoutMs: 10_000 }).readIndex(`${base}/no-headers`));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.code).toBe('ChartIndexUnreachable');
    expect(error.message).toBe(`The chart index "${base}/no-headers/index.yaml" is unreachable: sent no response within 300 ms; check the chart repository URL and that it is reachable from here.`);
  });

  it('gives up on a body that stalls after the total time limit', async () => {
    const started = Date.now();
    const error = await failure(createHttpChartIndexReader({ headersTimeoutMs: 5_000, timeoutMs: 600 }).readIndex(`${base}/stalls`));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(error.code).toBe('ChartIndexTimeout');
    expect(error.message).toBe(`The chart index "${base}/stalls/index.yaml" was not read completely within 600 ms; check the chart repository, or raise --chart-index-timeout.`);
  });

  it('stops reading an endless body once it passes the size limit', async () => {
    const before = process.memoryUsage().rss;
    const error = await failure(createHttpChartIndexReader({ maxBytes: 2 * 1024 * 1024, timeoutMs: 20_000 }).readIndex(`${base}/endless`));
    expect(sentEndless).toBe(true);
    expect(error.code).toBe('ChartIndexTooLarge');
    expect(error.message).toBe(`The chart index "${base}/endless/index.yaml" sent more than 2097152 bytes, more than the limit of 2097152 bytes, and was not read; check the chart repository, or raise --chart-index-max-bytes.`);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('refuses a body whose declared length is over the limit without reading it', async () => {
    const error = await failure(createHttpChartIndexReader({ maxBytes: 1024 }).readIndex(`${base}/declared-huge`));
    expect(error.code).toBe('ChartIndexTooLarge');
    expect(error.message).toContain(`"${base}/declared-huge/index.yaml" declares 838860800 bytes, more than the limit of 1024 bytes`);
  });

  it('makes each breach a warning and unavailable charts in loadChartCatalog, and reads the good repository', async () => {
    const reader = createHttpChartIndexReader({ maxBytes: 1024 * 1024, headersTimeoutMs: 300, timeoutMs: 800 });
    const charts = ['no-headers', 'stalls', 'endless', 'small'].map((path) => ({ repository: `${base}/${path}`, name: 'a' }));
    const { catalog, warnings } = await loadChartCatalog({ charts, reader });
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toContain('/no-headers/index.yaml" is unreachable');
    expect(warnings.join('\n')).toContain('/stalls/index.yaml" was not read completely');
    expect(warnings.join('\n')).toContain('/endless/index.yaml" sent more than 1048576 bytes');
    expect(catalog.get(chartKey(charts[1]!))?.unavailableReason).toContain('/stalls/index.yaml" was not read completely');
    expect(catalog.get(chartKey(charts[3]!))?.versions).toEqual(['1.0.0']);
  });
});

describe('parseChartIndex', () => {
  it('keeps every version as the text the repository wrote', () => {
    const index = parseChartIndex('entries:\n  a:\n    - version: 1.10\n    - version: 01.0.0\n', 'https://x/index.yaml');
    expect(index.entries?.a?.map((e) => e?.version)).toEqual(['1.10', '01.0.0']);
  });

  it('rejects text that is not an index', () => {
    expect(() => parseChartIndex('- a\n- b\n', 'https://x/index.yaml')).toThrow(/"https:\/\/x\/index.yaml" is not a Helm repository index/);
    expect(() => parseChartIndex('entries: [\n', 'https://x/index.yaml')).toThrow(ClusterextError);
  });
});

describe('loadChartCatalog', () => {
  const indexText = 'entries:\n  a:\n    - version: 1.0.0\n    - version: 1.0.029903\n  b:\n    - version: 2.0.0\n';

  it('reads each repository once and classifies every chart', async () => {
    const reads: string[] = [];
    const reader: ChartIndexReader = { readIndex: async (url) => (reads.push(url), indexText) };
    const charts = [
      { repository: 'https://r.example/charts', name: 'a' },
      { repository: 'https://r.example/charts/', name: 'b' },
      { repository: 'https://r.example/charts', name: 'missing' },
    ];
    const { catalog, warnings } = await loadChartCatalog({ charts, reader });
    expect(reads).toEqual(['https://r.example/charts']);
    expect(warnings).toEqual([]);
    expect(catalog.get(chartKey(charts[0]!))).toEqual({ versions: ['1.0.0'], ignored: [{ version: '1.0.029903', reason: expect.stringContaining('leading zero') }] });
    expect(catalog.get(chartKey(charts[1]!))?.versions).toEqual(['2.0.0']);
    expect(catalog.get(chartKey(charts[2]!))?.unavailableReason).toContain('"missing"');
  });

  it('turns an unreadable repository into unavailable charts and a warning, and oci:// into a reason', async () => {
    const reader: ChartIndexReader = {
      readIndex: async (url) => {
        if (url.includes('down')) throw new ClusterextError('ChartIndexUnreachable', `The chart index "${url}/index.yaml" is unreachable.`);
        return indexText;
      },
    };
    const charts = [
      { repository: 'https://down.example', name: 'a' },
      { repository: 'https://up.example', name: 'a' },
      { repository: 'oci://registry.example/charts', name: 'a' },
    ];
    const { catalog, warnings } = await loadChartCatalog({ charts, reader });
    expect(warnings).toEqual(['The chart index "https://down.example/index.yaml" is unreachable.']);
    expect(catalog.get(chartKey(charts[0]!))).toEqual({ versions: [], ignored: [], unavailableReason: warnings[0] });
    expect(catalog.get(chartKey(charts[1]!))?.versions).toEqual(['1.0.0']);
    expect(catalog.get(chartKey(charts[2]!))?.unavailableReason).toContain('OCI registry');
  });
});
