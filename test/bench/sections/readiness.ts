import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient, type KubeRest } from '../../../controller/cluster/kube-client.js';
import { HelmCli } from '../../../controller/helm/helm-cli.js';
import { createNodeExec } from '../../../controller/helm/node-exec.js';
import { startLocalFleet, type LocalFleet } from '../../../controller/local/local-fleet.js';
import { projectRoot } from '../../../controller/local/project-root.js';
import { toolPath } from '../../../controller/local/tool-path.js';
import type { WaitStrategy } from '../../../controller/reconcile/release-ports.js';
import { systemClock } from '../../../controller/runtime/clock.js';
import { ControllerManager } from '../../../controller/runtime/controller-manager.js';
import { silentLogger } from '../../../controller/runtime/logger.js';
import { createHttpChartIndexReader } from '../../../controller/source/chart-index.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents, extensionYaml } from '../../support/fleet-yaml.js';
import { HUB_NAMESPACE, setUpHub } from '../../support/hub-setup.js';
import { helmEnv } from '../../support/test-fleet.js';
import { median, type BenchSection, type Figure } from '../figure.js';

/**
 * Time to Ready now that Ready means running (helm waits for the workloads, KWOK runs the pods):
 * - the sample fleet (`clusterext demo --exit-when-ready`, as `npm start` runs it): from the moment
 *   the controller starts until every Extension is Ready, and the whole command;
 * - N releases of the real podinfo chart (BENCH_READINESS_RELEASES, 100) on one running cluster,
 *   by the controller with the `controller` command's defaults, once with waiting (`--wait=watcher
 *   --wait-for-jobs`, the default) and once without (`--wait=hookOnly`, helm's own default): the
 *   time from the first pass until every Extension is Ready, the ratio of the two, and how many
 *   Deployments were available at the moment the run without waiting called them all Ready.
 * Each figure is the median of BENCH_READINESS_RUNS runs (3); every podinfo run gets a fresh cluster.
 */
const RUNS = count(process.env.BENCH_READINESS_RUNS, 3);
const RELEASES = count(process.env.BENCH_READINESS_RELEASES, 100);
const RUN_LIMIT_MS = 20 * 60_000;
const DEMO_TIMEOUT = '15m';

const section: BenchSection = {
  name: 'readiness',
  async run(): Promise<Figure[]> {
    const figures: Figure[] = [];
    figures.push(...(await orFailure('sample fleet', sampleFleetFigures)));
    figures.push(...(await orFailure(`${RELEASES} podinfo`, podinfoFigures)));
    return figures;
  },
};
export default section;

async function sampleFleetFigures(): Promise<Figure[]> {
  const fromController: number[] = [];
  const whole: number[] = [];
  let extensions = 0;
  for (let run = 1; run <= RUNS; run++) {
    const result = await runDemo();
    fromController.push(result.fromControllerMs);
    whole.push(result.wholeMs);
    extensions = result.extensions;
    process.stderr.write(`  [readiness] sample fleet run ${run}: ${(result.fromControllerMs / 1000).toFixed(1)} s after the controller started\n`);
  }
  const note = `median of ${RUNS}; ${extensions} Extensions on 3 clusters`;
  return [
    { name: 'sample fleet: controller start → every Extension Ready', value: median(fromController) / 1000, unit: 's', note },
    { name: 'sample fleet: whole `demo --exit-when-ready` (clusters started)', value: median(whole) / 1000, unit: 's', note },
  ];
}

/**
 * Runs the built CLI's demo until every Extension is Ready. The demo writes to stdout only once the
 * controller runs (its description of the fleet), then the "All N Extensions are Ready" line.
 */
