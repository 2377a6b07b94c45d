import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ClusterextError } from '../errors/clusterext-error.js';
import { isExecutable } from './is-executable.js';
import { assertGoAvailable, buildGoBinary, downloadGoModule, type GoBuildRecord } from './go-binary.js';
import { projectRoot } from './project-root.js';

/** The pinned test-bed versions (Go module versions). */
export const KUBERNETES_VERSION = 'v1.34.4';
export const ETCD_VERSION = 'v3.6.16';
export const KWOK_VERSION = 'v0.8.0';

/** The commands of k8s.io/kubernetes the test bed runs, all built at KUBERNETES_VERSION. */
export type KubernetesCommand = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

/** Every piece `local prepare` provides; a cluster needs all of them. */
export type TestBedPiece = 'etcd' | KubernetesCommand | 'kwok' | 'kwok-stages';

export interface TestBedBinaries {
  kubeApiserver: string;
  etcd: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  /** KWOK's default node and pod stages (and the pod chaos stage), one YAML file for `kwok --config`. */
  kwokStages: string;
}

export interface ControlPlaneBinaries extends TestBedBinaries {
  /**
   * Where they came from: kube-apiserver and etcd from the envtest folder, everything from the
   * clusterext cache, or with at least one piece built just now.
   */
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

/** Paths of the cached pieces, keyed by version, whether or not they exist yet. */
export function cachedBinaryPaths(env: NodeJS.ProcessEnv = process.env): TestBedBinaries {
  const bin = join(clusterextCacheDir(env), 'bin');
  return {
    kubeApiserver: join(bin, `kube-apiserver-${KUBERNETES_VERSION}`),
    etcd: join(bin, `etcd-${ETCD_VERSION}`),
    kubeControllerManager: join(bin, `kube-controller-manager-${KUBERNETES_VERSION}`),
    kubeScheduler: join(bin, `kube-scheduler-${KUBERNETES_VERSION}`),
    kwok: join(bin, `kwok-${KWOK_VERSION}`),
    kwokStages: join(bin, `kwok-stages-${KWOK_VERSION}.yaml`),
  };
}

export function goBuildDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(clusterextCacheDir(env), 'build');
}

/**
 * Finds every piece of the test bed: kube-apiserver and etcd in `$KUBEBUILDER_ASSETS` when it holds
 * both (the envtest convention, which has no controller-manager, scheduler or KWOK), everything else
 * in the cache, building what is missing when `build` is on. A cached binary that does not report
 * the pinned version (e.g. built without the version stamp) is rebuilt.
 */
export async function ensureControlPlaneBinaries(options: EnsureBinariesOptions = {}): Promise<ControlPlaneBinaries> {
  const env = options.env ?? process.env;
  const assets = env.KUBEBUILDER_ASSETS;
  const fromAssets = !!assets && isExecutable(join(assets, 'kube-apiserver')) && isExecutable(join(assets, 'etcd'));
  const cached = cachedBinaryPaths(env);
  const paths: TestBedBinaries = fromAssets ? { ...cached, kubeApiserver: join(assets, 'kube-apiserver'), etcd: join(assets, 'etcd') } : cached;
  const present: Record<TestBedPiece, () => boolean> = {
    etcd: () => fromAssets || isPinnedEtcd(paths.etcd),
    'kube-apiserver': () => fromAssets || isPinnedKubernetes(paths.kubeApiserver),
    'kube-controller-manager': () => isPinnedKubernetes(paths.kubeControllerManager),
    'kube-scheduler': () => isPinnedKubernetes(paths.kubeScheduler),
    kwok: () => isPinnedKwok(paths.kwok),
    'kwok-stages': () => existsSync(paths.kwokStages),
  };
  const missing = (Object.keys(present) as TestBedPiece[]).filter((piece) => !present[piece]());
  const source = fromAssets ? 'KUBEBUILDER_ASSETS' : 'cache';
  if (missing.length === 0) return { ...paths, source, builds: [] };
  if (!options.build) {
    throw new ClusterextError(
      'ControlPlaneBinariesMissing',
      `The test bed's ${listInWords(missing)} ${missing.length > 1 ? 'are' : 'is'} not built yet (looked in "${join(clusterextCacheDir(env), 'bin')}"${assets ? ' and KUBEBUILDER_ASSETS' : ''}); run "npm run testbed:prepare" (or "clusterext local prepare") first.`,
      { missing, cacheDir: clusterextCacheDir(env) },
    );
  }
  assertGoAvailable();
  const workDir = goBuildDir(env);
  const builds: GoBuildRecord[] = [];
  // One at a time: each build alone saturates the cores; in parallel they only compete for memory.
  // The Kubernetes commands go one after the other so the later ones reuse the Go build cache.
  if (missing.includes('etcd')) builds.push(await buildEtcd(paths.etcd, workDir, options));
  for (const command of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const) {
    if (missing.includes(command)) builds.push(await buildKubernetesCommand(command, kubernetesCommandPath(paths, command), workDir, options));
  }
  if (missing.includes('kwok')) builds.push(await buildKwok(paths.kwok, workDir, options));
  if (missing.includes('kwok-stages')) await writeKwokStages(paths.kwokStages, workDir, options);
  return { ...paths, source: 'built', builds };
}

