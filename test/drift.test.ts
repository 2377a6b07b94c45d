import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import { checkClusterDrift } from '../controller/drift/check-cluster-drift.js';
import type { ClusterDrift, ExtensionDrift } from '../controller/drift/drift-report.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { projectRoot } from '../controller/local/project-root.js';
import type { ExtensionSpec } from '../controller/manifest/fleet.js';
import type { DesiredRelease } from '../controller/plan/desired-release.js';
import type { ControllerManager } from '../controller/runtime/controller-manager.js';
import type { CrStore, CustomResource } from '../controller/runtime/cr-store.js';
import type { Logger } from '../controller/runtime/logger.js';
import { createControllerMetrics } from '../controller/runtime/metrics.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { seedRepository } from './support/seed-repository.js';
import { createTestController } from './support/test-controller.js';
import { startTestFleet } from './support/test-fleet.js';

/** The protected value of the db-client Extension; it must never appear in any drift output. */
const CANARY = 'canary-pw-7d1f93e2';
const CLUSTER = 'local-1';

type Mode = 'enabled' | 'warn' | 'disabled';
interface Modes {
  podinfo: Mode;
  ingress: Mode;
  metrics: Mode;
  db: Mode;
}

/** The fleet: the real-world charts of the sample fleet, set up as it sets them up, and db-client. */
function fleetFiles(charts: string, modes: Modes): Record<string, string> {
  const type = (name: string, chart: string, namespace: string) => `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: {name: ${name}}
spec:
  chart: {repository: "${charts}", name: ${chart}}
  scopes: [cluster]
  defaultReleaseNamespace: ${namespace}
  releaseTrains: {stable: {}}
  timeout: 4m
`;
  const extension = (name: string, extensionType: string, mode: Mode, more = '') => `apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${name}}
spec:
  clusterName: ${CLUSTER}
  extensionType: ${extensionType}
  scope: cluster
  driftDetection: ${mode}
${more}`;
  return {
    'fleet/fleet.yaml': [
      type('podinfo', 'podinfo', 'podinfo'),
      type('metrics-server', 'metrics-server', 'metrics'),
      type('ingress-nginx', 'ingress-nginx', 'ingress'),
      type('db-client', 'db-client', 'db'),
      `apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: {name: ${CLUSTER}}
spec: {kubeconfigSecretRef: {name: ${CLUSTER}-kubeconfig, key: kubeconfig}}
`,
      extension('podinfo', 'podinfo', modes.podinfo),
      // As the sample fleet: no APIService (no real pod would answer behind it).
      extension('metrics-server', 'metrics-server', modes.metrics, '  configurationSettings: {apiService.create: false}\n'),
      extension('ingress', 'ingress-nginx', modes.ingress, '  configurationSettings: {controller.service.type: ClusterIP}\n'),
      extension('db', 'db-client', modes.db, '  configurationProtectedSettingsRef: {secretName: db-settings}\n'),
    ].join('---\n'),
  };
}

/**
 * Drift on a cluster whose controllers run (controller-manager, scheduler, KWOK nodes), with the
 * real-world charts installed by the controller and real helm 4. First the false positives: a
 * minute after the install, when the cluster's controllers have written everything they write,
 * drift is exactly zero. Then hand-made changes: the report names exactly the ones that are drift;
 * `warn` leaves them and says so in status, `enabled` restores them, `disabled` ignores them; a
 * protected value in a drifted Secret appears nowhere.
 */
