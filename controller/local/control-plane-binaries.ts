import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ClusterextError } from '../errors/clusterext-error.js';
import { isExecutable } from './is-executable.js';
import { assertGoAvailable, buildGoBinary, type GoBuildRecord } from './go-binary.js';
import { projectRoot } from './project-root.js';

/** The pinned control-plane versions the test bed builds (Go module versions). */
export const KUBERNETES_VERSION = 'v1.34.4';
export const ETCD_VERSION = 'v3.6.16';

export interface ControlPlaneBinaries {
  kubeApiserver: string;
  etcd: string;
  /** Where they came from: the envtest folder, the clusterext cache, or a build just now. */
  source: 'KUBEBUILDER_ASSETS' | 'cache' | 'built';
  builds: GoBuildRecord[];
}

export interface EnsureBinariesOptions {
  /** Build what is missing from the Go module proxy (minutes). When false, a missing binary throws. */
  build?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/**
 * The folder clusterext caches build results in, outside the repository so a fresh clone or
 * `git clean` keeps them: `$CLUSTEREXT_CACHE_DIR`, else `$XDG_CACHE_HOME/clusterext`, else
 * `~/.cache/clusterext`.
 */
export function clusterextCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLUSTEREXT_CACHE_DIR) return env.CLUSTEREXT_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'clusterext');
  return join(homedir(), '.cache', 'clusterext');
}

/** Paths of the cached binaries, keyed by version, whether or not they exist yet. */
export function cachedBinaryPaths(env: NodeJS.ProcessEnv = process.env): { kubeApiserver: string; etcd: string } {
  const bin = join(clusterextCacheDir(env), 'bin');
  return { kubeApiserver: join(bin, `kube-apiserver-${KUBERNETES_VERSION}`), etcd: join(bin, `etcd-${ETCD_VERSION}`) };
}

export function goBuildDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(clusterextCacheDir(env), 'build');
}

/**
 * Finds kube-apiserver and etcd: in `$KUBEBUILDER_ASSETS` when it holds both (the envtest
 * convention), else in the cache, building what is missing when `build` is on. A cached binary that
 * does not report the pinned version (e.g. built without the version stamp) is rebuilt.
 */
export async function ensureControlPlaneBinaries(options: EnsureBinariesOptions = {}): Promise<ControlPlaneBinaries> {
  const env = options.env ?? process.env;
  const assets = env.KUBEBUILDER_ASSETS;
  if (assets && isExecutable(join(assets, 'kube-apiserver')) && isExecutable(join(assets, 'etcd'))) {
    return { kubeApiserver: join(assets, 'kube-apiserver'), etcd: join(assets, 'etcd'), source: 'KUBEBUILDER_ASSETS', builds: [] };
  }
  const paths = cachedBinaryPaths(env);
  const missing = [
    ...(isPinnedEtcd(paths.etcd) ? [] : ['etcd' as const]),
    ...(isPinnedApiserver(paths.kubeApiserver) ? [] : ['kube-apiserver' as const]),
  ];
  if (missing.length === 0) return { ...paths, source: 'cache', builds: [] };
  if (!options.build) {
    throw new ClusterextError(
      'ControlPlaneBinariesMissing',
      `The test bed's ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not built yet (looked in "${join(clusterextCacheDir(env), 'bin')}" and KUBEBUILDER_ASSETS); run "npm run testbed:prepare" (or "clusterext local prepare") first.`,
      { missing, cacheDir: clusterextCacheDir(env) },
    );
  }
  assertGoAvailable();
  const builds: GoBuildRecord[] = [];
  // One at a time: each build alone saturates the cores; in parallel they only compete for memory.
  if (missing.includes('etcd')) builds.push(await buildEtcd(paths.etcd, goBuildDir(env), options));
  if (missing.includes('kube-apiserver')) builds.push(await buildKubeApiserver(paths.kubeApiserver, goBuildDir(env), options));
  return { ...paths, source: 'built', builds };
}

export interface BuildTarget {
  output: string;
  workDir: string;
  /** Extra go environment, e.g. an empty GOCACHE and GOMODCACHE for a cold-build measurement. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export function buildEtcd(output: string, workDir: string, options: Pick<BuildTarget, 'env' | 'log'> = {}): Promise<GoBuildRecord> {
  return buildGoBinary(
    {
      name: 'etcd',
      version: ETCD_VERSION,
      mainGoDir: join(projectRoot(), 'controller', 'local', 'go', 'etcd'),
      goMod: async () => `module clusterext.local/etcd\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 ${ETCD_VERSION}\n`,
      ldflags: ['-s', '-w'],
      output,
      isBuilt: () => isPinnedEtcd(output),
    },
    { workDir, env: options.env, log: options.log },
  );
}

export function buildKubeApiserver(output: string, workDir: string, options: Pick<BuildTarget, 'env' | 'log'> = {}): Promise<GoBuildRecord> {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const stamp = 'k8s.io/component-base/version';
  return buildGoBinary(
    {
      name: 'kube-apiserver',
      version: KUBERNETES_VERSION,
      mainGoDir: join(projectRoot(), 'controller', 'local', 'go', 'kube-apiserver'),
      goMod: async (go) => {
        // k8s.io/kubernetes requires its staging modules as v0.0.0 and replaces them with folders of
        // its own repository; a module that depends on it must map each to the published v0.x.y.
        const info = JSON.parse(await go(['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`])) as { GoMod?: string };
        if (!info.GoMod) throw new ClusterextError('GoBuildFailed', `"go mod download" did not report the go.mod of k8s.io/kubernetes ${KUBERNETES_VERSION}.`);
        const staging = stagingModules(readFileSync(info.GoMod, 'utf8'));
        const stagingVersion = `v0.${KUBERNETES_VERSION.slice(3)}`;
        const replaces = staging.map((m) => `\t${m} v0.0.0 => ${m} ${stagingVersion}`).join('\n');
        return `module clusterext.local/kube-apiserver\n\ngo 1.24\n\nrequire k8s.io/kubernetes ${KUBERNETES_VERSION}\n\nreplace (\n${replaces}\n)\n`;
      },
      // Without the stamp the server reports v0.0.0-master, which breaks kubeVersion checks in
      // charts and in ExtensionType requirements.
      ldflags: [
        '-s',
        '-w',
        `-X ${stamp}.gitVersion=${KUBERNETES_VERSION}`,
        `-X ${stamp}.gitMajor=${major}`,
        `-X ${stamp}.gitMinor=${minor}`,
        `-X ${stamp}.gitTreeState=clean`,
        `-X ${stamp}.buildDate=1970-01-01T00:00:00Z`,
      ],
      output,
      isBuilt: () => isPinnedApiserver(output),
    },
    { workDir, env: options.env, log: options.log },
  );
}

/** The modules k8s.io/kubernetes's go.mod requires at v0.0.0 (its staging folders). */
export function stagingModules(kubernetesGoMod: string): string[] {
  const found = new Set<string>();
  for (const match of kubernetesGoMod.matchAll(/^\s*(k8s\.io\/[A-Za-z0-9._/-]+) v0\.0\.0\s*$/gm)) found.add(match[1]!);
  return [...found].sort();
}

function isPinnedApiserver(path: string): boolean {
  return versionOutput(path).includes(`Kubernetes ${KUBERNETES_VERSION}`);
}

function isPinnedEtcd(path: string): boolean {
  return versionOutput(path).includes(`etcd Version: ${ETCD_VERSION.slice(1)}`);
}

function versionOutput(path: string): string {
  if (!existsSync(path)) return '';
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return '';
  }
}