function kubernetesCommandPath(paths: TestBedBinaries, command: KubernetesCommand): string {
  if (command === 'kube-apiserver') return paths.kubeApiserver;
  return command === 'kube-controller-manager' ? paths.kubeControllerManager : paths.kubeScheduler;
}

function listInWords(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
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
  return buildKubernetesCommand('kube-apiserver', output, workDir, options);
}

/**
 * Builds one command of k8s.io/kubernetes at KUBERNETES_VERSION. Each has its own binary and cache
 * key (an honest version check per file); built one after another they share the Go build cache,
 * so the second and third cost mostly their own packages and a link.
 */
export function buildKubernetesCommand(
  command: KubernetesCommand,
  output: string,
  workDir: string,
  options: Pick<BuildTarget, 'env' | 'log'> = {},
): Promise<GoBuildRecord> {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const stamp = 'k8s.io/component-base/version';
  return buildGoBinary(
    {
      name: command,
      version: KUBERNETES_VERSION,
      mainGoDir: join(projectRoot(), 'controller', 'local', 'go', command),
      goMod: async (go) => {
        // k8s.io/kubernetes requires its staging modules as v0.0.0 and replaces them with folders of
        // its own repository; a module that depends on it must map each to the published v0.x.y.
        const info = JSON.parse(await go(['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`])) as { GoMod?: string };
        if (!info.GoMod) throw new ClusterextError('GoBuildFailed', `"go mod download" did not report the go.mod of k8s.io/kubernetes ${KUBERNETES_VERSION}.`);
        const staging = stagingModules(readFileSync(info.GoMod, 'utf8'));
        const stagingVersion = `v0.${KUBERNETES_VERSION.slice(3)}`;
        const replaces = staging.map((m) => `\t${m} v0.0.0 => ${m} ${stagingVersion}`).join('\n');
        return `module clusterext.local/${command}\n\ngo 1.24\n\nrequire k8s.io/kubernetes ${KUBERNETES_VERSION}\n\nreplace (\n${replaces}\n)\n`;
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
      isBuilt: () => isPinnedKubernetes(output),
    },
    { workDir, env: options.env, log: options.log },
  );
}

/** KWOK's go.mod has no `replace`, so requiring its module is enough; its version is compiled in. */
export function buildKwok(output: string, workDir: string, options: Pick<BuildTarget, 'env' | 'log'> = {}): Promise<GoBuildRecord> {
  return buildGoBinary(
    {
      name: 'kwok',
      version: KWOK_VERSION,
      mainGoDir: join(projectRoot(), 'controller', 'local', 'go', 'kwok'),
      goMod: async () => `module clusterext.local/kwok\n\ngo 1.24\n\nrequire sigs.k8s.io/kwok ${KWOK_VERSION}\n`,
      ldflags: ['-s', '-w'],
      output,
      isBuilt: () => isPinnedKwok(output),
    },
    { workDir, env: options.env, log: options.log },
  );
}

/**
 * The stages kwokctl gives `kwok` by default (node initialize, node heartbeat with lease, pod
 * ready/complete/delete) plus the pod chaos stage (a pod labelled
 * `pod-container-running-failed.stage.kwok.x-k8s.io: "true"` fails), copied from KWOK's module so
 * they match the binary's version. Without stages `kwok` exits "no stages found".
 */
export const KWOK_STAGE_FILES = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-complete.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
  'kustomize/stage/pod/chaos/pod-container-running-failed.yaml',
] as const;

export async function writeKwokStages(output: string, workDir: string, options: Pick<BuildTarget, 'env' | 'log'> = {}): Promise<void> {
  const module = await downloadGoModule(`sigs.k8s.io/kwok@${KWOK_VERSION}`, { cwd: workDir, env: options.env, log: options.log });
  const documents = KWOK_STAGE_FILES.map((file) => `# ${file} of sigs.k8s.io/kwok ${KWOK_VERSION}\n${readFileSync(join(module.dir, file), 'utf8').trim()}\n`);
  mkdirSync(dirname(output), { recursive: true });
  const partial = `${output}.partial-${process.pid}`;
  writeFileSync(partial, documents.join('---\n'));
  renameSync(partial, output);
}

/** The modules k8s.io/kubernetes's go.mod requires at v0.0.0 (its staging folders). */
export function stagingModules(kubernetesGoMod: string): string[] {
  const found = new Set<string>();
  for (const match of kubernetesGoMod.matchAll(/^\s*(k8s\.io\/[A-Za-z0-9._/-]+) v0\.0\.0\s*$/gm)) found.add(match[1]!);
  return [...found].sort();
}

function isPinnedKubernetes(path: string): boolean {
  return versionOutput(path).includes(`Kubernetes ${KUBERNETES_VERSION}`);
}

function isPinnedKwok(path: string): boolean {
  return versionOutput(path).includes(KWOK_VERSION);
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

