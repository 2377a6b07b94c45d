import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import type { KubeRest } from '../controller/cluster/kube-client.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { systemClock, type Clock } from '../controller/runtime/clock.js';
import type { ControllerManager, PassSummary } from '../controller/runtime/controller-manager.js';
import type { CrStore, CustomResource } from '../controller/runtime/cr-store.js';
import { startHealthServer } from '../controller/runtime/health-server.js';
import { createControllerMetrics } from '../controller/runtime/metrics.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents, extensionYaml } from './support/fleet-yaml.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { seedRepository } from './support/seed-repository.js';
import { settleController } from './support/settle-controller.js';
import { createTestController } from './support/test-controller.js';
import { startTestFleet } from './support/test-fleet.js';

const HOUR = 3_600_000;

/** Settings of the one Extension; a ConfigMap key with a space makes the API server reject an upgrade. */
const GOOD = { 'data.greeting': 'hi' };
const GOOD_TOO = { 'data.greeting': 'hello' };
const BAD = { 'data.greeting': 'hi', 'data.bad key': 'oops' };

function fleetFiles(charts: string, settings: Record<string, string>): Record<string, string> {
  return {
    'fleet/fleet.yaml': documents(
      clusterScopedTypeYaml({ name: 'config', repository: charts, chart: 'config-values', namespace: 'config-system' }),
      connectedClusterYaml('local-1', { kubeconfigSecret: true }),
      extensionYaml({ name: 'cfg', cluster: 'local-1', type: 'config', settings }),
    ),
  };
}

/**
 * Status is exactly what was computed (DESIGN.md §3), on the real API server: each consequence a
 * merge-patched status had is reproduced here, and the long retry backoff, the requested-at
 * annotation and the fleet metrics are checked against the CRs. The controller's clock can be moved
 * forward, so "an outage days ago" and "an hour later" take no time.
 */
