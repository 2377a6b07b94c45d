import { copyFileSync, createReadStream, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parse, parseDocument, stringify } from 'yaml';
import { runCommand } from './run-command.js';
import { toolPath } from './tool-path.js';

export interface ChartRepositoryOptions {
  /** Folder served as the repository; a temporary one (removed on stop) when absent. */
  dir?: string;
}

export interface PublishOptions {
  /** Written into Chart.yaml before packaging. */
  version: string;
  appVersion?: string;
}

export interface PublishedChart {
  name: string;
  version: string;
  /** The packaged chart's path in the repository folder. */
  file: string;
}

export interface RawIndexEntry {
  name: string;
  /** Written as is, even when it is not valid semver (that is the point: e.g. `1.0.029903`). */
  version: string;
  appVersion?: string;
  /** Default: a file name under the repository URL that need not exist. */
  urls?: string[];
}

export interface ChartRepository {
  /** http://127.0.0.1:<port>, the repository URL for `helm repo add` or `--repo`. */
  url: string;
  dir: string;
  /** Packages a copy of `chartDir` with the given version and adds it to index.yaml. */
  publish(chartDir: string, options: PublishOptions): Promise<PublishedChart>;
  /** Adds charts packaged elsewhere (`helm package` results), as they are, to the repository. */
  publishPackages(files: readonly string[]): Promise<void>;
  /** Writes an entry straight into index.yaml, bypassing helm's own checks. */
  addRawIndexEntry(entry: RawIndexEntry): Promise<void>;
  /** The parsed index.yaml as served now. */
  index(): { entries?: Record<string, { version: string; urls?: string[] }[]> };
  stop(): Promise<void>;
}

/**
 * A Helm chart repository on loopback: `helm package` + `helm repo index --merge` into a folder
 * served over HTTP. Publishing into a running repository updates index.yaml in place, as a real
 * repository's CI would; publishes are serialised so the index never loses an entry.
 */
export async function startChartRepository(options: ChartRepositoryOptions = {}): Promise<ChartRepository> {
  const ownsDir = !options.dir;
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'clusterext-charts-')));
  mkdirSync(dir, { recursive: true });
  // helm keeps caches and config in HOME; keep this repository's helm calls out of the user's, and
  // next to the served folder (not inside: `helm repo index` walks it) so a fleet's janitor removes it.
  const helmHome = mkdtempSync(join(options.dir ? dirname(dir) : tmpdir(), 'clusterext-charts-helm-'));
  const helmEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = resolve(dir, `.${path}`);
    const servable = (file.startsWith(dir + sep) && (file.endsWith('.tgz') || basename(file) === 'index.yaml')) || false;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !servable || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not found.\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': file.endsWith('.tgz') ? 'application/gzip' : 'application/x-yaml',
      'Content-Length': statSync(file).size,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  const url = await listen(server);
  const indexPath = join(dir, 'index.yaml');
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const helm = (args: string[]) => runCommand(toolPath('helm'), args, { env: helmEnv });

  return {
    url,
    dir,
    publish: (chartDir, publish) =>
      serialised(async () => {
        const staging = mkdtempSync(join(tmpdir(), 'clusterext-chart-'));
        try {
          const copy = join(staging, basename(resolve(chartDir)));
          cpSync(chartDir, copy, { recursive: true });
          const chartYaml = parseDocument(readFileSync(join(copy, 'Chart.yaml'), 'utf8'));
          chartYaml.set('version', publish.version);
          if (publish.appVersion !== undefined) chartYaml.set('appVersion', publish.appVersion);
          writeFileSync(join(copy, 'Chart.yaml'), chartYaml.toString());
          const name = String(chartYaml.get('name'));
          await helm(['package', copy, '--destination', dir]);
          await helm(['repo', 'index', dir, '--url', url, ...(existsSync(indexPath) ? ['--merge', indexPath] : [])]);
          return { name, version: publish.version, file: join(dir, `${name}-${publish.version}.tgz`) };
        } finally {
          rmSync(staging, { recursive: true, force: true });
        }
      }),
    publishPackages: (files) =>
      serialised(async () => {
        for (const file of files) copyFileSync(file, join(dir, basename(file)));
        await helm(['repo', 'index', dir, '--url', url, ...(existsSync(indexPath) ? ['--merge', indexPath] : [])]);
      }),
    addRawIndexEntry: (entry) =>
      serialised(async () => {
        const index = existsSync(indexPath)
          ? (parse(readFileSync(indexPath, 'utf8')) as { apiVersion: string; entries?: Record<string, unknown[]>; generated?: string })
          : { apiVersion: 'v1', entries: {} };
        index.entries ??= {};
        (index.entries[entry.name] ??= []).unshift({
          apiVersion: 'v2',
          name: entry.name,
          version: entry.version,
          ...(entry.appVersion !== undefined ? { appVersion: entry.appVersion } : {}),
          created: new Date().toISOString(),
          digest: '0'.repeat(64),
          urls: entry.urls ?? [`${url}/${entry.name}-${entry.version}.tgz`],
        });
        index.generated = new Date().toISOString();
        writeFileSync(indexPath, stringify(index));
      }),
    index: () => (existsSync(indexPath) ? parse(readFileSync(indexPath, 'utf8')) : { entries: {} }),
    async stop() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
      rmSync(helmHome, { recursive: true, force: true });
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function listen(server: Server): Promise<string> {
  return new Promise((ok, fail) => {
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}