describe('drift on a running cluster with real-world charts', () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let store: CrStore;
  let cluster: KubeRest;
  let manager: ControllerManager;
  let workDir: string;
  const logs: string[] = [];
  const capture = (level: string) => (fields: Record<string, unknown>, message: string) => void logs.push(`${level} ${message} ${JSON.stringify(fields)}`);
  const logger: Logger = { info: capture('info'), warn: capture('warn'), error: capture('error'), debug: capture('debug'), child: () => logger };
  const metrics = createControllerMetrics();
  let modes: Modes = { podinfo: 'warn', ingress: 'warn', metrics: 'warn', db: 'warn' };

  const extensionCr = async (name: string) => (await store.get<ExtensionSpec, ExtensionStatus>('Extension', `${CLUSTER}.${name}`)) as CustomResource<ExtensionSpec, ExtensionStatus>;
  const drifted = async (name: string) => (await extensionCr(name)).status?.conditions.find((c) => c.type === 'Drifted');
  const setModes = async (next: Partial<Modes>) => {
    modes = { ...modes, ...next };
    return fleet.git.commitAndPush('fleet', { files: fleetFiles(fleet.charts.url, modes), message: `drift detection ${JSON.stringify(next)}` });
  };
  async function passUntil(what: string, done: () => Promise<boolean>, max = 30): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await done()) return;
      await manager.runOnce();
    }
    throw new Error(`After ${max} passes, still not ${what}.`);
  }

  /** What git wants, as the Extensions' status records it (the digest the controller computed). */
  async function desiredReleases(): Promise<DesiredRelease[]> {
    const crs = await store.list<ExtensionSpec, ExtensionStatus>('Extension');
    return crs.map((cr) => {
      const status = cr.status!;
      const name = cr.metadata.name.slice(CLUSTER.length + 1);
      return {
        cluster: CLUSTER,
        extension: name,
        releaseName: status.release!.name,
        namespace: status.release!.namespace,
        scope: 'cluster',
        extensionType: cr.spec.extensionType,
        chart: { repository: fleet.charts.url, name: status.release!.chart! },
        version: { kind: 'pinned', version: status.installedVersion! },
        autoUpgradeMinorVersion: false,
        releaseTrain: 'stable',
        values: {},
        driftDetection: cr.spec.driftDetection,
        origin: { kind: 'explicit' },
        configDigest: status.configDigest!,
      } satisfies DesiredRelease;
    });
  }
  const report = async (protectedValues: string[] = []): Promise<ClusterDrift> => checkClusterDrift({ cluster: CLUSTER, kube: cluster, desired: await desiredReleases(), protectedValues });
  const cell = (r: ClusterDrift, extension: string) => r.extensions.find((e) => e.extension === extension) as ExtensionDrift;
  const paths = (r: ClusterDrift) =>
    r.extensions.flatMap((e) => e.objects.map((o) => `${e.extension} ${o.kind} ${o.namespace}/${o.name} ${o.state}${o.fields.map((f) => ` ${f.path}`).join('')}`)).sort();

  const get = async <T>(path: string) => (await cluster.request<T>({ method: 'GET', path })).body;
  const patch = async (path: string, body: unknown) => {
    const res = await cluster.request({ method: 'PATCH', path: `${path}?fieldManager=by-hand`, body, contentType: 'application/merge-patch+json' });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  };
  const podinfoImage = async () => (await get<{ spec: { template: { spec: { containers: { image: string }[] } } } }>('/apis/apps/v1/namespaces/podinfo/deployments/podinfo')).spec.template.spec.containers[0]!.image;
  const ingressConfig = async () => (await get<{ data: Record<string, string> }>('/api/v1/namespaces/ingress/configmaps/ingress-ingress-nginx-controller')).data;
  const serviceStatus = async (namespace: string, name: string) => (await cluster.request({ method: 'GET', path: `/api/v1/namespaces/${namespace}/services/${name}` })).status;
  const hubEvents = async () => JSON.stringify((await hub.request({ method: 'GET', path: `/api/v1/namespaces/${HUB_NAMESPACE}/events` })).body);

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-drift-test-'));
    await fleet.charts.publish(join(projectRoot(), 'test', 'charts', 'db-client'), { version: '1.0.0' });
    await seedRepository(fleet.git, 'fleet', join(workDir, 'seed'), fleetFiles(fleet.charts.url, modes));
    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet', path: 'fleet', interval: '1ms', protectedSettings: { 'db-settings': { 'db.password': CANARY } } }));
    cluster = createKubeClient(fleet.clusters[0]!.kubeconfig);
    manager = createTestController(fleet, hub, {
      logger,
      metrics,
      // Every pass checks drift (the interval is 1 ms): the test decides when passes run.
      fleet: { concurrency: 4, clusterConcurrency: 4, maxUninstallShare: 1, contactIntervalMs: 3_600_000, driftIntervalMs: 1, reconcilePolicy: { helmTimeoutMs: 240_000 } },
    });
  }, 600_000);

  afterAll(async () => {
    manager?.close();
    cluster?.close();
    hub?.close();
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('finds exactly zero drift a minute after installing podinfo, metrics-server and ingress-nginx', async () => {
    const names = ['podinfo', 'metrics-server', 'ingress', 'db'];
    await passUntil('all Ready', async () => {
      const crs = await Promise.all(names.map(extensionCr));
      return crs.every((cr) => cr?.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
    });
    // The cluster's controllers (deployments, replicasets, endpoints, service accounts, KWOK) do their work.
    await sleep(60_000);
    await manager.runOnce();
    const r = await report();
    expect(paths(r)).toEqual([]);
    expect(r.extensions.map((e) => [e.extension, e.state])).toEqual([
      ['db', 'in-sync'],
      ['ingress', 'in-sync'],
      ['metrics-server', 'in-sync'],
      ['podinfo', 'in-sync'],
    ]);
    expect(cell(r, 'ingress').checkedObjects).toBeGreaterThan(8);
    for (const name of names) expect(await drifted(name)).toBeUndefined();
    // A clean check writes no status.
    expect(await manager.runOnce()).toMatchObject({ helmActions: 0, statusWrites: 0 });
    expect(await metrics.registry.getSingleMetricAsString('clusterext_drift_checks_total')).toMatch(/result="in-sync"} [1-9]/);
  }, 900_000);

  it('reports exactly a changed image, a changed ConfigMap value and a deleted Service; not an HPA scaling its target nor an injected caBundle', async () => {
    const image = await cluster.request({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/podinfo/deployments/podinfo?fieldManager=by-hand',
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'ghcr.io/stefanprodan/podinfo:9.9.9' }],
      contentType: 'application/json-patch+json',
    });
    expect(image.status).toBeLessThan(300);
    await patch('/api/v1/namespaces/ingress/configmaps/ingress-ingress-nginx-controller', { data: { 'allow-snippet-annotations': 'true' } });
    expect((await cluster.request({ method: 'DELETE', path: '/api/v1/namespaces/podinfo/services/podinfo' })).status).toBeLessThan(300);
    // An operator puts an HPA on metrics-server, which scales it (here: by hand, through the scale subresource).
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'metrics-server' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'metrics-server' }, minReplicas: 1, maxReplicas: 5 } };
    expect((await cluster.request({ method: 'POST', path: '/apis/autoscaling/v2/namespaces/metrics/horizontalpodautoscalers', body: hpa })).status).toBeLessThan(300);
    await patch('/apis/apps/v1/namespaces/metrics/deployments/metrics-server/scale', { spec: { replicas: 3 } });
    // A certificate manager injects the webhook's CA, as cert-manager's cainjector does.
    const webhook = await get<{ webhooks: { name: string }[] }>('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/ingress-ingress-nginx-admission');
    const caBundle = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
    const injected = await cluster.request({
      method: 'PATCH',
      path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/ingress-ingress-nginx-admission?fieldManager=cainjector',
      body: { webhooks: webhook.webhooks.map((w) => ({ ...w, clientConfig: { ...(w as { clientConfig?: object }).clientConfig, caBundle } })) },
      contentType: 'application/merge-patch+json',
    });
    expect(injected.status).toBeLessThan(300);

    const r = await report();
    expect(paths(r)).toEqual([
      'ingress ConfigMap ingress/ingress-ingress-nginx-controller changed /data/allow-snippet-annotations',
      'podinfo Deployment podinfo/podinfo changed /spec/template/spec/containers/0/image',
      'podinfo Service podinfo/podinfo missing',
    ]);
    expect(cell(r, 'podinfo').objects[0]!.fields).toEqual([{ path: '/spec/template/spec/containers/0/image', desired: 'ghcr.io/stefanprodan/podinfo:6.9.2', live: 'ghcr.io/stefanprodan/podinfo:9.9.9' }]);
    expect(cell(r, 'ingress').objects[0]!.fields).toEqual([{ path: '/data/allow-snippet-annotations', desired: 'false', live: 'true' }]);
    expect(r.extensions.map((e) => [e.extension, e.state])).toEqual([
      ['db', 'in-sync'],
      ['ingress', 'drifted'],
      ['metrics-server', 'in-sync'],
      ['podinfo', 'drifted'],
    ]);
  }, 300_000);

  it('warn: leaves the drift in place and sets Drifted with counts and paths, and an event', async () => {
    await manager.runOnce();
    expect(await drifted('podinfo')).toMatchObject({
      status: 'True',
      reason: 'DriftDetected',
      message: 'The cluster has drifted from git: 1 object changed, 1 object missing: Deployment "podinfo/podinfo" /spec/template/spec/containers/0/image; Service "podinfo/podinfo" is missing.',
    });
    expect(await drifted('ingress')).toMatchObject({ status: 'True', message: expect.stringContaining('ConfigMap "ingress/ingress-ingress-nginx-controller" /data/allow-snippet-annotations') });
    expect(await drifted('metrics-server')).toBeUndefined();
    expect((await extensionCr('podinfo')).status?.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(await hubEvents()).toContain('Deployment \\"podinfo/podinfo\\" /spec/template/spec/containers/0/image');
    // Nothing was corrected.
    expect(await podinfoImage()).toBe('ghcr.io/stefanprodan/podinfo:9.9.9');
    expect((await ingressConfig())['allow-snippet-annotations']).toBe('true');
    expect(await serviceStatus('podinfo', 'podinfo')).toBe(404);
    // The same drift found again writes nothing.
    expect(await manager.runOnce()).toMatchObject({ helmActions: 0, statusWrites: 0 });
  }, 300_000);

  it('enabled: restores exactly the drifted objects without a new helm revision, and records the correction', async () => {
    const revisionBefore = (await readLatestRelease(cluster, { namespace: 'podinfo', name: 'podinfo' }))?.revision;
    await setModes({ podinfo: 'enabled', ingress: 'enabled' });
    await passUntil('corrected', async () => (await drifted('podinfo'))?.reason === 'DriftCorrected' && (await drifted('ingress'))?.reason === 'DriftCorrected');
    expect(await podinfoImage()).toBe('ghcr.io/stefanprodan/podinfo:6.9.2');
    expect((await ingressConfig())['allow-snippet-annotations']).toBe('false');
    expect(await serviceStatus('podinfo', 'podinfo')).toBe(200);
    expect(await drifted('podinfo')).toMatchObject({ status: 'False', message: expect.stringContaining('Service "podinfo/podinfo" is missing') });
    expect((await readLatestRelease(cluster, { namespace: 'podinfo', name: 'podinfo' }))?.revision).toBe(revisionBefore);
    expect(await hubEvents()).toContain('DriftCorrected');
    // The HPA's replicas were left alone.
    expect((await get<{ spec: { replicas: number } }>('/apis/apps/v1/namespaces/metrics/deployments/metrics-server')).spec.replicas).toBe(3);
    expect(paths(await report())).toEqual([]);
  }, 600_000);

  it('disabled: ignores drift, and removes an earlier Drifted condition', async () => {
    expect(await drifted('podinfo')).toMatchObject({ reason: 'DriftCorrected' });
    await setModes({ metrics: 'disabled', podinfo: 'disabled' });
    await passUntil('mirrored', async () => (await extensionCr('metrics-server')).spec.driftDetection === 'disabled' && (await extensionCr('podinfo')).spec.driftDetection === 'disabled');
    expect((await cluster.request({ method: 'DELETE', path: '/api/v1/namespaces/metrics/services/metrics-server' })).status).toBeLessThan(300);
    await manager.runOnce();
    await manager.runOnce();
    expect(await serviceStatus('metrics', 'metrics-server')).toBe(404);
    expect(await drifted('metrics-server')).toBeUndefined();
    // Status says what is computed now: no drift checks run, so no Drifted condition is left from before.
    expect(await drifted('podinfo')).toBeUndefined();
    // The report still sees it: disabled is the controller's choice, not the check's.
    expect(paths(await report())).toEqual(['metrics-server Service metrics/metrics-server missing']);
  }, 300_000);

  it('never shows the protected value of a drifted Secret in status, events, logs or the report', async () => {
    await patch('/api/v1/namespaces/db/secrets/db-db', { stringData: { password: `${CANARY}-changed` } });
    await patch('/api/v1/namespaces/db/configmaps/db-db', { data: { url: `postgres://app:${CANARY}@elsewhere/app` } });
    await manager.runOnce();
    expect(await drifted('db')).toMatchObject({ status: 'True', message: expect.stringContaining('Secret "db/db-db" /data/password') });
    const r = await report([CANARY]);
    expect(cell(r, 'db').objects.flatMap((o) => o.fields)).toEqual([
      { path: '/data/url', desired: '[MASKED]', live: '[MASKED]', masked: true },
      { path: '/data/password', desired: '[MASKED]', live: '[MASKED]', masked: true },
    ]);
    // Secret data is masked even when the caller knows no protected value.
    expect(JSON.stringify(cell(await report(), 'db').objects.find((o) => o.kind === 'Secret'))).not.toContain(Buffer.from(CANARY).toString('base64'));
    const encoded = Buffer.from(CANARY).toString('base64');
    for (const [where, text] of [
      ['report', JSON.stringify(r)],
      ['status', JSON.stringify(await extensionCr('db'))],
      ['events', await hubEvents()],
      ['logs', logs.join('\n')],
    ] as const) {
      expect(text, where).not.toContain(CANARY);
      expect(text, where).not.toContain(encoded.slice(0, 16));
    }
  }, 300_000);
});
