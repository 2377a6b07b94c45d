import * as fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { ClusterextError } from '../errors/clusterext-error.js';
import { redactUrl, splitUrlCredentials } from '../errors/redact-url.js';

/** Git credentials from an ExtensionRepository's `secretRef` (Flux's keys: username/password or bearerToken). */
export interface GitCredentials {
  username?: string;
  password?: string;
  bearerToken?: string;
}

export interface FetchOptions {
  /** `https://…` or `http://…`: isomorphic-git speaks smart HTTP only (no ssh://, no file://). */
  url: string;
  branch: string;
  /** A private directory for this repository's objects; kept between fetches so they are incremental. */
  cacheDir: string;
  credentials?: GitCredentials;
  timeoutMs?: number;
}

export interface FetchResult {
  /** The full sha of the fetched branch head. */
  commit: string;
  /** Pass as `repoDir` to the manifest loader to read files at `commit` without a checkout. */
  repoDir: string;
}

/**
 * Fetches one branch of a remote repository into `cacheDir` (a repository that is never checked
 * out) and returns the head commit. Errors are `ClusterextError`s whose messages name the URL with
 * any embedded credentials removed, and never contain the credentials themselves.
 */
export async function fetchGitSource(options: FetchOptions): Promise<FetchResult> {
  checkGitUrl(options.url);
  // Credentials written into the URL are sent as a header like those of spec.secretRef (which win),
  // and never stored: the remote in the cache's .git/config is the URL without them.
  const { url, ...inUrl } = splitUrlCredentials(options.url);
  const safeUrl = redactUrl(url);
  const dir = options.cacheDir;
  await mkdir(dir, { recursive: true });
  await git.init({ fs, dir, defaultBranch: options.branch });
  await git.addRemote({ fs, dir, remote: 'origin', url, force: true });
  const headers = authorizationHeader(options.credentials ?? (inUrl.username !== undefined ? inUrl : undefined));
  try {
    const result = await withTimeout(
      git.fetch({ fs, http, dir, remote: 'origin', ref: options.branch, singleBranch: true, tags: false, headers }),
      options.timeoutMs ?? 60_000,
      safeUrl,
    );
    if (!result.fetchHead) {
      throw new ClusterextError('GitBranchNotFound', `Branch "${options.branch}" was not found in ${safeUrl}; check the ExtensionRepository's spec.branch.`, { url: safeUrl, branch: options.branch });
    }
    return { commit: result.fetchHead, repoDir: dir };
  } catch (err) {
    throw toFetchError(err, safeUrl, options.branch);
  }
}

function checkGitUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClusterextError('GitUrlInvalid', `The git URL is not a valid URL (it is not repeated here, as it may hold credentials); use https://host/path.git.`, {});
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ClusterextError(
      'GitUrlUnsupported',
      `The git URL "${redactUrl(url)}" uses ${parsed.protocol.replace(':', '')}; clusterext fetches over smart HTTP only, so use an https:// URL.`,
      { protocol: parsed.protocol },
    );
  }
}

function authorizationHeader(credentials: GitCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  if (credentials.bearerToken) return { Authorization: `Bearer ${credentials.bearerToken}` };
  if (credentials.username !== undefined || credentials.password !== undefined) {
    const token = Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64');
    return { Authorization: `Basic ${token}` };
  }
  return {};
}

function toFetchError(err: unknown, safeUrl: string, branch: string): ClusterextError {
  if (err instanceof ClusterextError) return err;
  const e = err as { code?: string; data?: { statusCode?: number }; message?: string };
  const status = e.data?.statusCode;
  if (e.code === 'HttpError' && (status === 401 || status === 403)) {
    return new ClusterextError(
      'GitAuthFailed',
      `The git server refused the credentials for ${safeUrl} (HTTP ${status}); check the Secret named by the ExtensionRepository's spec.secretRef.`,
      { url: safeUrl, statusCode: status },
    );
  }
  if (e.code === 'HttpError') {
    return new ClusterextError('GitFetchFailed', `Fetching ${safeUrl} failed with HTTP ${status ?? 'error'}; check spec.url.`, { url: safeUrl, statusCode: status });
  }
  if (e.code === 'NotFoundError' || e.code === 'MissingNameError') {
    return new ClusterextError('GitBranchNotFound', `Branch "${branch}" was not found in ${safeUrl}; check the ExtensionRepository's spec.branch.`, { url: safeUrl, branch });
  }
  // Network errors (ECONNREFUSED, ENOTFOUND, timeouts): their messages carry host and port, not credentials.
  const reason = redactUrl(e.message ?? String(err));
  return new ClusterextError('GitFetchFailed', `Fetching ${safeUrl} failed: ${reason}.`, { url: safeUrl });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, safeUrl: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ClusterextError('GitFetchTimeout', `Fetching ${safeUrl} did not finish within ${Math.round(ms / 1000)}s; the server may be slow or unreachable.`, { url: safeUrl })),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
