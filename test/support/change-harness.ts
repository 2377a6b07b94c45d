import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createKubeClient, type KubeRest } from '../../controller/cluster/kube-client.js';
import { readLatestRelease } from '../../controller/cluster/read-latest-release.js';
import { HelmCli } from '../../controller/helm/helm-cli.js';
import { createNodeExec } from '../../controller/helm/node-exec.js';
import type { LocalFleet } from '../../controller/local/local-fleet.js';
import { projectRoot } from '../../controller/local/project-root.js';
import { toolPath } from '../../controller/local/tool-path.js';
import type { HelmPort, RollbackRequest, UninstallRequest, UpgradeInstallRequest } from '../../controller/reconcile/release-ports.js';
import { systemClock } from '../../controller/runtime/clock.js';
import { ControllerManager, type PassSummary } from '../../controller/runtime/controller-manager.js';
import type { CrStore } from '../../controller/runtime/cr-store.js';
import type { Logger } from '../../controller/runtime/logger.js';
import { createHttpChartIndexReader } from '../../controller/source/chart-index.js';
import { setUpHub } from './hub-setup.js';
import { helmEnv, startTestFleet } from './test-fleet.js';

/** One helm operation the controller ran, on which cluster. */
export interface HelmCall {
  cluster: string;
  /** `install` when no release of that name existed in that namespace before the call. */
  operation: 'install' | 'upgrade' | 'uninstall' | 'rollback';
  namespace: string;
  release: string;
}

/**
 * The real helm adapter with a record of every call it ran, by cluster. Whether an upgrade --install
 * was an install is read from the cluster's release storage just before the call, so the record is
 * what happened on the cluster, not what the controller meant.
 */
export class RecordingHelm implements HelmPort {
  readonly calls: HelmCall[] = [];
  constructor(
    private readonly inner: HelmPort,
    private readonly clusters: ReadonlyMap<string, { name: string; kube: KubeRest }>,
  ) {}

  private clusterOf(kubeconfig: string) {
    const cluster = this.clusters.get(kubeconfig);
    if (!cluster) throw new Error('helm was called with a kubeconfig of no known cluster');
    return cluster;
  }

  async upgradeInstall(req: UpgradeInstallRequest): Promise<void> {
    const cluster = this.clusterOf(req.kubeconfig);
    const before = await readLatestRelease(cluster.kube, { namespace: req.namespace, name: req.release });
    const operation = before === undefined || before.status === 'uninstalled' ? 'install' : 'upgrade';
    this.calls.push({ cluster: cluster.name, operation, namespace: req.namespace, release: req.release });
    await this.inner.upgradeInstall(req);
  }

  async rollback(req: RollbackRequest): Promise<void> {
    this.calls.push({ cluster: this.clusterOf(req.kubeconfig).name, operation: 'rollback', namespace: req.namespace, release: req.release });
    await this.inner.rollback(req);
  }

  async uninstall(req: UninstallRequest): Promise<void> {
    this.calls.push({ cluster: this.clusterOf(req.kubeconfig).name, operation: 'uninstall', namespace: req.namespace, release: req.release });
    await this.inner.uninstall(req);
  }

  take(): HelmCall[] {
    return this.calls.splice(0, this.calls.length);
  }
}

const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => quietLogger };

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((done, fail) => execFile(command, args, { cwd, env: GIT_ENV }, (error, stdout, stderr) => (error ? fail(new Error(`${command} ${args[0]} failed: ${stderr}`)) : done(stdout))));
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.test' };

