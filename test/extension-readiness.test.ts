import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { readClusterFacts } from '../controller/cluster/read-cluster-facts.js';
import { readReleaseObjects } from '../controller/cluster/read-release-objects.js';
import { CREATED_FOR_LABEL, createReleaseNamespace } from '../controller/cluster/release-namespace.js';
import { createReleaseStorage } from '../controller/cluster/release-storage.js';
import type { LocalCluster } from '../controller/local/control-planes.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { computeConfigDigest } from '../controller/plan/config-digest.js';
import type { DesiredRelease } from '../controller/plan/desired-release.js';
import { reconcileRelease, type ReconcileReleaseResult } from '../controller/reconcile/reconcile-release.js';
import { systemClock } from '../controller/runtime/clock.js';
import { findCondition } from '../controller/status/condition.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { desiredRelease } from './support/release-fixtures.js';
import { HELM_DRIVERS, startTestHelm, type TestHelm } from './support/helm-drivers.js';
import { startTestFleet } from './support/test-fleet.js';

const RELEASE = 'app';
const CHART = join(import.meta.dirname, 'charts', 'ready-app');

/**
 * Ready means running, against a cluster that runs workloads (kube-controller-manager, scheduler,
 * KWOK nodes) with real helm 4 and the reconciler wired to the real adapters: Ready only once the
 * Deployment is available; a version whose pods fail (KWOK's chaos stage) times out, is rolled
 * back and stalls naming the Deployment; a failing pre-upgrade hook is named; uninstall removes the
 * workloads and the namespace created for the release. The same on both helm drivers (the helm CLI
 * and the long-lived helper), each in its own namespace of one cluster.
 */
