import pLimit from 'p-limit';
import { parse } from 'yaml';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { ChartRef } from '../manifest/fleet.js';
import { chartKey, normalizeRepositoryUrl, type ChartVersions } from '../plan/chart-catalog.js';
import { classifyIndexVersions, type ChartIndex } from '../plan/classify-index-versions.js';
import { redactUrl } from '../errors/redact-url.js';

/** Reads a Helm repository's `index.yaml`. The seam tests and other transports plug into. */
export interface ChartIndexReader {
  /**
   * The text of `<repository>/index.yaml`. Throws a ClusterextError naming the URL (without
   * credentials) when it cannot be read.
   */
  readIndex(repositoryUrl: string): Promise<string>;
}

/** The bounds of reading one chart index; the controller's and plan's --chart-index-* flags. */
export interface ChartIndexLimits {
  /** The largest index accepted, in bytes; a larger one is abandoned as soon as that many have arrived. */
  maxBytes: number;
  /** How long the server may take to send the response headers (time to first byte). */
  headersTimeoutMs: number;
  /** How long reading the whole index may take, headers and body, however slowly the body trickles. */
  timeoutMs: number;
}

/**
 * 16 MiB holds the largest public indexes we know of, and parses within the controller's 512Mi;
 * 15 s for headers and 60 s in all are generous for a static file.
 */
export const DEFAULT_CHART_INDEX_LIMITS: Readonly<ChartIndexLimits> = { maxBytes: 16 * 1024 * 1024, headersTimeoutMs: 15_000, timeoutMs: 60_000 };

