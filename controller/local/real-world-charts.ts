import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ClusterextError } from '../errors/clusterext-error.js';
import { clusterextCacheDir } from './control-plane-binaries.js';
import { downloadGoModule } from './go-binary.js';
import { runCommand } from './run-command.js';
import { toolPath } from './tool-path.js';

/**
 * A chart nobody here wrote, taken from the Go module of the project that publishes it: the module
 * zip holds the repository's files, the chart among them. Pinned by module version (pseudo-versions
 * where the project's tags are not Go versions) and by two checksums.
 */
export interface RealWorldChart {
  name: string;
  /** The chart's own version (Chart.yaml), which it is published under. */
  version: string;
  module: string;
  moduleVersion: string;
  /** The chart's folder inside the module. */
  path: string;
  /** The module's go.sum hash (`h1:…`), as `go mod download -json` reports it. */
  moduleSum: string;
  /** sha256 of the module zip, checked here independently of go. */
  zipSha256: string;
  /** What the chart brings that toy charts do not. */
  why: string;
}

export const REAL_WORLD_CHARTS: readonly RealWorldChart[] = [
  {
    name: 'podinfo',
    version: '6.9.2',
    module: 'github.com/stefanprodan/podinfo',
    // podinfo's tags (6.9.2) are not Go versions; this is the commit the proxy resolves for it.
    moduleVersion: 'v1.8.1-0.20250910200901-e86405a8674e',
    path: 'charts/podinfo',
    moduleSum: 'h1:ikpMMm5HbQT/1DehrPM+Lpwk3WAw/1Hg540eR+jsXus=',
    zipSha256: 'bdcbe8b25d74e9fc64db41f2b138212e38464b670d8917ca4b99c3a363100dbb',
    why: 'a Deployment and a Service, widely used as the smallest real application',
  },
  {
    name: 'metrics-server',
    version: '3.12.2',
    module: 'sigs.k8s.io/metrics-server',
    moduleVersion: 'v0.8.0',
    path: 'charts/metrics-server',
    moduleSum: 'h1:Zlsi3sBWEtFKCD3+xSysThvXyLQ363rUAlqpnsY5JwI=',
    zipSha256: 'f5a32b733cbe1b728ca04f69d602fdb733461767845c85a7a24294fb3f6aab82',
    why: 'registers an APIService and cluster-wide RBAC',
  },
  {
    name: 'metrics-server',
    version: '3.13.1',
    module: 'sigs.k8s.io/metrics-server',
    moduleVersion: 'v0.9.0',
    path: 'charts/metrics-server',
    moduleSum: 'h1:nlqqZ2H0Xfko8eJC/1qaNVVT17hu4rxndkOi22KTZ4w=',
    zipSha256: 'cfca13655abaceab95e8c226cab8885ff43c3d8d7115f8cbe15288857c35c507',
    why: 'a second version of the same chart, for real upgrades',
  },
  {
    name: 'ingress-nginx',
    version: '4.11.0',
    module: 'k8s.io/ingress-nginx',
    // The project tags controller-v1.11.0 and helm-chart-4.11.0, neither a Go version.
    moduleVersion: 'v0.0.0-20240708192948-52c50467d67d',
    path: 'charts/ingress-nginx',
    moduleSum: 'h1:tZui5g6S4GO1hxLm6yrEoIXLkl4QfeGytlmZqZ+DmdQ=',
    zipSha256: '8143ba940f6268a6cbc69d9c73764c61025f3634b48306d20bb8ad33b6e8cca7',
    why: 'admission webhooks and pre/post-install hook Jobs that create and patch their certificate',
  },
];

export interface PackagedChart {
  name: string;
  version: string;
  /** The `helm package` result in the cache, ready to publish. */
  file: string;
}

export interface EnsureRealWorldChartsOptions {
  /** Fetch and package what is missing; when false a missing chart throws. */
  build?: boolean;
  /** Default REAL_WORLD_CHARTS. */
  charts?: readonly RealWorldChart[];
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export function realWorldChartsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(clusterextCacheDir(env), 'charts');
}

/** Where the packaged chart goes; its source record (module, sums) sits next to it. */
export function packagedChartPath(chart: RealWorldChart, env: NodeJS.ProcessEnv = process.env): string {
  return join(realWorldChartsDir(env), `${chart.name}-${chart.version}.tgz`);
}

