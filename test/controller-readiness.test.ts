import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeRest } from '../controller/cluster/kube-client.js';
import { createKubeClient } from '../controller/cluster/kube-client.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import type { ControllerManager } from '../controller/runtime/controller-manager.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents, extensionYaml } from './support/fleet-yaml.js';
import { setUpHub } from './support/hub-setup.js';
import { seedRepository } from './support/seed-repository.js';
import { settleController } from './support/settle-controller.js';
import { createTestController } from './support/test-controller.js';
import { startTestFleet } from './support/test-fleet.js';

const HOUR = 3_600_000;
const NAMESPACE = 'podinfo';
/** No simulated node has this label, so the scheduler never places the pods. */
const UNSCHEDULABLE = { 'nodeSelector.disktype': 'ssd' };

/**
 * Ready means running, through the whole controller: a commit pushed to the git server is fetched
 * by the controller, which installs the real-world podinfo chart (from the Go module proxy) on a
 * local cluster whose KWOK nodes run its pods. Ready comes only once the Deployment is available; a
 * commit whose settings leave the pods unschedulable times out, is rolled back and stalls naming
 * the Deployment (the in-progress status named it while helm waited); a fixing commit recovers.
 */
describe('the controller from git to a running real-world chart', () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let target: KubeRest;
  let store: CrStore;
  let manager: ControllerManager;
  let workDir: string;

  const files = (settings: Record<string, number | string>, timeout?: string) => ({
    'fleet/fleet.yaml': documents(
      clusterScopedTypeYaml({ name: 'podinfo', repository: fleet.charts.url, chart: 'podinfo', namespace: NAMESPACE }),
      connectedClusterYaml('local-1', { kubeconfigSecret: true }),
      extensionYaml({ name: 'podinfo', cluster: 'local-1', type: 'podinfo', settings, ...(timeout ? { timeout } : {}) }),
    ),
  });
  const push = (settings: Record<string, number | string>, message: string, timeout?: string) => fleet.git.commitAndPush('fleet', { files: files(settings, timeout), message });
  const extension = async () => (await store.get<Record<string, unknown>, ExtensionStatus>('Extension', 'local-1.podinfo'))?.status;
  const condition = (status: ExtensionStatus | undefined, type: string) => status?.conditions.find((c) => c.type === type);
  const deployment = async () =>
    (await target.request<{ spec?: { template?: { spec?: { nodeSelector?: Record<string, string> } } }; status?: { availableReplicas?: number; updatedReplicas?: number } }>({ method: 'GET', path: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/podinfo` })).body;
  const runningPods = async () => {
    const pods = await target.request<{ items: { status?: { phase?: string }; spec?: { nodeName?: string } }[] }>({ method: 'GET', path: `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/name=podinfo')}` });
    return pods.body.items.filter((p) => p.status?.phase === 'Running' && p.spec?.nodeName).length;
  };

  /** Runs one pass while reading the Extension's status every 300 ms; returns the Reconciling messages seen. */
  async function passWatching(): Promise<string[]> {
    const seen: string[] = [];
    let done = false;
    const pass = manager.runOnce().finally(() => (done = true));
    while (!done) {
      const message = condition(await extension(), 'Reconciling')?.message;
      if (message && !seen.includes(message)) seen.push(message);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await pass;
    return seen;
  }

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-readiness-'));
    await seedRepository(fleet.git, 'fleet', join(workDir, 'seed'), files({ replicaCount: 2 }));
    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet', path: 'fleet', interval: '1ms' }));
    target = createKubeClient(fleet.clusters[0]!.kubeconfig);
    manager = createTestController(fleet, hub, {
      fleet: {
        concurrency: 2,
        clusterConcurrency: 2,
        maxUninstallShare: 1,
        contactIntervalMs: 24 * HOUR,
        // One attempt, then the long backoff: a failed upgrade is rolled back and stalls at once.
        reconcilePolicy: { helmTimeoutMs: 120_000, progressIntervalMs: 1_000, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, exhaustedBaseDelayMs: HOUR, exhaustedMaxDelayMs: HOUR } },
      },
    });
  }, 600_000);

  afterAll(async () => {
    manager?.close();
    hub?.close();
    target?.close();
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('installs podinfo from git and is Ready only once KWOK runs its pods and the Deployment is available', async () => {
    const seen = await passWatching();
    await settleController(manager);
    const status = await extension();
    expect(status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '6.9.2', release: { chart: 'podinfo', status: 'deployed' } });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    // Ready was written after helm's wait: by then both pods run on a simulated node.
    expect((await deployment()).status?.availableReplicas).toBe(2);
    expect(await runningPods()).toBe(2);
    // Before that the status said it was installing (the pass started from no status at all).
    expect(seen[0]).toMatch(/^Installing release "podinfo\/podinfo" with chart version 6\.9\.2; waiting up to 2m/);
    expect(await manager.runOnce()).toMatchObject({ helmActions: 0, statusWrites: 0 });
  });

  it('times out an upgrade whose pods cannot be scheduled, names the Deployment while waiting and after, rolls back, and stalls', async () => {
    await push({ replicaCount: 2, ...UNSCHEDULABLE }, 'podinfo: only on ssd nodes (there are none)', '20s');
    const seen = await passWatching();
    const failed = await extension();
    expect(failed?.lastOperation).toMatchObject({ action: 'upgrade', timeout: '20s' });
    expect(seen).toContainEqual(expect.stringMatching(/^Upgrading release "podinfo\/podinfo" to chart version 6\.9\.2; waiting up to 20s .* Not ready: Deployment "podinfo\/podinfo" /));
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'False', reason: 'UpgradeFailed', message: expect.stringContaining('Not ready: Deployment "podinfo/podinfo"') });
    expect(condition(failed, 'Ready')?.message).not.toMatch(/^timed out waiting for the condition/);

    await settleController(manager);
    const stalled = await extension();
    expect(stalled).toMatchObject({ provisioningState: 'Failed', installedVersion: '6.9.2', release: { status: 'deployed', revision: 3 } });
    expect(condition(stalled, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExhausted', message: expect.stringContaining('Deployment "podinfo/podinfo"') });
    // The rollback restored the revision that runs: no nodeSelector, both pods available again.
    const rolledBack = await deployment();
    expect(rolledBack.spec?.template?.spec?.nodeSelector ?? {}).not.toHaveProperty('disktype');
    expect(rolledBack.status?.availableReplicas).toBe(2);
    expect(await manager.runOnce()).toMatchObject({ helmActions: 0, statusWrites: 0 });
  });

  it('recovers on a fixing commit: upgraded, Ready, the new replica count running', async () => {
    const fix = await push({ replicaCount: 3 }, 'podinfo: any node, three replicas');
    await settleController(manager);
    const fixed = await extension();
    expect(fixed).toMatchObject({ provisioningState: 'Succeeded', lastAppliedRevision: fix });
    expect(condition(fixed, 'Ready')).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
    expect(condition(fixed, 'Stalled')?.status).toBe('False');
    expect((await deployment()).status?.availableReplicas).toBe(3);
    expect(await runningPods()).toBe(3);
  });
});
