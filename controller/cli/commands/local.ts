import { isProcessAlive } from '../../local/is-process-alive.js';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ClusterextError } from '../../errors/clusterext-error.js';
import { ensureControlPlaneBinaries } from '../../local/control-plane-binaries.js';
import { assertNoRunningFleet, describeFleet, fleetStatePath, readFleetState, writeFleetState, type FleetState } from '../../local/fleet-state.js';
import { startLocalFleet } from '../../local/local-fleet.js';
import { ensureHelmHelper, locateHelmHelper } from '../../local/helm-helper-binary.js';
import { ensureRealWorldCharts } from '../../local/real-world-charts.js';
import { toolPath } from '../../local/tool-path.js';

const DEFAULT_DIR = join(tmpdir(), 'clusterext-local');

/**
 * `clusterext local up|down|prepare`: the embedded local fleet (real kube-apiservers on one etcd,
 * a git server and a chart repository on loopback), much like `kind create cluster`.
 */
export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('run a local fleet of real Kubernetes clusters with simulated nodes, a git server and a Helm chart repository on loopback')
    .addHelpText(
      'after',
      `
The local fleet is what "npm start", the integration tests and the bench run on. Each cluster is a
real kube-apiserver (all sharing one etcd) with its own kube-controller-manager, kube-scheduler and
KWOK, which keeps simulated nodes Ready and "runs" the pods scheduled on them without containers:
Deployments become available, Jobs and Helm hooks complete, deleted namespaces go away. No image is
ever pulled.

Examples:
  clusterext local prepare            build or locate the cluster binaries (once; takes minutes)
  clusterext local up --clusters 2    start two clusters and keep them running until Ctrl-C
  clusterext local down               stop the fleet started by "local up" from another shell`,
    );

  local
    .command('prepare')
    .description('build (from the Go module proxy) or locate etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK and the helm helper, and check helm and kubectl')
    .option('--no-build', 'only check; fail if a binary is missing instead of building it')
    .addHelpText(
      'after',
      `
kube-apiserver and etcd come from $KUBEBUILDER_ASSETS when it holds both; everything else (and
those two otherwise) from the cache ($CLUSTEREXT_CACHE_DIR, else $XDG_CACHE_HOME/clusterext, else
~/.cache/clusterext), keyed by version and built there when missing: kube-controller-manager and
kube-scheduler from k8s.io/kubernetes at the apiserver's version, KWOK (sigs.k8s.io/kwok) with its
default node and pod stages, and clusterext-helm-helper (controller/helm/helper) with the Helm 4 SDK
at helm's version (a few minutes cold, seconds once the Go build cache is warm). A cold build needs Go 1.24+, about 2 GB of memory and, on two busy
cores, some 30 minutes; later runs take seconds.`,
    )
    .action(async (options: { build: boolean }) => {
      const log = (line: string) => process.stderr.write(`  ${line}\n`);
      const binaries = await ensureControlPlaneBinaries({ build: options.build, log });
      const charts = await ensureRealWorldCharts({ build: options.build, log });
      const helper = await ensureHelmHelper({ build: options.build, log });
      // The controller's default helm driver, and what the tests run on: missing is a failure, like any binary here.
      if (!helper) {
        const where = locateHelmHelper();
        throw new ClusterextError('HelmHelperMissing', `The helm helper is missing: ${'missing' in where ? where.missing : 'it is not built'}; run "clusterext local prepare" without --no-build ("npm run testbed:prepare") to build it.`, {});
      }
      if (helper?.build && Number.isFinite(helper.build.wallMs)) log(`built the helm helper in ${Math.round(helper.build.wallMs / 1000)} s (${Math.round(helper.build.cpuMs / 1000)} s of CPU)`);
      const rows = [
        ['kube-apiserver', binaries.kubeApiserver],
        ['etcd', binaries.etcd],
        ['kube-controller-manager', binaries.kubeControllerManager],
        ['kube-scheduler', binaries.kubeScheduler],
        ['kwok', binaries.kwok],
        ['kwok stages', binaries.kwokStages],
        ['helm', toolPath('helm')],
        ['helm helper', helper.path],
        ['kubectl', toolPath('kubectl')],
        ...charts.map((chart) => [`chart ${chart.name} ${chart.version}`, chart.file]),
      ];
      process.stdout.write(`Test bed binaries and charts (${binaries.source}):\n${rows.map(([name, path]) => `  ${name!.padEnd(24)} ${path}`).join('\n')}\n`);
    });

  local
    .command('up')
    .description('start the local fleet and stay in the foreground until Ctrl-C or SIGTERM, then stop it cleanly')
    .addOption(new Option('-c, --clusters <n>', 'how many clusters to start').default(1).argParser(parseClusterCount))
    .option('-d, --dir <dir>', 'folder for kubeconfigs, data, logs and state.json (removed on stop)', DEFAULT_DIR)
    .option('--no-build', 'fail instead of building the cluster binaries when they are missing')
    .action(async (options: { clusters: number; dir: string; build: boolean }) => {
      const dir = resolve(options.dir);
      if (assertNoRunningFleet(dir)) rmSync(dir, { recursive: true, force: true });
      let stopRequested = false;
      const requested = new Promise<void>((done) => {
        const onSignal = () => {
          stopRequested = true;
          done();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
      process.stderr.write(`Starting ${options.clusters} cluster(s), a git server and a chart repository in "${dir}"…\n`);
      const fleet = await startLocalFleet({
        clusters: options.clusters,
        dir,
        buildMissing: options.build,
        log: (line) => process.stderr.write(`  ${line}\n`),
      });
      try {
        const state = describeFleet(fleet, process.pid);
        writeFleetState(state);
        process.stdout.write(describeForPeople(state));
        if (!stopRequested) await requested;
        process.stderr.write('Stopping the local fleet…\n');
      } finally {
        await fleet.stop();
      }
      process.stderr.write('Stopped; no server is left running.\n');
    });

  local
    .command('down')
    .description('stop the local fleet that "clusterext local up" runs, using its state file')
    .option('-d, --dir <dir>', 'the folder given to "local up"', DEFAULT_DIR)
    .action(async (options: { dir: string }) => {
      const dir = resolve(options.dir);
      const state = readFleetState(dir);
      if (!state) {
        process.stdout.write(`No local fleet is running in "${dir}" (no ${fleetStatePath(dir)}).\n`);
        return;
      }
      if (isProcessAlive(state.pid)) {
        process.kill(state.pid, 'SIGTERM');
        const deadline = Date.now() + 60_000;
        while (isProcessAlive(state.pid) && Date.now() < deadline) await sleep(200);
        if (isProcessAlive(state.pid)) {
          throw new ClusterextError('LocalFleetStuck', `The "local up" process ${state.pid} did not stop within 60 s; end it with "kill -9 ${state.pid}" (its servers end with it).`, {
            pid: state.pid,
          });
        }
      }
      // A "local up" that was killed outright has had its servers ended by their watchdogs; only the folder may remain.
      rmSync(dir, { recursive: true, force: true });
      process.stdout.write(`Stopped the local fleet in "${dir}".\n`);
    });
}

function describeForPeople(state: FleetState): string {
  const lines = [`The local fleet is up (${state.clusters.length} cluster${state.clusters.length === 1 ? '' : 's'}):`, ''];
  for (const cluster of state.clusters) {
    lines.push(`  cluster ${cluster.name}  ${cluster.server}`);
    lines.push(`    kubectl --kubeconfig ${cluster.kubeconfigPath} get namespaces`);
  }
  lines.push('');
  lines.push(`  git server      ${state.git.url}/<name>.git`);
  lines.push(`    basic auth: user "${state.git.username}", password in ${fleetStatePath(state.dir)} (git.password)`);
  lines.push(`  chart repo      ${state.charts.url}`);
  lines.push(`    helm repo add clusterext-local ${state.charts.url}`);
  lines.push('');
  lines.push(`Stop with Ctrl-C, or from another shell: clusterext local down --dir ${state.dir}`);
  return `${lines.join('\n')}\n`;
}

function parseClusterCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('expected a whole number from 1 to 16.');
  return n;
}