export interface ChangeHarness {
  fleet: LocalFleet;
  store: CrStore;
  manager: ControllerManager;
  helm: RecordingHelm;
  /** A clone of the fleet repository: commits are made here, planned with the built CLI, then pushed. */
  clone: string;
  kube: Map<string, KubeRest>;
  /** Writes the files (null deletes), commits; returns the new commit id. Not pushed. */
  commit(files: Record<string, string | null>, message: string): string;
  push(): Promise<void>;
  /** `clusterext plan --format json` of the built CLI between two commits of the clone. */
  plan(base: string, head: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Passes until one runs no helm operation and writes no status, at most `max`. */
  settle(max?: number): Promise<PassSummary[]>;
  /** `helm list -A` on a cluster: `namespace/name` → chart version. */
  helmList(cluster: string): Promise<Map<string, string>>;
  stop(): Promise<void>;
}

/**
 * The real fleet of the change-model tests: `clusters` local clusters (the first is also the hub),
 * the git server, the chart repository, the controller with a recording helm adapter, and a local
 * clone of the fleet repository holding `files` as its first commit.
 */
export async function startChangeHarness(options: { clusters: number; files: (chartsUrl: string) => Record<string, string>; prepareCharts(fleet: LocalFleet): Promise<void> }): Promise<ChangeHarness> {
  const fleet = await startTestFleet({ clusters: options.clusters });
  const workDir = mkdtempSync(join(tmpdir(), 'clusterext-change-'));
  await options.prepareCharts(fleet);
  const seed = join(workDir, 'seed');
  for (const [path, content] of Object.entries(options.files(fleet.charts.url))) {
    mkdirSync(dirname(join(seed, path)), { recursive: true });
    writeFileSync(join(seed, path), content);
  }
  const url = await fleet.git.createRepository('fleet', seed);
  const auth = fleet.git.auth!;
  const authedUrl = url.replace('://', `://${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`);
  const clone = join(workDir, 'clone');
  // Asynchronously: the git server answers from this very process.
  await run('git', ['clone', '--quiet', authedUrl, clone], workDir);

  const { hub, store } = await setUpHub(fleet, { repository: 'fleet', path: 'fleet', interval: '1ms' });
  const kube = new Map(fleet.clusters.map((c) => [c.name, createKubeClient(c.kubeconfig)]));
  const byKubeconfig = new Map(fleet.clusters.map((c) => [c.kubeconfig, { name: c.name, kube: kube.get(c.name)! }]));
  const env = helmEnv(fleet);
  const helm = new RecordingHelm(new HelmCli({ helmPath: toolPath('helm'), exec: createNodeExec().exec, env }), byKubeconfig);
  const manager = new ControllerManager({
    hub,
    namespace: 'clusterext-system',
    cacheDir: join(workDir, 'cache'),
    helm,
    chartIndex: createHttpChartIndexReader(),
    clock: systemClock,
    logger: quietLogger,
    fleet: { concurrency: 4, clusterConcurrency: 2, maxUninstallShare: 1, contactIntervalMs: 600_000, reconcilePolicy: { helmTimeoutMs: 60_000, lockTimeoutMs: 1_000, retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 } } },
    chartIndexTtlMs: 1,
    resyncIntervalMs: 1000,
  });
  const kubeconfigFiles = new Map(
    fleet.clusters.map((c) => {
      const file = join(workDir, `${c.name}.kubeconfig`);
      writeFileSync(file, c.kubeconfig, { mode: 0o600 });
      return [c.name, file];
    }),
  );
  const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, env: GIT_ENV, encoding: 'utf8' }).trim();
  const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');
  return {
    fleet,
    store,
    manager,
    helm,
    clone,
    kube,
    commit(files, message) {
      for (const [path, content] of Object.entries(files)) {
        const target = join(clone, path);
        if (content === null) rmSync(target, { force: true });
        else {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, content);
        }
      }
      git('add', '--all');
      git('commit', '--quiet', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    async push() {
      await run('git', ['push', '--quiet', 'origin', 'HEAD:main'], clone);
    },
    plan(base, head) {
      return new Promise((done) => {
        execFile(process.execPath, [cli, 'plan', '--base', base, '--head', head, '--format', 'json', '--blast-radius', '100', 'fleet'], { cwd: clone, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
          done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
        });
      });
    },
    async settle(max = 8) {
      const passes: PassSummary[] = [];
      for (let i = 0; i < max; i++) {
        const pass = await manager.runOnce();
        passes.push(pass);
        if (pass.helmActions === 0 && pass.statusWrites === 0) break;
      }
      return passes;
    },
    async helmList(cluster) {
      const out = await new Promise<string>((done, fail) =>
        execFile(toolPath('helm'), ['list', '-A', '-o', 'json', '--kubeconfig', kubeconfigFiles.get(cluster)!], { env: { ...process.env, ...env } }, (error, stdout) => (error ? fail(error) : done(stdout))),
      );
      const rows = JSON.parse(out) as { name: string; namespace: string; chart: string }[];
      // `chart` is `<name>-<version>`; the version is what follows the chart name's last dash-digit.
      return new Map(rows.map((r) => [`${r.namespace}/${r.name}`, r.chart.replace(/^.*?-(\d+\.\d+\.\d+.*)$/, '$1')]));
    },
    async stop() {
      manager.close();
      hub.close();
      for (const k of kube.values()) k.close();
      await fleet.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