describe('Extension readiness on a cluster that runs workloads', () => {
  let fleet: LocalFleet;
  let cluster: LocalCluster;
  let kube: KubeRest;

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    cluster = fleet.clusters[0]!;
    kube = createKubeClient(cluster.kubeconfig);
    const variants: [string, Record<string, boolean>][] = [
      ['1.0.0', {}],
      ['1.1.0', { failPods: true }],
      ['1.2.0', {}],
      ['1.3.0', { failHook: true }],
    ];
    for (const [version, values] of variants) {
      const dir = join(mkdtempSync(join(fleet.dir, 'ready-app-')), 'ready-app');
      cpSync(CHART, dir, { recursive: true });
      writeFileSync(join(dir, 'values.yaml'), `failPods: ${values.failPods ?? false}\nfailHook: ${values.failHook ?? false}\n`);
      await fleet.charts.publish(dir, { version });
    }
  }, 600_000);

  afterAll(async () => {
    kube?.close();
    await fleet?.stop();
  });

  describe.each(HELM_DRIVERS)('with the %s helm driver', (driver) => {
    const NAMESPACE = `ready-${driver}`;
    let testHelm: TestHelm;
    let status: ExtensionStatus | undefined;
    const progress: ExtensionStatus[] = [];

    beforeAll(async () => {
      testHelm = await startTestHelm(driver, fleet);
    }, 600_000);

    afterAll(async () => {
      await testHelm?.close();
    });

    function desired(version: string, timeoutMs = 60_000): DesiredRelease {
      const base = desiredRelease({ chart: { repository: fleet.charts.url, name: 'ready-app' }, version: { kind: 'pinned', version }, releaseName: RELEASE, extension: RELEASE, namespace: NAMESPACE, values: {}, timeoutMs });
      return { ...base, configDigest: computeConfigDigest({ chart: base.chart, version, values: base.values }) };
    }

    async function reconcile(d: DesiredRelease, uninstallRequested = false): Promise<ReconcileReleaseResult> {
      const result = await reconcileRelease(
        {
          desired: d,
          uninstallRequested,
          cluster: await readClusterFacts(kube),
          requirements: { met: true },
          generation: 1,
          sourceRevision: `rev-${d.version.kind === 'unresolved' ? '' : d.version.version}`,
          target: { kubeconfig: cluster.kubeconfig },
          ...(status ? { previousStatus: status } : {}),
          policy: { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 }, progressIntervalMs: 1_000 },
        },
        {
          helm: testHelm.helm,
          storage: createReleaseStorage(kube, { namespace: NAMESPACE, name: RELEASE }),
          clock: { now: () => new Date(), sleep: systemClock.sleep },
          writeStatus: async (s) => {
            progress.push(s);
            status = s;
          },
          releaseObjects: () => readReleaseObjects(kube, { namespace: NAMESPACE, name: RELEASE }),
          namespace: createReleaseNamespace(kube, NAMESPACE, RELEASE),
        },
      );
      if (result.writeStatus) status = result.status;
      return result;
    }

    const get = async <T>(path: string) => kube.request<T>({ method: 'GET', path });
    const deploymentAvailable = async () => (await get<{ status?: { availableReplicas?: number } }>(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${RELEASE}-web`)).body.status?.availableReplicas ?? 0;
    const ready = () => findCondition(status?.conditions ?? [], 'Ready');
    const stalled = () => findCondition(status?.conditions ?? [], 'Stalled');

    it('is Ready only once the Deployment is available and the hook Job has completed, saying Installing before', async () => {
      const installed = await reconcile(desired('1.0.0'));
      expect(installed.action.action).toBe('install');
      expect(progress.at(-1)).toMatchObject({ provisioningState: 'Installing', lastOperation: { action: 'install', timeout: '1m' } });
      expect(findCondition(progress.at(-1)!.conditions, 'Reconciling')).toMatchObject({ status: 'True', message: expect.stringContaining('waiting up to 1m') });
      expect(ready()).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
      // Checked after Ready: helm returned only once the Deployment was available.
      expect(await deploymentAvailable()).toBe(1);
      const hook = await get<{ status?: { succeeded?: number } }>(`/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${RELEASE}-migrate`);
      expect(hook.body.status?.succeeded).toBe(1);
      const ns = await get<{ metadata: { labels?: Record<string, string> } }>(`/api/v1/namespaces/${NAMESPACE}`);
      expect(ns.body.metadata.labels?.[CREATED_FOR_LABEL]).toBe(RELEASE);

      const writes = progress.length;
      const steady = await reconcile(desired('1.0.0'));
      expect(steady).toMatchObject({ result: 'unchanged', writeStatus: false });
      expect(progress.length).toBe(writes);
    });

    it('times out an upgrade whose Deployment never becomes available, rolls back, stalls naming the Deployment, and recovers on a fix', async () => {
      const failed = await reconcile(desired('1.1.0', 15_000));
      expect(failed.action.action).toBe('upgrade');
      expect(progress.at(-1)).toMatchObject({ provisioningState: 'Upgrading', lastOperation: { action: 'upgrade', timeout: '15s' } });
      // The old replica keeps running (maxUnavailable 0) while the new one never becomes available.
      const named = `Not ready: Deployment "${NAMESPACE}/${RELEASE}-web" has 1 old replicas still running while its updated replicas are not all available`;
      // While helm waited, the in-progress status already named the Deployment.
      const waiting = progress.filter((s) => s.provisioningState === 'Upgrading').map((s) => findCondition(s.conditions, 'Reconciling')?.message ?? '');
      expect(waiting).toContainEqual(expect.stringMatching(new RegExp(`^Upgrading release "${NAMESPACE}/${RELEASE}" to chart version 1\\.1\\.0; waiting up to 15s .*Not ready: Deployment "${NAMESPACE}/${RELEASE}-web"`)));
      expect(ready()).toMatchObject({ status: 'False', reason: 'UpgradeFailed', message: expect.stringContaining(named) });

      // The last attempt failed: the rollback restores 1.0.0 and the Extension stalls, naming the Deployment.
      const rolledBack = await reconcile(desired('1.1.0', 15_000));
      expect(rolledBack.action).toMatchObject({ action: 'rollback', toRevision: 1 });
      expect(status).toMatchObject({ installedVersion: '1.0.0', provisioningState: 'Failed', release: { revision: 3, status: 'deployed' } });
      expect(stalled()).toMatchObject({ status: 'True', reason: 'RetriesExhausted', message: expect.stringContaining(named) });
      expect(await deploymentAvailable()).toBe(1);
      expect((await reconcile(desired('1.1.0', 15_000))).result).toBe('unchanged');

      const fixed = await reconcile(desired('1.2.0'));
      expect(fixed.action.action).toBe('upgrade');
      expect(ready()).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
      expect(status).toMatchObject({ installedVersion: '1.2.0', provisioningState: 'Succeeded' });
      expect(await deploymentAvailable()).toBe(1);
    });

    it('fails an upgrade whose pre-upgrade hook fails, naming the hook', async () => {
      const failed = await reconcile(desired('1.3.0', 30_000));
      expect(failed.action.action).toBe('upgrade');
      expect(ready()).toMatchObject({ status: 'False', reason: 'UpgradeFailed', message: expect.stringContaining(`Job "${NAMESPACE}/${RELEASE}-migrate" (pre-install, pre-upgrade hook) failed`) });
    });

    it('uninstalls leaving no workloads behind, and deletes the namespace created for the release', async () => {
      const removed = await reconcile(desired('1.3.0'), true);
      expect(removed.action.action).toBe('uninstall');
      expect(removed.after.kind).toBe('removed');
      expect(progress.at(-1)).toMatchObject({ provisioningState: 'Deleting', lastOperation: { action: 'uninstall' } });
      expect((await get(`/api/v1/namespaces/${NAMESPACE}`)).status).toBe(404);
      const pods = await get<{ items: unknown[] }>(`/api/v1/pods?labelSelector=${encodeURIComponent(`app=${RELEASE}-web`)}`);
      expect(pods.body.items).toEqual([]);
    });
  });
});
