import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { HelmCli } from '../../controller/helm/helm-cli.js';
import { HelmHelper } from '../../controller/helm/helm-helper.js';
import { createNodeExec } from '../../controller/helm/node-exec.js';
import type { Clock } from '../../controller/runtime/clock.js';
import { systemClock } from '../../controller/runtime/clock.js';
import { ControllerManager, type PassSummary } from '../../controller/runtime/controller-manager.js';
import { createKubeClient } from '../../controller/cluster/kube-client.js';
import { createControllerMetrics, type ControllerMetrics } from '../../controller/runtime/metrics.js';
import type { Logger } from '../../controller/runtime/logger.js';
import { createHttpChartIndexReader } from '../../controller/source/chart-index.js';
import type { ControllerProcessInput } from './clusterext-controller-process.js';

/**
 * The controller of the `controller` bench section, alone in its own Node process, so its CPU time
 * and peak RSS are its own: not the bench's, not the git server's or the chart repository's (those
 * Node servers run in the bench process), not the apiservers'. The section prepares the fleet, the
 * git repository and the hub CRs, writes a WorkerInput file and runs
 * `node controller-worker.js <input.json>`; the worker prints one WorkerOutput as JSON on stdout and
 * a line per pass on stderr. The controller's own settings are those of the `flux` section's
 * controller process (ControllerProcessInput), so the two sections configure it alike.
 */
export interface WorkerInput extends ControllerProcessInput {
  mode: 'steady' | 'install';
  /** Releases the fleet holds; the worker waits until that many are Ready. */
  releases: number;
  /** steady: measured passes after the fleet has settled. */
  measuredPasses: number;
  /** Host:port of each endpoint whose requests are counted, by a label (e.g. "local-1"). */
  endpoints: Record<string, string>;
  /** steady: write a CPU profile (.cpuprofile) of the measured passes only to this file. */
  profilePath?: string;
  /** The worker gives up (exit 1, clear message) when it has not finished by then (epoch ms). */
  deadline: number;
}

export interface RequestCounts {
  /** Requests this process sent, by endpoint label; "other" for hosts not named in the input. */
  byEndpoint: Record<string, number>;
  /** Requests of the hub client alone (PassSummary.apiRequests). */
  hub: number;
}

export interface MeasuredPass {
  wallMs: number;
  cpuMs: number;
  helmProcesses: number;
  summary: PassSummary;
  /** Status writes of the pass by kind (from the controller's metrics). */
  statusWritesByKind: Record<string, number>;
  requests: RequestCounts;
}

export interface WorkerOutput {
  /** steady: the passes until settled, then the measured ones. install: every pass. */
  settlePasses: MeasuredPass[];
  measured: MeasuredPass[];
  /** install: from the start of the first pass until a pass reports every release Ready. */
  timeToReadyMs?: number;
  cpuMs: number;
  /** CPU of the helm processes (or the helm helper) this worker started and waited for (RUSAGE_CHILDREN). */
  childCpuMs: number;
  /** helm processes started, or helm helper processes started (1 unless one died). */
  helmProcesses: number;
  requests: RequestCounts;
  /** RSS right before the controller was built (Node + modules loaded). */
  baselineRssMiB: number;
  /** Largest RSS seen by sampling every 100 ms, and the kernel's maxRSS of this process. */
  peakRssMiB: number;
  maxRssMiB: number;
  errorLogs: string[];
}

/** Counts every HTTP request this process sends (node:http for the kube clients and git, undici for fetch). */
function countRequests(endpoints: Record<string, string>): { snapshot(): Record<string, number> } {
  const labelOf = new Map(Object.entries(endpoints).map(([label, host]) => [host, label]));
  const counts: Record<string, number> = {};
  const add = (host: string | undefined) => {
    const label = (host && labelOf.get(host)) ?? 'other';
    counts[label] = (counts[label] ?? 0) + 1;
  };
  subscribe('http.client.request.start', (message) => {
    const request = (message as { request: ClientRequest }).request;
    add(String(request.getHeader('host') ?? ''));
  });
  subscribe('undici:request:create', (message) => {
    const origin = (message as { request: { origin: string } }).request.origin;
    add(new URL(origin).host);
  });
  return { snapshot: () => ({ ...counts }) };
}

async function statusWritesByKind(metrics: ControllerMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.statusWrites.get()).values) out[String(v.labels.kind)] = v.value;
  return out;
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) !== 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/** CPU of waited-for children (cutime + cstime of /proc/self/stat, in USER_HZ = 100 ticks), in ms. */
function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is field 3 of stat(5); cutime and cstime are 16 and 17.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** A logger that drops everything but errors, which the section reports. */
function errorKeepingLogger(errors: string[]): Logger {
  const make = (bindings: Record<string, unknown>): Logger => ({
    info: () => undefined,
    debug: () => undefined,
    warn: () => undefined,
    error: (obj, msg) => {
      if (errors.length < 20) errors.push(JSON.stringify({ ...bindings, ...obj, msg }));
    },
    child: (more) => make({ ...bindings, ...more }),
  });
  return make({});
}

