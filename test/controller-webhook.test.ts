import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { toolPath } from '../controller/local/tool-path.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import { silentLogger } from '../controller/runtime/logger.js';
import { loadKubeconfig } from '../controller/cluster/kubeconfig.js';
import { startController, type RunningController } from '../controller/runtime/start-controller.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { repositorySpec, setUpHub } from './support/hub-setup.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents } from './support/fleet-yaml.js';
import { ensureTestHelmHelper } from './support/helm-drivers.js';
import { helmEnv, startTestFleet } from './support/test-fleet.js';

const TOKEN = 'webhook-token-for-tests-71e2';

function fleetYaml(charts: string, greeting: string): string {
  return documents(
    clusterScopedTypeYaml({ name: 'config', repository: charts, chart: 'config-values', namespace: 'config-system' }),
    connectedClusterYaml('local-1', { kubeconfigSecret: true }),
    `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: cfg}
spec: {clusterName: local-1, extensionType: config, scope: cluster, configurationSettings: {data.greeting: ${greeting}}}
`,
  );
}

/**
 * Push webhooks: with an hour-long interval, only a correctly signed webhook makes the controller
 * fetch and apply a new commit at once; an unsigned or wrongly signed one changes nothing.
 */
describe('controller webhook receiver', () => {
  let fleet: LocalFleet;
  let store: CrStore;
  let cluster: KubeRest;
  let running: RunningController;
  let work: string;

  async function greeting(): Promise<string | undefined> {
    const res = await cluster.request<{ data: Record<string, string> }>({ method: 'GET', path: '/api/v1/namespaces/config-system/configmaps/cfg-config' });
    return res.status === 200 ? res.body.data.greeting : undefined;
  }

  async function appliedRevision(): Promise<string | undefined> {
    return (await store.get<unknown, ExtensionStatus>('Extension', 'local-1.cfg'))?.status?.lastAppliedRevision;
  }

  async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
      await sleep(200);
    }
  }

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    work = mkdtempSync(join(tmpdir(), 'clusterext-webhook-'));
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    writeFileSync(join(work, 'fleet.yaml'), fleetYaml(fleet.charts.url, 'hi'));
    await fleet.git.createRepository('fleet', work);
    ({ store } = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '1h', secrets: { 'fleet-webhook': { token: TOKEN } } }));
    await store.apply('ExtensionRepository', 'fleet', { metadata: {}, spec: { ...repositorySpec(fleet, { repository: 'fleet', path: '.', interval: '1h' }), webhookSecretRef: { name: 'fleet-webhook' } } });
    cluster = createKubeClient(fleet.clusters[0]!.kubeconfig);
    const hubKubeconfig = loadKubeconfig(fleet.clusters[0]!.kubeconfig);
    const env = Object.fromEntries(Object.entries(helmEnv(fleet)).filter((e): e is [string, string] => e[1] !== undefined));
    running = await startController({
      hubKubeconfig,
      namespace: 'clusterext-system',
      cacheDir: join(work, 'cache'),
      helmPath: toolPath('helm'),
      // The controller's default driver: helm operations in the long-lived helm helper.
      helmHelperPath: await ensureTestHelmHelper(),
      helmEnv: env,
      installCrds: false,
      leaderElect: true,
      webhookAddr: '127.0.0.1:0',
      webhookLimits: { requestTimeoutMs: 3_000 },
      fleet: { concurrency: 2, clusterConcurrency: 2, maxUninstallShare: 0.5, contactIntervalMs: 60_000, reconcilePolicy: {} },
      chartIndexTtlMs: 1,
      resyncIntervalMs: 3_600_000,
      logger: silentLogger,
    });
    await waitFor('the first install', async () => (await greeting()) === 'hi');
  });

  afterAll(async () => {
    await running?.stop();
    cluster?.close();
    await fleet?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('rejects unsigned and wrongly signed pushes, and applies a commit at once on a signed one', async () => {
    const commit = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml(fleet.charts.url, 'bonjour') }, message: 'greet in French' });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: commit });
    const post = (headers: Record<string, string>) => fetch(`${running.webhookUrl}/hook/fleet`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });

    expect((await post({})).status).toBe(401);
    const forged = `sha256=${createHmac('sha256', 'not-the-token').update(body).digest('hex')}`;
    expect((await post({ 'X-Hub-Signature-256': forged })).status).toBe(401);
    // An unknown repository gets the same answer as a wrong signature: no oracle.
    expect((await fetch(`${running.webhookUrl}/hook/unknown-repo`, { method: 'POST', body })).status).toBe(401);
    await sleep(2_000);
    expect(await greeting()).toBe('hi');

    const signed = `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}`;
    expect((await post({ 'X-Hub-Signature-256': signed })).status).toBe(202);
    // Status is written right after helm returns: wait for it, then look at the cluster.
    await waitFor('the pushed commit to be applied', async () => (await appliedRevision()) === commit, 30_000);
    expect(await greeting()).toBe('bonjour');
    // The webhook also recorded itself on the repository, for whichever replica leads.
    const repo = await store.get('ExtensionRepository', 'fleet');
    expect(repo?.metadata.annotations?.['clusterext.io/requested-at']).toBeDefined();
  });

  it('acts within seconds on a fetch request recorded on the repository, as a standby replica records it', async () => {
    const commit = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml(fleet.charts.url, 'hallo') }, message: 'greet in German' });
    await sleep(1_000);
    expect(await greeting()).toBe('bonjour');
    await store.annotate('ExtensionRepository', 'fleet', { 'clusterext.io/requested-at': new Date().toISOString() });
    await waitFor('the requested fetch to be applied', async () => (await appliedRevision()) === commit, 30_000);
    expect(await greeting()).toBe('hallo');
  });

  it('keeps memory bounded and API requests few under hundreds of slow and forged requests, and still applies a signed push', async () => {
    const commit = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml(fleet.charts.url, 'ciao') }, message: 'greet in Italian' });
    const { hostname, port } = new URL(running.webhookUrl!);
    // One buffer shared by every attacker, so the attack itself costs this process nothing.
    const almostOneMiB = Buffer.alloc(1024 * 1024 - 4096, 'a');
    const forgedBody = Buffer.alloc(512 * 1024, 'b');
    const forgedSignature = `sha256=${createHmac('sha256', 'not-the-token').update(forgedBody).digest('hex')}`;
    const sockets: Socket[] = [];
    /** When each attacking connection was closed, in ms after the attack began. */
    const closed: Promise<number>[] = [];
    const open = (head: string, ...body: Buffer[]) => {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      closed.push(new Promise((resolve) => socket.on('close', () => resolve(Date.now() - started))));
      socket.write(head);
      for (const b of body) socket.write(b);
      sockets.push(socket);
    };
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = Date.now();
    const requestsBefore = running.hub.requestCount;
    try {
      for (let i = 0; i < 150; i++) {
        // Just under 1 MiB of a declared 1 MiB body, then a stall, to a known and an unknown repository.
        open(`POST /hook/${i % 2 ? 'fleet' : `nope-${i}`} HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 * 1024}\r\nX-Hub-Signature-256: ${forgedSignature}\r\n\r\n`, almostOneMiB);
      }
      for (let i = 0; i < 100; i++) open(`POST /hook/fleet HTTP/1.1\r\nHost: x\r\nContent-Length: ${forgedBody.length}\r\nX-Hub-Signature-256: ${forgedSignature}\r\n\r\n`, forgedBody);
      for (let i = 0; i < 100; i++) open('POST /hook/fleet HTTP/1.1\r\nHost: x\r\n');
      await sleep(1_000);
      // 325 requests reached the token lookup (75 to unknown repositories); uncached, each cost one
      // or two API requests. Cached, they cost at most a list and a Secret read, plus what the
      // controller does in that second anyway (Lease renewal, the requested-at poll).
      expect(running.hub.requestCount - requestsBefore).toBeLessThan(20);

      const body = JSON.stringify({ ref: 'refs/heads/main', after: commit });
      const signed = `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}`;
      const res = await fetch(`${running.webhookUrl}/hook/fleet`, { method: 'POST', body, headers: { 'X-Hub-Signature-256': signed, 'X-GitHub-Delivery': 'load-test-push' } });
      expect(res.status).toBe(202);
      await waitFor('the pushed commit to be applied during the attack', async () => (await appliedRevision()) === commit, 60_000);
      expect(await greeting()).toBe('ciao');

      // Every attacking connection was closed by the server: its request timeout is 3 s, and the
      // slack is for an event loop that also runs the pass applying the push on a loaded machine
      // (test/webhook-server.test.ts checks the timeouts themselves closely).
      const closedAfter = await Promise.race([Promise.all(closed), sleep(40_000).then(() => [Infinity])]);
      expect(Math.max(...closedAfter)).toBeLessThan(25_000);
    } finally {
      clearInterval(sampler);
      for (const s of sockets) s.destroy();
    }
    // Buffering the bodies would take about 250 MiB; streaming them into the signature check does not.
    expect((peak - baseline) / (1024 * 1024)).toBeLessThan(100);
  });
});
