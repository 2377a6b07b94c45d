import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKubeClient, type KubeRest } from '../../../controller/cluster/kube-client.js';
import { loadKubeconfig } from '../../../controller/cluster/kubeconfig.js';
import { startLocalFleet, type LocalFleet } from '../../../controller/local/local-fleet.js';
import { toolPath } from '../../../controller/local/tool-path.js';
import type { CrStore } from '../../../controller/runtime/cr-store.js';
import type { ExtensionStatus } from '../../../controller/status/extension-status.js';
import { silentLogger } from '../../../controller/runtime/logger.js';
import { startController, type RunningController } from '../../../controller/runtime/start-controller.js';
import { repositorySpec, setUpHub, HUB_NAMESPACE } from '../../support/hub-setup.js';
import { median, percentile, type BenchSection, type Figure } from '../figure.js';

/**
 * Commit → Ready: how long a push takes to reach the clusters. 10 Extensions of the real podinfo
 * chart (a Deployment and a Service) on 2 local clusters that run workloads (kube-controller-manager,
 * scheduler, KWOK nodes), the controller as `clusterext controller` runs it (its defaults: helm
 * waits for the workloads). Each commit changes one setting (`ui.message`) on all 10, which rolls
 * every Deployment out; a commit is Ready when all 10 Extensions are Ready at that revision (helm
 * returned only once the new pods were available). Measured from the end of the push:
 * - through the push webhook, signed as GitHub signs it, repository interval 1 h (so only the
 *   webhook can bring the commit in): p50 and p95 over BENCH_COMMIT_TO_READY_COMMITS (20);
 * - through polling at the default interval (1m): BENCH_COMMIT_TO_READY_POLLING_COMMITS (10, as
 *   each costs about an interval); every push waits a random part of the interval first, so the
 *   pushes fall at random points of the polling cycle.
 * Skip the section with `npm run bench -- --skip=commit-to-ready`.
 */
const CLUSTERS = 2;
const PER_CLUSTER = 5;
const TOKEN = 'commit-to-ready-bench-token';
const DEFAULT_INTERVAL_MS = 60_000;
const COMMIT_LIMIT_MS = 5 * 60_000;
const GOAL_P95_MS = 10_000;