/**
 * The packaged real-world charts, fetched from the Go module proxy and packaged when missing. A
 * package counts as present only when its source record names the pinned module version and sums,
 * so changing a pin fetches again.
 */
export async function ensureRealWorldCharts(options: EnsureRealWorldChartsOptions = {}): Promise<PackagedChart[]> {
  const env = options.env ?? process.env;
  const charts = options.charts ?? REAL_WORLD_CHARTS;
  const missing = charts.filter((chart) => !isPackaged(chart, env));
  if (missing.length > 0 && !options.build) {
    throw new ClusterextError(
      'RealWorldChartsMissing',
      `The test bed's real-world chart${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c.name}" ${c.version}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not fetched yet (looked in "${realWorldChartsDir(env)}"); run "npm run testbed:prepare" (or "clusterext local prepare") first.`,
      { missing: missing.map((c) => `${c.name}-${c.version}`) },
    );
  }
  for (const chart of missing) await fetchAndPackage(chart, env, options.log);
  return charts.map((chart) => ({ name: chart.name, version: chart.version, file: packagedChartPath(chart, env) }));
}

function sourceRecord(chart: RealWorldChart): string {
  return `${JSON.stringify({ module: chart.module, moduleVersion: chart.moduleVersion, path: chart.path, moduleSum: chart.moduleSum, zipSha256: chart.zipSha256 }, null, 2)}\n`;
}

function isPackaged(chart: RealWorldChart, env: NodeJS.ProcessEnv): boolean {
  const file = packagedChartPath(chart, env);
  const record = `${file}.source.json`;
  return existsSync(file) && existsSync(record) && readFileSync(record, 'utf8') === sourceRecord(chart);
}

async function fetchAndPackage(chart: RealWorldChart, env: NodeJS.ProcessEnv, log?: (line: string) => void): Promise<void> {
  const dir = realWorldChartsDir(env);
  mkdirSync(dir, { recursive: true });
  const module = await downloadGoModule(`${chart.module}@${chart.moduleVersion}`, { cwd: dir, env, log });
  const what = `the module "${chart.module}@${chart.moduleVersion}" (chart "${chart.name}" ${chart.version})`;
  if (module.sum !== chart.moduleSum) {
    throw new ClusterextError('ChartChecksumMismatch', `The go.sum hash of ${what} is ${module.sum}, not the pinned ${chart.moduleSum}; nothing was published. Check the pin in controller/local/real-world-charts.ts.`, {
      module: chart.module,
    });
  }
  const zipSha256 = createHash('sha256').update(readFileSync(module.zip)).digest('hex');
  if (zipSha256 !== chart.zipSha256) {
    throw new ClusterextError('ChartChecksumMismatch', `The sha256 of the zip of ${what} is ${zipSha256}, not the pinned ${chart.zipSha256}; nothing was published.`, { module: chart.module });
  }
  const chartDir = join(module.dir, chart.path);
  const meta = existsSync(join(chartDir, 'Chart.yaml')) ? (parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { name?: string; version?: string }) : {};
  if (meta.name !== chart.name || meta.version !== chart.version) {
    throw new ClusterextError(
      'ChartChecksumMismatch',
      `The module "${chart.module}@${chart.moduleVersion}" has ${meta.name ? `chart "${meta.name}" ${meta.version}` : 'no Chart.yaml'} in "${chart.path}", not "${chart.name}" ${chart.version}; nothing was published.`,
      { module: chart.module },
    );
  }
  // helm keeps caches and config in HOME; a scratch home keeps the user's out of it.
  const scratch = mkdtempSync(join(dir, '.package-'));
  try {
    const helmEnv = { ...process.env, HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config'), HELM_DATA_HOME: join(scratch, 'data') };
    log?.(`helm package ${chart.path} of ${chart.module}@${chart.moduleVersion}`);
    await runCommand(toolPath('helm'), ['package', chartDir, '--destination', scratch], { env: helmEnv });
    renameSync(join(scratch, `${chart.name}-${chart.version}.tgz`), packagedChartPath(chart, env));
    writeFileSync(`${packagedChartPath(chart, env)}.source.json`, sourceRecord(chart));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