export interface HttpChartIndexReaderOptions extends Partial<ChartIndexLimits> {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/**
 * Reads indexes over HTTP(S). `user:password@` in a repository URL becomes a Basic Authorization
 * header. Every read is bounded in size and time (ChartIndexLimits): chart repositories are not
 * ours, and one that stalls or sends without end must cost one warning, not the controller.
 */
export function createHttpChartIndexReader(options: HttpChartIndexReaderOptions = {}): ChartIndexReader {
  const doFetch = options.fetch ?? fetch;
  const limits: ChartIndexLimits = {
    maxBytes: options.maxBytes ?? DEFAULT_CHART_INDEX_LIMITS.maxBytes,
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_CHART_INDEX_LIMITS.headersTimeoutMs,
    timeoutMs: options.timeoutMs ?? DEFAULT_CHART_INDEX_LIMITS.timeoutMs,
  };
  return {
    async readIndex(repositoryUrl) {
      const indexUrl = `${normalizeRepositoryUrl(repositoryUrl)}/index.yaml`;
      const safeUrl = redactUrl(indexUrl);
      const { url, headers } = splitCredentials(indexUrl, safeUrl);
      const abort = new AbortController();
      let breach: 'headers' | 'total' | undefined;
      const headersTimer = setTimeout(() => ((breach ??= 'headers'), abort.abort()), limits.headersTimeoutMs);
      const totalTimer = setTimeout(() => ((breach ??= 'total'), abort.abort()), limits.timeoutMs);
      try {
        let response: Response;
        try {
          response = await doFetch(url, { headers, redirect: 'follow', signal: abort.signal });
        } catch (err) {
          throw unreachable(safeUrl, breach ? describeBreach(breach, limits) : describeFetchError(err), err);
        }
        clearTimeout(headersTimer);
        if (!response.ok) {
          abort.abort();
          throw new ClusterextError('ChartIndexUnavailable', `Fetching the chart index "${safeUrl}" failed with HTTP ${response.status}; check the chart repository URL and its credentials.`, { url: safeUrl, statusCode: response.status });
        }
        const declared = Number(response.headers.get('content-length') ?? NaN);
        if (declared > limits.maxBytes) {
          abort.abort();
          throw tooLarge(safeUrl, `declares ${declared} bytes`, limits);
        }
        return await readBody(response, safeUrl, limits, () => breach, abort);
      } finally {
        clearTimeout(headersTimer);
        clearTimeout(totalTimer);
      }
    },
  };
}

/** The body as text, abandoned once it passes maxBytes; a stall ends with the total timeout. */
async function readBody(response: Response, safeUrl: string, limits: ChartIndexLimits, breach: () => 'headers' | 'total' | undefined, abort: AbortController): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (err) {
      const why = breach();
      // The message leaves out how much had arrived: it lands in conditions, and a number that
      // differs on every pass would rewrite them on every pass.
      if (why) throw new ClusterextError('ChartIndexTimeout', `The chart index "${safeUrl}" ${describeBreach(why, limits)}; check the chart repository, or raise --chart-index-timeout.`, { url: safeUrl, received }, { cause: err });
      throw unreachable(safeUrl, `the connection broke after ${received} bytes (${describeFetchError(err)})`, err);
    }
    if (chunk.done) break;
    received += chunk.value.byteLength;
    if (received > limits.maxBytes) {
      abort.abort();
      await reader.cancel().catch(() => undefined);
      throw tooLarge(safeUrl, `sent more than ${limits.maxBytes} bytes`, limits);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function unreachable(safeUrl: string, why: string, cause: unknown): ClusterextError {
  return new ClusterextError('ChartIndexUnreachable', `The chart index "${safeUrl}" is unreachable: ${why}; check the chart repository URL and that it is reachable from here.`, { url: safeUrl }, { cause });
}

function tooLarge(safeUrl: string, what: string, limits: ChartIndexLimits): ClusterextError {
  return new ClusterextError(
    'ChartIndexTooLarge',
    `The chart index "${safeUrl}" ${what}, more than the limit of ${limits.maxBytes} bytes, and was not read; check the chart repository, or raise --chart-index-max-bytes.`,
    { url: safeUrl, maxBytes: limits.maxBytes },
  );
}

function describeBreach(breach: 'headers' | 'total', limits: ChartIndexLimits): string {
  return breach === 'headers' ? `sent no response within ${formatMs(limits.headersTimeoutMs)}` : `was not read completely within ${formatMs(limits.timeoutMs)}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/**
 * Parses an index.yaml. Every scalar stays a string (YAML failsafe schema), so a version written
 * `1.10` is not read as the number 1.1 and is judged exactly as the repository wrote it.
 */
export function parseChartIndex(text: string, indexUrl: string): ChartIndex {
  let parsed: unknown;
  try {
    parsed = parse(text, { schema: 'failsafe', uniqueKeys: false });
  } catch (err) {
    throw new ClusterextError('ChartIndexInvalid', `The chart index "${redactUrl(indexUrl)}" is not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}.`, { url: redactUrl(indexUrl) });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ClusterextError('ChartIndexInvalid', `The chart index "${redactUrl(indexUrl)}" is not a Helm repository index (no top-level map).`, { url: redactUrl(indexUrl) });
  }
  return parsed as ChartIndex;
}

export interface LoadChartCatalogOptions {
  charts: readonly ChartRef[];
  reader: ChartIndexReader;
  /** Indexes read at once; default 4. */
  concurrency?: number;
}

export interface LoadedChartCatalog {
  /** Every chart asked for has an entry; unreadable ones carry `unavailableReason`. */
  catalog: Map<string, ChartVersions>;
  /** One whole sentence per repository that could not be read. */
  warnings: string[];
}

/**
 * Builds the ChartCatalog for `charts`: each repository's index is read once, concurrently, and
 * classified per chart. A repository that cannot be read does not fail the load: its charts get
 * the error as `unavailableReason` and it is reported in `warnings`, so a plan still shows
 * everything else. `oci://` repositories have no index.yaml to list versions from.
 */
export async function loadChartCatalog(options: LoadChartCatalogOptions): Promise<LoadedChartCatalog> {
  const byRepository = new Map<string, ChartRef[]>();
  for (const chart of options.charts) {
    const repository = normalizeRepositoryUrl(chart.repository);
    byRepository.set(repository, [...(byRepository.get(repository) ?? []), chart]);
  }
  const limit = pLimit(options.concurrency ?? 4);
  const catalog = new Map<string, ChartVersions>();
  const warnings: string[] = [];
  const repositories = [...byRepository.keys()].sort();
  const results = await Promise.all(repositories.map((repository) => limit(() => readRepository(repository, options.reader))));
  repositories.forEach((repository, i) => {
    const result = results[i]!;
    if ('error' in result && result.warn) warnings.push(result.error);
    for (const chart of byRepository.get(repository)!) {
      catalog.set(chartKey(chart), 'error' in result ? { versions: [], ignored: [], unavailableReason: result.error } : classifyIndexVersions(result.index, chart.name, chart.versionPrefix));
    }
  });
  return { catalog, warnings };
}

type RepositoryResult = { index: ChartIndex } | { error: string; warn: boolean };

async function readRepository(repository: string, reader: ChartIndexReader): Promise<RepositoryResult> {
  if (/^oci:\/\//i.test(repository)) {
    return {
      error: `The OCI registry "${redactUrl(repository)}" has no index.yaml to list chart versions from; pin a version (autoUpgradeMinorVersion: false) for charts from OCI registries.`,
      warn: false,
    };
  }
  try {
    return { index: parseChartIndex(await reader.readIndex(repository), `${repository}/index.yaml`) };
  } catch (err) {
    // Whatever went wrong, it is this repository's problem: its charts get the reason, the
    // other repositories (and the rest of the pass) go on.
    if (err instanceof ClusterextError) return { error: err.message, warn: true };
    const why = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    return { error: `The chart index "${redactUrl(`${repository}/index.yaml`)}" could not be read: ${why.replace(/\/\/[^@/\s]*@/g, '//')}.`, warn: true };
  }
}

function splitCredentials(indexUrl: string, safeUrl: string): { url: string; headers: Record<string, string> } {
  let parsed: URL;
  try {
    parsed = new URL(indexUrl);
  } catch {
    throw new ClusterextError('ChartRepositoryUrlInvalid', `The chart repository URL "${safeUrl}" is not a valid URL; use https://host/path.`, { url: safeUrl });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ClusterextError('ChartRepositoryUrlUnsupported', `The chart repository URL "${safeUrl}" is neither http(s):// nor oci://.`, { url: safeUrl });
  }
  if (parsed.username === '' && parsed.password === '') return { url: indexUrl, headers: {} };
  const token = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), headers: { Authorization: `Basic ${token}` } };
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  // Network error messages carry host and port; strip any userinfo all the same.
  return cause.replace(/\/\/[^@/\s]*@/g, '//');
}