function runDemo(): Promise<{ fromControllerMs: number; wholeMs: number; extensions: number }> {
  const parent = mkdtempSync(join(tmpdir(), 'clusterext-bench-demo-'));
  const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'demo', '--dir', join(parent, 'demo'), '--exit-when-ready', DEMO_TIMEOUT], { stdio: ['ignore', 'pipe', 'pipe'] });
  let controllerAt: number | undefined;
  let readyAt: number | undefined;
  let extensions = 0;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    controllerAt ??= performance.now();
    stdout += chunk.toString('utf8');
    const ready = /All (\d+) Extensions are Ready after/.exec(stdout);
    if (ready && readyAt === undefined) {
      readyAt = performance.now();
      extensions = Number(ready[1]);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      rmSync(parent, { recursive: true, force: true });
      if (code !== 0 || controllerAt === undefined || readyAt === undefined) {
        reject(new Error(`clusterext demo exited with ${code} before every Extension was Ready: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
        return;
      }
      resolve({ fromControllerMs: readyAt - controllerAt, wholeMs: readyAt - started, extensions });
    });
  });
}

async function podinfoFigures(): Promise<Figure[]> {
  const waiting: number[] = [];
  const notWaiting: number[] = [];
  const availableWhenReady: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    // Alternating, so a machine that gets busier or quieter weighs on both alike.
    for (const wait of ['watcher', 'hookOnly'] as const) {
      const result = await installPodinfo(wait);
      (wait === 'watcher' ? waiting : notWaiting).push(result.timeToReadyMs);
      if (wait === 'hookOnly') availableWhenReady.push(result.availableAtReady);
      process.stderr.write(`  [readiness] ${RELEASES} podinfo, --wait=${wait}, run ${run}: ${(result.timeToReadyMs / 1000).toFixed(1)} s, ${result.availableAtReady} Deployments available at Ready\n`);
    }
  }
  const note = `median of ${RUNS}; 1 cluster, concurrency 8/4`;
  return [
    { name: `${RELEASES} podinfo releases → all Ready, waiting (--wait=watcher)`, value: median(waiting) / 1000, unit: 's', note },
    { name: `${RELEASES} podinfo releases → all Ready, not waiting (--wait=hookOnly)`, value: median(notWaiting) / 1000, unit: 's', note },
    { name: 'ratio waiting / not waiting', value: median(waiting) / median(notWaiting), unit: '×', note: 'medians' },
    { name: 'Deployments available when "Ready" without waiting', value: median(availableWhenReady), unit: `of ${RELEASES}`, note: `median of ${RUNS}; with waiting it is ${RELEASES} by construction` },
  ];
}

/** One cluster, N podinfo Extensions in git, the controller's passes until all are Ready. */
async function installPodinfo(wait: WaitStrategy): Promise<{ timeToReadyMs: number; availableAtReady: number }> {
  const fleet = await startLocalFleet({ clusters: 1 });
  let hub: KubeRest | undefined;
  let target: KubeRest | undefined;
  let manager: ControllerManager | undefined;
  try {
    const seed = join(fleet.dir, 'fleet-seed');
    mkdirSync(seed, { recursive: true });
    writeFileSync(join(seed, 'fleet.yaml'), podinfoFleetYaml(fleet));
    await fleet.git.createRepository('fleet', seed);
    ({ hub } = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '1h' }));
    target = createKubeClient(fleet.clusters[0]!.kubeconfig);
    const env = Object.fromEntries(Object.entries(helmEnv(fleet)).filter((e): e is [string, string] => e[1] !== undefined));
    manager = new ControllerManager({
      hub,
      namespace: HUB_NAMESPACE,
      cacheDir: join(fleet.dir, 'controller-cache'),
      helm: new HelmCli({ helmPath: toolPath('helm'), exec: createNodeExec().exec, env }),
      chartIndex: createHttpChartIndexReader(),
      clock: systemClock,
      logger: silentLogger,
      // The `controller` command's defaults (controller/cli/commands/controller.ts), but the wait.
      fleet: {
        concurrency: 8,
        clusterConcurrency: 4,
        maxUninstallShare: 0.5,
        contactIntervalMs: 5 * 60_000,
        reconcilePolicy: { wait, pendingTimeoutMs: 48 * 3600_000, helmTimeoutMs: 5 * 60_000, lockTimeoutMs: 10 * 60_000, retry: { maxRetries: 5, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000 } },
      },
      chartIndexTtlMs: 60_000,
      resyncIntervalMs: 60_000,
    });
    const started = performance.now();
    for (;;) {
      const pass = await manager.runOnce();
      if (pass.releases === RELEASES && pass.ready === RELEASES) break;
      if (performance.now() - started > RUN_LIMIT_MS) throw new Error(`After ${RUN_LIMIT_MS / 60_000} min only ${pass.ready} of ${RELEASES} podinfo Extensions were Ready (--wait=${wait}).`);
    }
    const timeToReadyMs = performance.now() - started;
    return { timeToReadyMs, availableAtReady: await availableDeployments(target) };
  } finally {
    manager?.close();
    hub?.close();
    target?.close();
    await fleet.stop();
  }
}

/** Deployments of the releases (each in its own `pi-…` namespace) with every replica available. */
async function availableDeployments(kube: KubeRest): Promise<number> {
  const list = await kube.request<{ items: { metadata: { namespace?: string }; spec?: { replicas?: number }; status?: { availableReplicas?: number } }[] }>({ method: 'GET', path: '/apis/apps/v1/deployments' });
  return list.body.items.filter((d) => d.metadata.namespace?.startsWith('pi-') && (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1)).length;
}

/** N cluster-scoped types on the podinfo chart (one instance per cluster each), each in its own namespace. */
function podinfoFleetYaml(fleet: LocalFleet): string {
  const names = Array.from({ length: RELEASES }, (_, i) => `pi-${String(i + 1).padStart(4, '0')}`);
  return documents(
    connectedClusterYaml('local-1', { kubeconfigSecret: true }),
    ...names.map((name) => clusterScopedTypeYaml({ name, repository: fleet.charts.url, chart: 'podinfo', namespace: name })),
    ...names.map((name) => extensionYaml({ name, cluster: 'local-1', type: name })),
  );
}

/** A scenario that fails is reported as such; the other still runs. */
async function orFailure(scenario: string, run: () => Promise<Figure[]>): Promise<Figure[]> {
  try {
    return await run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`  [readiness ${scenario}] FAILED: ${message}\n`);
    return [{ name: `${scenario}: FAILED`, value: Number.NaN, unit: '', note: message.split('\n')[0]!.slice(0, 300) }];
  }
}

function count(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}
