import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { ensureNamespaceIdentity } from '../controller/cluster/ensure-namespace-identity.js';
import { readClusterFacts } from '../controller/cluster/read-cluster-facts.js';
import { createReleaseStorage } from '../controller/cluster/release-storage.js';
import type { LocalCluster } from '../controller/local/control-planes.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { computeConfigDigest } from '../controller/plan/config-digest.js';
import type { DesiredRelease } from '../controller/plan/desired-release.js';
import { applyProtectedSettings } from '../controller/reconcile/apply-protected-settings.js';
import { reconcileRelease, type ReconcileReleaseResult } from '../controller/reconcile/reconcile-release.js';
import { findCondition } from '../controller/status/condition.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { desiredRelease } from './support/release-fixtures.js';
import { HELM_DRIVERS, startTestHelm, type TestHelm } from './support/helm-drivers.js';
import { startTestFleet } from './support/test-fleet.js';

const CANARY = 'canary-e2e-5d1c-never-in-status';
const HMAC_KEY = 'controller-key-for-tests';

/**
 * The per-release core wired to the real adapters, as the controller loop wires it: real
 * kube-apiserver, real helm 4, the sample chart from a real chart repository. The same on both
 * helm drivers (the helm CLI and the long-lived helper), each in its own namespaces of one cluster.
 */
describe('reconcileRelease against a real cluster and helm', () => {
  let fleet: LocalFleet;
  let cluster: LocalCluster;
  let kube: KubeRest;

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    cluster = fleet.clusters[0]!;
    kube = createKubeClient(cluster.kubeconfig);
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.1.0' });
  });

  afterAll(async () => {
    kube?.close();
    await fleet?.stop();
  });

  describe.each(HELM_DRIVERS)('with the %s helm driver', (driver) => {
    let testHelm: TestHelm;
    let helm: TestHelm['helm'];
    const ns = (name: string) => `${name}-${driver}`;

    beforeAll(async () => {
      testHelm = await startTestHelm(driver, fleet);
      helm = testHelm.helm;
    }, 600_000);

    afterAll(async () => {
      await testHelm?.close();
    });

    function desired(version: string, overrides: Partial<DesiredRelease> = {}): DesiredRelease {
      const base = desiredRelease({ chart: { repository: fleet.charts.url, name: 'config-values' }, version: { kind: 'pinned', version }, namespace: ns('monitoring'), protectedSettingsRef: { secretName: 'monitor-secrets' }, ...overrides });
      return { ...base, configDigest: computeConfigDigest({ chart: base.chart, version, values: base.values }) };
    }

    async function reconcile(d: DesiredRelease, secretData: Record<string, string>, previousStatus?: ExtensionStatus, extra: { impersonation?: () => Promise<string> } = {}): Promise<ReconcileReleaseResult> {
      const applied = applyProtectedSettings(d, secretData, HMAC_KEY);
      return reconcileRelease(
        {
          desired: applied.desired,
          cluster: await readClusterFacts(kube),
          requirements: { met: true },
          generation: 1,
          sourceRevision: 'rev-1',
          protectedValues: applied.protectedValues,
          target: { kubeconfig: cluster.kubeconfig },
          ...(previousStatus ? { previousStatus } : {}),
        },
        { helm, storage: createReleaseStorage(kube, { namespace: d.namespace, name: d.releaseName }), clock: { now: () => new Date() }, ...extra },
      );
    }

    it('installs, then runs no helm operation and needs no status write while in sync, and upgrades on a protected change', async () => {
      const installed = await reconcile(desired('1.0.0'), { 'data.token': CANARY });
      expect(installed.action.action).toBe('install');
      expect(installed.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.0.0', release: { revision: 1, status: 'deployed' } });
      const cm = await kube.request<{ data: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${ns('monitoring')}/configmaps/monitor-config` });
      expect(cm.body.data).toMatchObject({ greeting: 'hi', token: CANARY });

      const operations = testHelm.operations;
      const requests = kube.requestCount;
      const steady = await reconcile(desired('1.0.0'), { 'data.token': CANARY }, installed.status);
      expect(steady).toMatchObject({ result: 'unchanged', writeStatus: false, events: [] });
      expect(testHelm.operations).toBe(operations);
      // readClusterFacts (2) + one list of the release's storage Secrets.
      expect(kube.requestCount - requests).toBe(3);

      const rotated = await reconcile(desired('1.0.0'), { 'data.token': `${CANARY}-rotated` }, steady.status);
      expect(rotated.action.action).toBe('upgrade');
      expect(ready(rotated.status)).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
      expect(testHelm.operations).toBe(operations + 1);

      const upgraded = await reconcile(desired('1.1.0'), { 'data.token': `${CANARY}-rotated` }, rotated.status);
      expect(upgraded.status).toMatchObject({ installedVersion: '1.1.0', release: { revision: 3 } });

      for (const r of [installed, steady, rotated, upgraded]) expect(JSON.stringify(r)).not.toContain(CANARY);
    });

    it('leaves a release installed by hand alone', async () => {
      const d = desired('1.0.0', { releaseName: 'by-hand', extension: 'by-hand', namespace: ns('hand') });
      // Installed without clusterext's labels, as a person would.
      await helm.upgradeInstall({ kubeconfig: cluster.kubeconfig, release: 'by-hand', namespace: ns('hand'), createNamespace: true, chart: d.chart, version: '1.0.0', values: {}, labels: {}, timeoutMs: 60_000 });
      const operations = testHelm.operations;
      const result = await reconcile(d, {});
      expect(result.action).toMatchObject({ action: 'none', reason: 'ReleaseNotManaged' });
      expect(findCondition(result.status.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'ReleaseNotManaged' });
      expect(testHelm.operations).toBe(operations);
    });

    it('installs a namespace-scoped instance as the namespace service account and removes it when asked', async () => {
      const d = desired('1.0.0', { scope: 'namespace', namespace: ns('team-x'), releaseName: 'team-app', extension: 'team-app' });
      const impersonation = () => ensureNamespaceIdentity(kube, ns('team-x'), 'clusterext');
      const installed = await reconcile(d, {}, undefined, { impersonation });
      expect(installed.status).toMatchObject({ provisioningState: 'Succeeded', release: { namespace: ns('team-x'), status: 'deployed' } });

      const applied = applyProtectedSettings(d, {}, HMAC_KEY);
      const removed = await reconcileRelease(
        { desired: applied.desired, uninstallRequested: true, cluster: await readClusterFacts(kube), requirements: { met: true }, generation: 2, sourceRevision: 'rev-2', target: { kubeconfig: cluster.kubeconfig }, previousStatus: installed.status },
        { helm, storage: createReleaseStorage(kube, { namespace: ns('team-x'), name: 'team-app' }), clock: { now: () => new Date() }, impersonation },
      );
      expect(removed.action.action).toBe('uninstall');
      expect(removed.after.kind).toBe('removed');
    });
  });
});

const ready = (s: ExtensionStatus) => findCondition(s.conditions, 'Ready');