describe('status, retries and metrics against a real API server and helm', () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let store: CrStore;
  let manager: ControllerManager;
  let workDir: string;
  let health: { url: string; close(): Promise<void> };
  let offsetMs = 0;
  const clock: Clock = { now: () => Date.now() + offsetMs, sleep: systemClock.sleep };
  const metrics = createControllerMetrics();

  const push = (settings: Record<string, string>, message: string) => fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, settings), message });
  const cfg = async () => (await store.get<Record<string, unknown>, ExtensionStatus>('Extension', 'local-1.cfg')) as CustomResource<Record<string, unknown>, ExtensionStatus>;
  const condition = (status: ExtensionStatus | undefined, type: string) => status?.conditions.find((c) => c.type === type);

  /** Passes until one changes nothing (no helm action, no status write), at most `max`. */
  const settle = (max?: number): Promise<PassSummary[]> => settleController(manager, max);

  /** Passes until `done` holds (the machine may be slow: a pass can end before a push is fetched). */
  async function passUntil(what: string, done: (status: ExtensionStatus | undefined) => boolean, max = 20): Promise<CustomResource<Record<string, unknown>, ExtensionStatus>> {
    for (let i = 0; i < max; i++) {
      const cr = await cfg();
      if (done(cr?.status)) return cr;
      await manager.runOnce();
    }
    throw new Error(`After ${max} passes, still not ${what}: ${JSON.stringify((await cfg())?.status)}`);
  }
  const stalledOut = (s: ExtensionStatus | undefined) => condition(s, 'Stalled')?.reason === 'RetriesExhausted' && condition(s, 'Stalled')?.status === 'True';
  const readyAt = (head: string) => (s: ExtensionStatus | undefined) => condition(s, 'Ready')?.status === 'True' && s?.lastAppliedRevision === head;

  async function setKubeconfigSecret(present: boolean): Promise<void> {
    const path = `/api/v1/namespaces/${HUB_NAMESPACE}/secrets`;
    if (present) {
      await hub.request({ method: 'POST', path, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'local-1-kubeconfig' }, stringData: { kubeconfig: fleet.clusters[0]!.kubeconfig } } });
    } else {
      await hub.request({ method: 'DELETE', path: `${path}/local-1-kubeconfig` });
    }
  }

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-status-test-'));
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    await seedRepository(fleet.git, 'fleet', join(workDir, 'seed'), fleetFiles(fleet.charts.url, GOOD));
    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet', path: 'fleet', interval: '1ms' }));
    manager = createTestController(fleet, hub, {
      clock,
      metrics,
      fleet: {
        concurrency: 2,
        clusterConcurrency: 2,
        maxUninstallShare: 1,
        contactIntervalMs: 24 * HOUR,
        // One quick retry, then the long backoff of an hour: the test moves the clock past it.
        reconcilePolicy: { helmTimeoutMs: 60_000, lockTimeoutMs: 1_000, pendingTimeoutMs: HOUR, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, exhaustedBaseDelayMs: HOUR, exhaustedMaxDelayMs: HOUR } },
      },
    });
    health = await startHealthServer({ address: '127.0.0.1:0', registry: metrics.registry, ready: () => true });
  });

  afterAll(async () => {
    await health?.close();
    manager?.close();
    hub?.close();
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('forgets pendingSince when the cluster is back, so a later short outage is Pending, not PendingTimeout', async () => {
    await settle();
    expect((await cfg()).status?.provisioningState).toBe('Succeeded');

    // An outage while a change waits: Pending, with pendingSince.
    await setKubeconfigSecret(false);
    await push(GOOD_TOO, 'change during the first outage');
    await settle(3);
    const pending = await cfg();
    expect(pending.status).toMatchObject({ provisioningState: 'Pending', pendingSince: expect.any(String) });

    await setKubeconfigSecret(true);
    const back = await passUntil('back', (s) => s?.provisioningState === 'Succeeded');
    expect(back.status?.provisioningState).toBe('Succeeded');
    expect(back.status).not.toHaveProperty('pendingSince');

    // Two hours later (the pending timeout is one), another outage with a change waiting.
    offsetMs += 2 * HOUR;
    await setKubeconfigSecret(false);
    try {
      await push(GOOD, 'change during the second outage');
      await manager.runOnce();
      const second = await cfg();
      expect(second.status?.provisioningState).toBe('Pending');
      expect(condition(second.status, 'Ready')).toMatchObject({ status: 'False', reason: 'ClusterUnreachable' });
      expect(Date.parse(second.status!.pendingSince!)).toBeGreaterThanOrEqual(clock.now() - 60_000);
    } finally {
      await setKubeconfigSecret(true);
    }
    await settle();
    expect((await cfg()).status?.provisioningState).toBe('Succeeded');
  });

  it('writes no status on the passes after a failure, and none once a fix succeeded', async () => {
    await push(BAD, 'an invalid ConfigMap key');
    await passUntil('stalled', stalledOut);
    await settle(10);
    const stalled = await cfg();
    expect(condition(stalled.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExhausted' });
    expect(stalled.status).toMatchObject({ failures: 1, lastFailureMessage: expect.stringMatching(/bad key/) });
    expect(await manager.runOnce()).toMatchObject({ helmActions: 0, statusWrites: 0 });

    const fix = await push(GOOD_TOO, 'drop the invalid key');
    await passUntil('ready', readyAt(fix));
    await settle();
    const fixed = await cfg();
    expect(condition(fixed.status, 'Ready')?.status).toBe('True');
    for (const field of ['failures', 'lastFailureTime', 'lastFailureMessage', 'lastAttemptedConfigDigest'] as const) expect(fixed.status).not.toHaveProperty(field);
    expect(await manager.runOnce()).toMatchObject({ helmActions: 0, statusWrites: 0 });
  });

  it('tries a configuration again that once failed, instead of showing RetriesExhausted', async () => {
    const before = await readLatestRelease(hub, { namespace: 'config-system', name: 'cfg' });
    const head = await push(BAD, 'the invalid key again');
    const tried = await passUntil('tried', (s) => s?.lastAttemptedRevision === head);
    expect(tried.status?.lastAttemptedRevision).toBe(head);
    expect(condition(tried.status, 'Reconciling')).toMatchObject({ status: 'True', reason: 'UpgradeFailed' });
    expect((await readLatestRelease(hub, { namespace: 'config-system', name: 'cfg' }))!.revision).toBeGreaterThan(before!.revision);
  });

  it('after the retries ran out, tries again on the long backoff and when an operator asks', async () => {
    await passUntil('stalled', stalledOut);
    await settle(10);
    const stalled = await cfg();
    expect(condition(stalled.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExhausted' });
    expect(condition(stalled.status, 'Stalled')?.message).toMatch(/next attempt is at .*clusterext\.io\/requested-at/);
    const revision = async () => (await readLatestRelease(hub, { namespace: 'config-system', name: 'cfg' }))!.revision;
    const stuckAt = await revision();
    expect(await manager.runOnce()).toMatchObject({ helmActions: 0 });

    // An hour later the long backoff is over: the upgrade is tried (and rolled back) again.
    offsetMs += HOUR + 60_000;
    await settle(10);
    expect(await revision()).toBeGreaterThan(stuckAt);
    expect((await cfg()).status?.failures).toBe(2);

    // The operator asks for an attempt now: it runs once, and the handled value is recorded.
    const requestedAt = new Date(clock.now()).toISOString();
    await store.annotate('Extension', 'local-1.cfg', { 'clusterext.io/requested-at': requestedAt });
    const beforeRequest = await revision();
    const pass = await manager.runOnce();
    expect(pass.helmActions).toBeGreaterThan(0);
    expect(await revision()).toBeGreaterThan(beforeRequest);
    await settle(10);
    const handled = await cfg();
    expect(handled.status?.lastHandledReconcileAt).toBe(requestedAt);
    expect(condition(handled.status, 'Stalled')?.reason).toBe('RetriesExhausted');
    const afterHandled = await revision();
    expect(await manager.runOnce()).toMatchObject({ helmActions: 0 });
    expect(await revision()).toBe(afterHandled);

    const good = await push(GOOD, 'fix it for good');
    await passUntil('ready', readyAt(good));
    await settle();
  });

  it('exposes Ready Extensions per cluster and only the applied revision on /metrics', async () => {
    await manager.runOnce();
    const text = await (await fetch(`${health.url}/metrics`)).text();
    const extensions = await store.list<unknown, ExtensionStatus>('Extension');
    const ready = extensions.filter((e) => e.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    expect(ready).toBe(1);
    expect(text).toContain(`clusterext_extensions_ready{cluster="local-1"} ${ready}`);
    expect(text).toContain(`clusterext_extensions{cluster="local-1",state="Succeeded"} 1`);
    const repo = await store.get<unknown, { lastAppliedRevision: string }>('ExtensionRepository', 'fleet');
    const infoLines = text.split('\n').filter((l) => l.startsWith('clusterext_repository_info{'));
    expect(infoLines).toEqual([`clusterext_repository_info{repository="fleet",revision="${repo!.status!.lastAppliedRevision}"} 1`]);
  });
});
