import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startChartRepository, type ChartRepository } from './chart-repository.js';
import { ensureControlPlaneBinaries, type TestBedBinaries } from './control-plane-binaries.js';
import { startControlPlanes, type ControlPlanes, type LocalCluster } from './control-planes.js';
import { ensureRealWorldCharts } from './real-world-charts.js';
import { startGitServer, type GitCredentials, type GitServer } from './git-server.js';
import type { SimulatedNode } from './workload-controllers.js';

export interface LocalFleetOptions {
  /** Number of clusters; default 1. */
  clusters?: number;
  /** Working folder; default a new temporary folder. Removed on stop unless `keepDir`. */
  dir?: string;
  keepDir?: boolean;
  /** Credentials the git server demands; default user `clusterext` with a random password. */
  gitAuth?: GitCredentials;
  /** Use these binaries instead of locating (and maybe building) the pinned ones. */
  binaries?: TestBedBinaries;
  /** The simulated nodes of each cluster; default one amd64/linux node per cluster. */
  nodes?: (clusterName: string) => readonly SimulatedNode[];
  /** Build missing binaries from the Go module proxy (minutes); when false a missing one throws. Default true. */
  buildMissing?: boolean;
  /**
   * Publish the real-world charts (podinfo, metrics-server, ingress-nginx; see
   * real-world-charts.ts) into the chart repository at start. Default true.
   */
  realWorldCharts?: boolean;
  log?: (line: string) => void;
}

export interface LocalFleet {
  dir: string;
  clusters: LocalCluster[];
  etcd: ControlPlanes['etcd'];
  git: GitServer & { auth: GitCredentials };
  charts: ChartRepository;
  /** Stops everything and removes the working folder (unless kept). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The embedded local fleet: N real clusters (kube-apiserver, kube-controller-manager, kube-scheduler
 * and KWOK's simulated nodes) on one etcd, a smart-HTTP git server and a Helm chart repository, all
 * on loopback. `clusterext local up`, `npm start`, the integration tests and
 * the bench all start it through this function. Every server process is tied to this Node process
 * (see watchdog.sh), and a janitor removes the folder if Node dies without calling `stop`.
 */
export async function startLocalFleet(options: LocalFleetOptions = {}): Promise<LocalFleet> {
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'clusterext-fleet-')));
  mkdirSync(dir, { recursive: true });
  const janitor = options.keepDir ? undefined : startJanitor(dir);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    // Reverse order of start; keep going when one fails so nothing is left behind.
    const errors: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => errors.push(err));
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    await janitor?.dismiss();
    if (errors.length > 0) throw errors[0];
  };
  try {
    const binaries = options.binaries ?? (await ensureControlPlaneBinaries({ build: options.buildMissing ?? true, log: options.log }));
    const realWorldCharts = options.realWorldCharts === false ? Promise.resolve([]) : ensureRealWorldCharts({ build: options.buildMissing ?? true, log: options.log });
    // Awaited below with the servers; a rejection must not go unhandled meanwhile.
    realWorldCharts.catch(() => undefined);
    const auth = options.gitAuth ?? { username: 'clusterext', password: randomBytes(12).toString('hex') };
    const [controlPlanes, git, charts] = await Promise.all([
      startControlPlanes({ clusters: options.clusters ?? 1, dir: join(dir, 'control-plane'), binaries, nodes: options.nodes, log: options.log }).then((c) => {
        stops.push(() => c.stop());
        return c;
      }),
      startGitServer({ dir: join(dir, 'git'), auth }).then((g) => {
        stops.push(() => g.stop());
        return g;
      }),
      startChartRepository({ dir: join(dir, 'charts') }).then(async (c) => {
        stops.push(() => c.stop());
        if (options.realWorldCharts ?? true) await c.publishPackages((await realWorldCharts).map((chart) => chart.file));
        return c;
      }),
    ]);
    let stopping: Promise<void> | undefined;
    return {
      dir,
      clusters: controlPlanes.clusters,
      etcd: controlPlanes.etcd,
      git: { ...git, auth },
      charts,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}

/**
 * A shell that removes `dir` once this Node process is gone without having dismissed it: its
 * standard input is a pipe only Node writes to, so end-of-file means Node exited, even by SIGKILL.
 * The short pause lets the servers (ended the same way) close their files first.
 */
function startJanitor(dir: string): { dismiss(): Promise<void> } {
  const child = spawn('sh', ['-c', 'while read -r _; do :; done; sleep 2; rm -rf "$1"', 'clusterext-janitor', dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  // The janitor must not keep Node alive; it only watches for Node's end.
  child.unref();
  (child.stdin as unknown as Socket).unref();
  return {
    async dismiss() {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      child.stdin.destroy();
      // Unref'd above; referenced again so Node waits for the exit (else a Node with nothing else
      // left to do ends with the caller's await unfinished, exit code 13).
      child.ref();
      await exited;
    },
  };
}