const section: BenchSection = {
  name: 'commit-to-ready',
  async run(): Promise<Figure[]> {
    const webhookCommits = count(process.env.BENCH_COMMIT_TO_READY_COMMITS, 20);
    const pollingCommits = count(process.env.BENCH_COMMIT_TO_READY_POLLING_COMMITS, 10);
    const fleet = await startLocalFleet({ clusters: CLUSTERS });
    let running: RunningController | undefined;
    const kube: KubeRest[] = [];
    try {
      const seed = join(fleet.dir, 'fleet-seed');
      mkdirSync(seed, { recursive: true });
      writeFileSync(join(seed, 'fleet.yaml'), fleetYaml(fleet, 'commit 0'));
      await fleet.git.createRepository('fleet', seed);
      const { hub, store } = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '1h', secrets: { 'fleet-webhook': { token: TOKEN } } });
      kube.push(hub);
      await store.apply('ExtensionRepository', 'fleet', { metadata: {}, spec: { ...repositorySpec(fleet, { repository: 'fleet', path: '.', interval: '1h' }), webhookSecretRef: { name: 'fleet-webhook' } } });
      running = await startController({
        hubKubeconfig: loadKubeconfig(fleet.clusters[0]!.kubeconfig),
        namespace: HUB_NAMESPACE,
        cacheDir: join(fleet.dir, 'controller-cache'),
        helmPath: toolPath('helm'),
        helmEnv: helmEnv(fleet),
        installCrds: false,
        leaderElect: false,
        webhookAddr: '127.0.0.1:0',
        // The `controller` command's defaults (controller/cli/commands/controller.ts).
        fleet: {
          concurrency: 8,
          clusterConcurrency: 4,
          maxUninstallShare: 0.5,
          contactIntervalMs: 5 * 60_000,
          reconcilePolicy: { pendingTimeoutMs: 48 * 3600_000, helmTimeoutMs: 5 * 60_000, lockTimeoutMs: 10 * 60_000, retry: { maxRetries: 5, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000 } },
        },
        chartIndexTtlMs: 60_000,
        resyncIntervalMs: 60_000,
        logger: silentLogger,
      });
      const webhookUrl = running.webhookUrl!;
      const initial = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml(fleet, 'commit 0') }, message: 'first' });
      await post(webhookUrl, initial);
      await waitReady(store, initial, 10 * 60_000);

      const viaWebhook: number[] = [];
      const firstViaWebhook: number[] = [];
      for (let i = 1; i <= webhookCommits; i++) {
        const sha = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml(fleet, `webhook commit ${i}`) }, message: `webhook ${i}` });
        const pushed = performance.now();
        await post(webhookUrl, sha);
        const firstReadyAt = await waitReady(store, sha, COMMIT_LIMIT_MS);
        viaWebhook.push(performance.now() - pushed);
        firstViaWebhook.push(firstReadyAt - pushed);
        process.stderr.write(`  [commit-to-ready] webhook commit ${i}: ${(viaWebhook.at(-1)! / 1000).toFixed(1)} s\n`);
      }
      const last = `webhook commit ${webhookCommits}`;
      // Ready means the change is on the clusters: the last cluster's last Deployment runs it.
      const deployed = await deploymentMessage(fleet, `local-${CLUSTERS}`, `web-${PER_CLUSTER}`);
      if (webhookCommits > 0 && deployed !== last) throw new Error(`The Deployment carries "${deployed}" after the Extensions were Ready at the commit setting "${last}".`);

      // Polling at the default interval: no webhook from here on.
      await store.apply('ExtensionRepository', 'fleet', { metadata: {}, spec: repositorySpec(fleet, { repository: 'fleet', path: '.', interval: '1m' }) });
      const viaPolling: number[] = [];
      for (let i = 1; i <= pollingCommits; i++) {
        await sleep(Math.random() * DEFAULT_INTERVAL_MS);
        const sha = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml(fleet, `polling commit ${i}`) }, message: `polling ${i}` });
        const pushed = performance.now();
        await waitReady(store, sha, COMMIT_LIMIT_MS);
        viaPolling.push(performance.now() - pushed);
        process.stderr.write(`  [commit-to-ready] polling commit ${i}: ${(viaPolling.at(-1)! / 1000).toFixed(1)} s\n`);
      }
      return figures(viaWebhook, firstViaWebhook, viaPolling);
    } finally {
      await running?.stop();
      for (const k of kube) k.close();
      await fleet.stop();
    }
  },
};
export default section;

function count(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 0 ? n : fallback;
}

