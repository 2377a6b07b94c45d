import pLimit from 'p-limit';
import { parse } from 'yaml';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { ChartRef } from '../manifest/fleet.js';
import { chartKey, normalizeRepositoryUrl, type ChartVersions } from '../plan/chart-catalog.js';
import { classifyIndexVersions, type ChartIndex } from '../plan/classify-index-versions.js';
import { redactUrl } from './git-source.js';

/** Reads a Helm repository's `index.yaml`. The seam tests and other transports plug into. */
export interface ChartIndexReader {
  /**
   * The text of `<repository>/index.yaml`. Throws a ClusterextError naming the URL (without
   * credentials) when it cannot be read.
   */
  readIndex(repositoryUrl: string): Promise<string>;
}

export interface HttpChartIndexReaderOptions {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Per request; default 15 s. */
  timeoutMs?: number;
}

/** Reads indexes over HTTP(S). `user:password@` in a repository URL becomes a Basic Authorization header. */
export function createHttpChartIndexReader(options: HttpChartIndexReaderOptions = {}): ChartIndexReader {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async readIndex(repositoryUrl) {
      const indexUrl = `${normalizeRepositoryUrl(repositoryUrl)}/index.yaml`;
      const safeUrl = redactUrl(indexUrl);
      const { url, headers } = splitCredentials(indexUrl, safeUrl);
      let response: Response;
      try {
        response = await doFetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new ClusterextError('ChartIndexUnreachable', `The chart index "${safeUrl}" is unreachable: ${describeFetchError(err, timeoutMs)}; check the chart repository URL and that it is reachable from here.`, { url: safeUrl }, { cause: err });
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new ClusterextError('ChartIndexUnavailable', `Fetching the chart index "${safeUrl}" failed with HTTP ${response.status}; check the chart repository URL and its credentials.`, { url: safeUrl, statusCode: response.status });
      }
      return await response.text();
    },
  };
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
      catalog.set(chartKey(chart), 'error' in result ? { versions: [], ignored: [], unavailableReason: result.error } : classifyIndexVersions(result.index, chart.name));
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
    if (err instanceof ClusterextError) return { error: err.message, warn: true };
    throw err;
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

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  // Network error messages carry host and port; strip any userinfo all the same.
  return cause.replace(/\/\/[^@/\s]*@/g, '//');
}