/**
 * The system clock plus an offset the steady state advances by one resync interval before each
 * measured pass, so every measured pass sees what a pass at the resync interval sees: repository
 * interval and chart index TTL elapsed (fetched again), contact times aging.
 */
function offsetClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: systemClock.sleep,
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** The V8 profiler of this process through node:inspector, so only the measured passes are profiled. */
async function startProfiler(): Promise<{ stop(): Promise<object> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      session.disconnect();
      return profile;
    },
  };
}

async function main(): Promise<WorkerOutput> {
  const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as WorkerInput;
  const requests = countRequests(input.endpoints);
  const errorLogs: string[] = [];
  let peakRss = process.memoryUsage().rss;
  const baselineRss = peakRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);

  const hub = createKubeClient(input.hubKubeconfig);
  const { exec, counter: cliCounter } = createNodeExec();
  const helper = input.helmHelperPath ? new HelmHelper({ helperPath: input.helmHelperPath, env: input.helmEnv }) : undefined;
  const counter = helper ? { get spawned() { return helper.spawned; } } : cliCounter;
  const clock = offsetClock();
  // The metrics the controller command serves, so the bench pays for them as the controller does.
  const metrics = createControllerMetrics();
  const manager = new ControllerManager({
    hub,
    namespace: input.namespace,
    cacheDir: input.cacheDir,
    helm: helper ?? new HelmCli({ helmPath: input.helmPath, exec, env: input.helmEnv }),
    chartIndex: createHttpChartIndexReader(),
    clock,
    logger: errorKeepingLogger(errorLogs),
    metrics,
    fleet: input.fleet,
    chartIndexTtlMs: input.chartIndexTtlMs,
    resyncIntervalMs: input.resyncIntervalMs,
  });

  const cpuStart = process.cpuUsage();
  const childStart = childCpuMs();
  const requestsStart = requests.snapshot();
  const hubStart = hub.requestCount;

  const pass = async (): Promise<MeasuredPass> => {
    if (Date.now() > input.deadline) {
      throw new Error(`The controller bench (${input.mode}, ${input.releases} releases) ran past its time limit; ${errorLogs.length} errors logged: ${errorLogs.slice(0, 3).join(' | ')}`);
    }
    const spawned = counter.spawned;
    const before = requests.snapshot();
    const writesBefore = await statusWritesByKind(metrics);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const summary = await manager.runOnce();
    const measured = {
      wallMs: performance.now() - started,
      cpuMs: cpuMsSince(cpu),
      helmProcesses: counter.spawned - spawned,
      summary,
      statusWritesByKind: diff(await statusWritesByKind(metrics), writesBefore),
      requests: { byEndpoint: diff(requests.snapshot(), before), hub: summary.apiRequests },
    };
    process.stderr.write(
      `  [controller ${input.mode} ${input.releases}] pass: ${summary.ready}/${summary.releases} ready, ${summary.helmActions} helm actions, ${summary.statusWrites} status writes, ${(measured.wallMs / 1000).toFixed(1)} s\n`,
    );
    return measured;
  };
  const allReady = (p: MeasuredPass) => p.summary.releases === input.releases && p.summary.ready === input.releases;

  const settlePasses: MeasuredPass[] = [];
  const measured: MeasuredPass[] = [];
  let timeToReadyMs: number | undefined;
  try {
    const started = performance.now();
    for (;;) {
      const p = await pass();
      settlePasses.push(p);
      if (allReady(p) && timeToReadyMs === undefined) timeToReadyMs = performance.now() - started;
      if (input.mode === 'install' && timeToReadyMs !== undefined) break;
      if (allReady(p) && p.summary.helmActions === 0 && p.summary.statusWrites === 0) break;
    }
    if (input.mode === 'steady') {
      const profiler = input.profilePath ? await startProfiler() : undefined;
      for (let i = 0; i < input.measuredPasses; i++) {
        clock.advance(input.resyncIntervalMs);
        measured.push(await pass());
      }
      if (profiler && input.profilePath) writeFileSync(input.profilePath, JSON.stringify(await profiler.stop()));
    }
  } finally {
    clearInterval(sampler);
    manager.close();
    // Waited for, so its CPU counts in childCpuMs (RUSAGE_CHILDREN) like the helm processes'.
    await helper?.stop();
    hub.close();
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const mib = (bytes: number) => bytes / 1024 / 1024;
  return {
    settlePasses,
    measured,
    ...(timeToReadyMs !== undefined ? { timeToReadyMs } : {}),
    cpuMs: cpuMsSince(cpuStart),
    childCpuMs: childCpuMs() - childStart,
    helmProcesses: counter.spawned,
    requests: { byEndpoint: diff(requests.snapshot(), requestsStart), hub: hub.requestCount - hubStart },
    baselineRssMiB: mib(baselineRss),
    peakRssMiB: mib(peakRss),
    // maxRSS is in KiB.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    errorLogs,
  };
}

main().then(
  (out) => {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