function helmEnv(fleet: LocalFleet): Record<string, string> {
  const home = join(fleet.dir, 'helm-home');
  mkdirSync(home, { recursive: true });
  return { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
}

/** PER_CLUSTER cluster-scoped types `web-N` on podinfo, each in its own namespace; one Extension of each on every cluster. */
function fleetYaml(fleet: LocalFleet, message: string): string {
  const names = Array.from({ length: PER_CLUSTER }, (_, i) => `web-${i + 1}`);
  const clusters = fleet.clusters.map((c) => c.name);
  return [
    ...names.map(
      (name) => `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: {name: ${name}}
spec:
  chart: {repository: "${fleet.charts.url}", name: podinfo}
  scopes: [cluster]
  defaultReleaseNamespace: ${name}
  releaseTrains: {stable: {}}
`,
    ),
    ...clusters.map(
      (c) => `apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: {name: ${c}}
spec: {kubeconfigSecretRef: {name: ${c}-kubeconfig, key: kubeconfig}}
`,
    ),
    ...clusters.flatMap((c) =>
      names.map(
        (name) => `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${name}}
spec:
  clusterName: ${c}
  extensionType: ${name}
  scope: cluster
  configurationSettings: {ui.message: "${message}"}
`,
      ),
    ),
  ].join('---\n');
}

/** A push notification as GitHub sends it: signed body, event and delivery id. */
async function post(webhookUrl: string, sha: string): Promise<void> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { full_name: 'platform/fleet' } });
  const res = await fetch(`${webhookUrl}/hook/fleet`, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'push',
      'X-GitHub-Delivery': randomUUID(),
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}`,
    },
  });
  if (res.status !== 202) throw new Error(`The webhook answered ${res.status}: ${await res.text()}`);
}

/**
 * Until every Extension is Ready with `sha` applied; polls every 200 ms. Returns when the first of
 * them was seen Ready (performance.now()), which shows how much of the wait is helm's later waves.
 */
async function waitReady(store: CrStore, sha: string, limitMs: number): Promise<number> {
  const deadline = performance.now() + limitMs;
  const expected = CLUSTERS * PER_CLUSTER;
  let firstReadyAt: number | undefined;
  for (;;) {
    const items = await store.list<unknown, ExtensionStatus>('Extension');
    const ready = items.filter((e) => e.status?.lastAppliedRevision === sha && e.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (ready.length > 0) firstReadyAt ??= performance.now();
    if (ready.length === expected && items.length === expected) return firstReadyAt!;
    if (performance.now() > deadline) {
      const waiting = items.find((e) => !ready.includes(e));
      const why = waiting?.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? 'no Ready condition';
      throw new Error(`Only ${ready.length} of ${expected} Extensions were Ready at ${sha.slice(0, 8)} after ${limitMs / 1000} s; "${waiting?.metadata.name}": ${why}`);
    }
    await sleep(200);
  }
}

async function deploymentMessage(fleet: LocalFleet, cluster: string, namespace: string): Promise<string | undefined> {
  const kube = createKubeClient(fleet.clusters.find((c) => c.name === cluster)!.kubeconfig);
  try {
    type Deployments = { items: { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }[] };
    const res = await kube.request<Deployments>({ method: 'GET', path: `/apis/apps/v1/namespaces/${namespace}/deployments` });
    return res.body.items[0]?.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'PODINFO_UI_MESSAGE')?.value;
  } finally {
    kube.close();
  }
}

function figures(viaWebhook: number[], firstViaWebhook: number[], viaPolling: number[]): Figure[] {
  const s = (ms: number) => ms / 1000;
  const scope = `${CLUSTERS * PER_CLUSTER} Extensions (podinfo) on ${CLUSTERS} clusters, helm waits for the rollout`;
  const out: Figure[] = [];
  if (viaWebhook.length > 0) {
    const p95 = percentile(viaWebhook, 95);
    out.push(
      { name: 'commit → all Ready, push webhook: p50', value: s(percentile(viaWebhook, 50)), unit: 's', note: `${viaWebhook.length} commits; ${scope}` },
      { name: 'commit → all Ready, push webhook: p95', value: s(p95), unit: 's', note: `goal <= ${GOAL_P95_MS / 1000} s: ${p95 <= GOAL_P95_MS ? 'MET' : 'NOT MET'}; max ${s(Math.max(...viaWebhook)).toFixed(1)} s` },
      { name: 'commit → first of the 10 Ready, push webhook: p50', value: s(percentile(firstViaWebhook, 50)), unit: 's', note: 'fetch, plan and the first helm upgrade with its rollout' },
    );
  }
  if (viaPolling.length > 0) {
    out.push(
      { name: 'commit → all Ready, polling every 1m: p50', value: s(percentile(viaPolling, 50)), unit: 's', note: `${viaPolling.length} commits at random points of the interval; median ${s(median(viaPolling)).toFixed(1)} s` },
      { name: 'commit → all Ready, polling every 1m: p95', value: s(percentile(viaPolling, 95)), unit: 's', note: `max ${s(Math.max(...viaPolling)).toFixed(1)} s` },
    );
  }
  return out;
}
