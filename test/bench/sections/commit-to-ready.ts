import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createKubeClient, type KubeRest } from '../../../controller/cluster/kube-client.js';
import { loadKubeconfig } from '../../../controller/cluster/kubeconfig.js';
import { ensureHelmHelper } from '../../../controller/local/helm-helper-binary.js';
import { startLocalFleet, type LocalFleet } from '../../../controller/local/local-fleet.js';
import { toolPath } from '../../../controller/local/tool-path.js';
import type { CrStore } from '../../../controller/runtime/cr-store.js';
import { DEFAULT_FLEET_CONCURRENCY } from '../../../controller/runtime/fleet-sync.js';
import type { ExtensionStatus } from '../../../controller/status/extension-status.js';
import type { Logger } from '../../../controller/runtime/logger.js';
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
 * Where a webhook commit's time goes: the controller's debug stage marks (webhook received, token
 * looked up, accepted, pass started, fetched, loaded and validated, CRs written, each Extension's
 * reconcile started, helm started and returned, status written) and, seen from the clusters, each
 * Deployment's rollout (helm's change applied → available), medians over the commits.
 * BENCH_COMMIT_TO_READY_HELM_DRIVER: `helper` (the long-lived helm helper, default) or `cli`.
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
    const driver = process.env.BENCH_COMMIT_TO_READY_HELM_DRIVER ?? 'helper';
    if (driver !== 'helper' && driver !== 'cli') throw new Error(`BENCH_COMMIT_TO_READY_HELM_DRIVER must be helper or cli, not "${driver}".`);
    const helper = driver === 'helper' ? await ensureHelmHelper({ build: true }) : undefined;
    if (driver === 'helper' && !helper) throw new Error('The helm helper could not be built.');
    const marks = new StageMarks();
    const fleet = await startLocalFleet({ clusters: CLUSTERS });
    const clusterKube = fleet.clusters.map((c) => ({ name: c.name, kube: createKubeClient(c.kubeconfig) }));
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
        ...(helper ? { helmHelperPath: helper.path } : {}),
        helmEnv: helmEnv(fleet),
        installCrds: false,
        leaderElect: false,
        webhookAddr: '127.0.0.1:0',
        // The `controller` command's defaults (controller/cli/commands/controller.ts).
        fleet: {
          ...DEFAULT_FLEET_CONCURRENCY,
          maxUninstallShare: 0.5,
          contactIntervalMs: 5 * 60_000,
          reconcilePolicy: { pendingTimeoutMs: 48 * 3600_000, helmTimeoutMs: 5 * 60_000, lockTimeoutMs: 10 * 60_000, retry: { maxRetries: 5, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000 } },
        },
        chartIndexTtlMs: 60_000,
        resyncIntervalMs: 60_000,
        logger: marks.logger,
      });
      const webhookUrl = running.webhookUrl!;
      const initial = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml(fleet, 'commit 0') }, message: 'first' });
      await post(webhookUrl, initial);
      await waitReady(store, initial, 10 * 60_000);

      const viaWebhook: number[] = [];
      const firstViaWebhook: number[] = [];
      const breakdowns: Breakdown[] = [];
      for (let i = 1; i <= webhookCommits; i++) {
        const message = `webhook commit ${i}`;
        const sha = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml(fleet, message) }, message: `webhook ${i}` });
        const pushed = Date.now();
        marks.since(pushed);
        await post(webhookUrl, sha);
        const rollouts = new RolloutWatch(clusterKube, message);
        const firstReadyAt = await waitReady(store, sha, COMMIT_LIMIT_MS, () => rollouts.look());
        const readyAt = Date.now();
        viaWebhook.push(readyAt - pushed);
        firstViaWebhook.push(firstReadyAt - pushed);
        const breakdown = breakDown(marks.taken(), sha, pushed, readyAt, rollouts.durations());
        breakdowns.push(breakdown);
        process.stderr.write(`  [commit-to-ready] webhook commit ${i}: ${(viaWebhook.at(-1)! / 1000).toFixed(1)} s (${describeBreakdown(breakdown)})\n`);
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
        const pushed = Date.now();
        marks.since(pushed);
        await waitReady(store, sha, COMMIT_LIMIT_MS);
        viaPolling.push(Date.now() - pushed);
        process.stderr.write(`  [commit-to-ready] polling commit ${i}: ${(viaPolling.at(-1)! / 1000).toFixed(1)} s\n`);
      }
      return [...figures(viaWebhook, firstViaWebhook, viaPolling, driver), ...stageFigures(breakdowns)];
    } finally {
      await running?.stop();
      for (const k of kube) k.close();
      for (const c of clusterKube) c.kube.close();
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
 * Until every Extension is Ready with `sha` applied; polls every 200 ms (and runs `alongside` with
 * each look). Returns when the first of them was seen Ready (Date.now()), which shows how much of
 * the wait is helm's later waves.
 */
async function waitReady(store: CrStore, sha: string, limitMs: number, alongside?: () => Promise<void>): Promise<number> {
  const deadline = Date.now() + limitMs;
  const expected = CLUSTERS * PER_CLUSTER;
  let firstReadyAt: number | undefined;
  for (;;) {
    const [items] = await Promise.all([store.list<unknown, ExtensionStatus>('Extension'), alongside?.()]);
    const ready = items.filter((e) => e.status?.lastAppliedRevision === sha && e.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (ready.length > 0) firstReadyAt ??= Date.now();
    if (ready.length === expected && items.length === expected) return firstReadyAt!;
    if (Date.now() > deadline) {
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

function figures(viaWebhook: number[], firstViaWebhook: number[], viaPolling: number[], driver: string): Figure[] {
  const s = (ms: number) => ms / 1000;
  const scope = `${CLUSTERS * PER_CLUSTER} Extensions (podinfo) on ${CLUSTERS} clusters, helm (${driver}) waits for the rollout`;
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

/** A debug stage mark of the controller (see the `stage` fields of its log lines). */
interface StageMark {
  time: number;
  stage: string;
  revision?: string;
  /** The Extension CR (`<cluster>.<extension>`), on the marks of one release. */
  extension?: string;
  durationMs?: number;
}

/** The controller's logger: debug, keeping only the stage marks, from the time `since` was last given. */
class StageMarks {
  private marks: StageMark[] = [];
  private from = 0;
  readonly logger: Logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const o = JSON.parse(line) as Partial<StageMark> & { time: number };
        if (typeof o.stage === 'string' && o.time >= this.from) this.marks.push(o as StageMark);
      },
    },
  );

  since(time: number): void {
    this.from = time;
    this.marks = [];
  }

  taken(): StageMark[] {
    return [...this.marks];
  }
}

/**
 * Each Deployment's rollout as the clusters show it: from the first look that sees helm's change in
 * its pod template to the first that sees it rolled out (every replica updated and available, the
 * old ones gone). Looks every time `look` is called (every 200 ms).
 */
class RolloutWatch {
  private readonly applied = new Map<string, number>();
  private readonly done = new Map<string, number>();

  constructor(
    private readonly clusters: readonly { name: string; kube: KubeRest }[],
    private readonly message: string,
  ) {}

  async look(): Promise<void> {
    type Deployment = {
      metadata: { namespace: string; generation?: number };
      spec: { replicas?: number; template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
      status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
    };
    await Promise.all(
      this.clusters.map(async ({ name, kube }) => {
        const res = await kube.request<{ items: Deployment[] }>({ method: 'GET', path: '/apis/apps/v1/deployments' });
        const now = Date.now();
        for (const d of res.body.items ?? []) {
          const key = `${name}/${d.metadata.namespace}`;
          if (d.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'PODINFO_UI_MESSAGE')?.value !== this.message) continue;
          if (!this.applied.has(key)) this.applied.set(key, now);
          const want = d.spec.replicas ?? 1;
          const st = d.status ?? {};
          const rolledOut = (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && st.updatedReplicas === want && st.availableReplicas === want && st.replicas === want;
          if (rolledOut && !this.done.has(key)) this.done.set(key, now);
        }
      }),
    );
  }

  /** Rollout durations (ms) of the Deployments seen both changed and rolled out. */
  durations(): number[] {
    return [...this.done].filter(([key]) => this.applied.has(key)).map(([key, at]) => at - this.applied.get(key)!);
  }
}

/** Where one webhook commit's time went, in ms per stage (undefined when a mark is missing). */
type Breakdown = Partial<Record<StageName, number>>;

const STAGES = {
  received: 'push end → webhook received',
  token: 'webhook: token looked up',
  accepted: 'webhook: signature checked, accepted',
  passStarted: 'accepted → pass started',
  fetched: 'pass started → git fetched',
  loaded: 'manifests loaded and validated',
  crsWritten: 'versions, plan, CRs written',
  firstReconcile: 'CRs written → first reconcile started',
  slotWait: 'first → last reconcile started (helm slots)',
  toHelm: 'reconcile started → helm started (each)',
  helm: 'helm operation with its wait (each)',
  helmMax: 'helm operation with its wait (slowest)',
  rollout: 'Deployment rollout seen on the cluster (each)',
  toStatus: 'helm returned → status written (each)',
  helmSpan: 'first helm started → last helm returned',
  observed: 'last status written → bench saw all Ready',
} as const;
type StageName = keyof typeof STAGES;

/** The stages of one commit from the marks taken since its push (medians over its Extensions where marked "each"). */
function breakDown(marks: readonly StageMark[], sha: string, pushed: number, readyAt: number, rollouts: number[]): Breakdown {
  const first = (stage: string, after = 0, match: (m: StageMark) => boolean = () => true) => marks.find((m) => m.stage === stage && m.time >= after && match(m))?.time;
  const ofSha = (m: StageMark) => m.revision === sha;
  const received = first('webhook-received');
  const token = first('webhook-token', received);
  const accepted = first('webhook-accepted', token);
  const fetched = first('fetched', accepted, ofSha);
  const passStarted = fetched === undefined ? undefined : marks.filter((m) => m.stage === 'pass-started' && m.time <= fetched).at(-1)?.time;
  const loaded = first('loaded', fetched, ofSha);
  const crsWritten = first('crs-written', loaded, ofSha);
  const perExtension = new Map<string, { start: number; helmStart?: number; helmReturn?: number; status?: number }>();
  for (const m of marks) {
    if (!m.extension) continue;
    const e = perExtension.get(m.extension);
    if (m.stage === 'reconcile-started' && ofSha(m) && !e) perExtension.set(m.extension, { start: m.time });
    else if (!e) continue;
    else if (m.stage === 'helm-started') e.helmStart ??= m.time;
    else if (m.stage === 'helm-returned') e.helmReturn ??= m.time;
    else if (m.stage === 'status-written' && ofSha(m)) e.status ??= m.time;
  }
  const each = [...perExtension.values()];
  const starts = each.map((e) => e.start);
  const helmRuns = each.filter((e) => e.helmStart !== undefined && e.helmReturn !== undefined).map((e) => e.helmReturn! - e.helmStart!);
  const statuses = each.map((e) => e.status).filter((t): t is number => t !== undefined);
  const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a - b);
  const med = (xs: number[]) => (xs.length > 0 ? median(xs) : undefined);
  return {
    received: diff(received, pushed),
    token: diff(token, received),
    accepted: diff(accepted, token),
    passStarted: diff(passStarted, accepted),
    fetched: diff(fetched, passStarted),
    loaded: diff(loaded, fetched),
    crsWritten: diff(crsWritten, loaded),
    firstReconcile: starts.length > 0 ? diff(Math.min(...starts), crsWritten) : undefined,
    slotWait: starts.length > 0 ? Math.max(...starts) - Math.min(...starts) : undefined,
    toHelm: med(each.filter((e) => e.helmStart !== undefined).map((e) => e.helmStart! - e.start)),
    helm: med(helmRuns),
    helmMax: helmRuns.length > 0 ? Math.max(...helmRuns) : undefined,
    rollout: med(rollouts),
    toStatus: med(each.filter((e) => e.helmReturn !== undefined && e.status !== undefined).map((e) => e.status! - e.helmReturn!)),
    helmSpan: helmRuns.length > 0 ? Math.max(...each.map((e) => e.helmReturn ?? 0)) - Math.min(...each.map((e) => e.helmStart ?? Infinity)) : undefined,
    observed: statuses.length > 0 ? readyAt - Math.max(...statuses) : undefined,
  };
}

function describeBreakdown(b: Breakdown): string {
  const s = (k: StageName) => (b[k] === undefined ? '?' : (b[k]! / 1000).toFixed(2));
  return `to pass ${s('passStarted')}, fetch ${s('fetched')}, load ${s('loaded')}, CRs ${s('crsWritten')}, helm ${s('helm')}/${s('helmMax')} (rollout ${s('rollout')}), slots ${s('slotWait')}, status ${s('toStatus')}`;
}

/** The median of each stage over the webhook commits. */
function stageFigures(breakdowns: readonly Breakdown[]): Figure[] {
  if (breakdowns.length === 0) return [];
  return (Object.keys(STAGES) as StageName[]).map((k) => {
    const values = breakdowns.map((b) => b[k]).filter((v): v is number => v !== undefined);
    return { name: `  stage: ${STAGES[k]}`, value: values.length > 0 ? median(values) / 1000 : Number.NaN, unit: 's', note: `median of ${values.length}${values.length > 0 ? `; max ${(Math.max(...values) / 1000).toFixed(2)} s` : ''}` };
  });
}
