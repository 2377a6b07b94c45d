import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ClusterextError } from '../errors/clusterext-error.js';
import { runCommand } from './run-command.js';

export interface GitCredentials {
  username: string;
  password: string;
}

export interface GitServerOptions {
  /** Folder for the bare repositories; a temporary one (removed on stop) when absent. */
  dir?: string;
  /** When set, every request must carry these as HTTP basic auth; anything else gets 401. */
  auth?: GitCredentials;
}

export interface CommitChange {
  /** Files to write (path relative to the repository root → content) or delete (null). */
  files?: Record<string, string | null>;
  /** Replace the whole tree with the contents of this folder (applied before `files`). */
  replaceWith?: string;
  message: string;
  branch?: string;
}

export interface GitServer {
  /** http://127.0.0.1:<port>; a repository is at `${url}/<name>.git`. */
  url: string;
  dir: string;
  auth?: GitCredentials;
  repositoryUrl(name: string): string;
  /** Creates `<name>.git` holding one commit (on `main`) with the files of `fromDir`; returns its URL. */
  createRepository(name: string, fromDir: string): Promise<string>;
  /** Clones over HTTP, applies the change, commits and pushes it; returns the new commit id. */
  commitAndPush(name: string, change: CommitChange): Promise<string>;
  /** The commit id a branch points to, read from the bare repository. */
  headOf(name: string, branch?: string): Promise<string>;
  stop(): Promise<void>;
}

const AUTHOR = { name: 'clusterext test bed', email: 'testbed@clusterext.local' };

/**
 * A smart-HTTP git server: `git http-backend` run as CGI behind a Node HTTP server on loopback,
 * serving the bare repositories in one folder. Clone, fetch and push work with any git client
 * (the git CLI, isomorphic-git); with `auth`, wrong or missing credentials get 401.
 */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const ownsDir = !options.dir;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'clusterext-git-'));
  mkdirSync(dir, { recursive: true });
  const server = createServer((req, res) => {
    if (options.auth && !authorized(req, options.auth)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="clusterext test bed"', 'Content-Type': 'text/plain' });
      res.end('Authentication required.\n');
      return;
    }
    serveCgi(dir, req, res, options.auth?.username);
  });
  const url = await listen(server);
  const git = gitRunner(options.auth);
  const repositoryUrl = (name: string) => `${url}/${name}.git`;

  return {
    url,
    dir,
    auth: options.auth,
    repositoryUrl,
    async createRepository(name, fromDir) {
      const bare = join(dir, `${name}.git`);
      if (existsSync(bare)) throw new ClusterextError('GitRepositoryExists', `The test bed's git server already has a repository "${name}".`, { name });
      await git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
      const work = mkdtempSync(join(tmpdir(), 'clusterext-git-work-'));
      try {
        await git(['init', '--quiet', '--initial-branch=main', work]);
        cpSync(fromDir, work, { recursive: true, filter: (src) => !src.endsWith('/.git') });
        await git(['add', '--all'], work);
        await git(['commit', '--quiet', '--allow-empty', '-m', `Create ${name}`], work);
        await git(['push', '--quiet', repositoryUrl(name), 'HEAD:refs/heads/main'], work);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      return repositoryUrl(name);
    },
    async commitAndPush(name, change) {
      const branch = change.branch ?? 'main';
      const work = mkdtempSync(join(tmpdir(), 'clusterext-git-work-'));
      try {
        await git(['clone', '--quiet', '--branch', branch, repositoryUrl(name), work]);
        if (change.replaceWith) {
          for (const entry of readdirSync(work)) if (entry !== '.git') rmSync(join(work, entry), { recursive: true, force: true });
          cpSync(change.replaceWith, work, { recursive: true, filter: (src) => !src.endsWith('/.git') });
        }
        for (const [path, content] of Object.entries(change.files ?? {})) {
          const target = join(work, path);
          if (content === null) {
            rmSync(target, { force: true, recursive: true });
          } else {
            mkdirSync(dirname(target), { recursive: true });
            writeFileSync(target, content);
          }
        }
        await git(['add', '--all'], work);
        await git(['commit', '--quiet', '--allow-empty', '-m', change.message], work);
        await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], work);
        return (await git(['rev-parse', 'HEAD'], work)).trim();
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    async headOf(name, branch = 'main') {
      return (await git(['rev-parse', `refs/heads/${branch}`], join(dir, `${name}.git`))).trim();
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The git CLI with the user's configuration shut out and a fixed author, authenticated to the server. */
function gitRunner(auth?: GitCredentials): (args: string[], cwd?: string) => Promise<string> {
  const config: [string, string][] = [['protocol.version', '2']];
  if (auth) config.push(['http.extraHeader', `Authorization: Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    // Passed through the environment so the credentials never show in a process listing.
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(config.flatMap(([key, value], i) => [[`GIT_CONFIG_KEY_${i}`, key], [`GIT_CONFIG_VALUE_${i}`, value]])),
  };
  return async (args, cwd) => (await runCommand('git', args, { cwd, env })).stdout;
}

function authorized(req: IncomingMessage, auth: GitCredentials): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const given = Buffer.from(header.slice(6), 'base64');
  const expected = Buffer.from(`${auth.username}:${auth.password}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Runs one request through `git http-backend` (CGI/1.1) and relays its answer. */
function serveCgi(projectRoot: string, req: IncomingMessage, res: ServerResponse, user?: string): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // Pushing is what the test bed is for, with or without authentication.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: user ?? '',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => undefined);
  const stderr: Buffer[] = [];
  cgi.stderr.on('data', (c: Buffer) => stderr.push(c));
  let head = Buffer.alloc(0);
  let headersSent = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (!end) return;
    const { status, headers } = parseCgiHeaders(head.subarray(0, end.index).toString('latin1'));
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end.index + end.length));
  });
  cgi.on('close', (code) => {
    if (!headersSent) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`git http-backend failed (exit ${code}): ${Buffer.concat(stderr).toString('utf8')}\n`);
      return;
    }
    res.end();
  });
  cgi.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}

function headerEnd(buf: Buffer): { index: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}
