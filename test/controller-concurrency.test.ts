import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeRest } from '../controller/cluster/kube-client.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import type { HelmPort } from '../controller/reconcile/release-ports.js';
import { systemClock } from '../controller/runtime/clock.js';
import { ControllerManager } from '../controller/runtime/controller-manager.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import { DEFAULT_FLEET_CONCURRENCY } from '../controller/runtime/fleet-sync.js';
import type { Logger } from '../controller/runtime/logger.js';
import { createHttpChartIndexReader } from '../controller/source/chart-index.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents, extensionYaml } from './support/fleet-yaml.js';
import { startTestHelm, type TestHelm } from './support/helm-drivers.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { startTestFleet } from './support/test-fleet.js';

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => silent };
const CLUSTERS = ['local-1', 'local-2'];
const TYPES = ['web-1', 'web-2', 'web-3', 'web-4', 'web-5'];

/**
 * Commit → Ready (issue 12): one commit that changes 10 Extensions of the real podinfo chart on 2
 * clusters, helm waiting for each rollout, is rolled out in one wave at the controller's default
 * concurrency — every waited install and upgrade starts before the first of them returns — not in
 * waves that each add a whole rollout (4 per cluster and 8 in all made it two).
 */
describe("one commit to 10 Extensions on 2 clusters, at the controller's default concurrency", () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let store: CrStore;
  let manager: ControllerManager;
  let helm: TestHelm;
  let workDir: string;
  /** When each helm operation of the current pass started and returned (ms since the epoch). */
  let operations: { started: number; returned?: number }[] = [];

  const fleetYaml = (message: string) =>
    documents(
      ...TYPES.map((name) => clusterScopedTypeYaml({ name, repository: fleet.charts.url, chart: 'podinfo', namespace: name })),
      ...CLUSTERS.map((c) => connectedClusterYaml(c, { kubeconfigSecret: true })),
      ...CLUSTERS.flatMap((cluster) => TYPES.map((name) => extensionYaml({ name, cluster, type: name, settings: { 'ui.message': message } }))),
    );

  /** Wraps the helm port to time every operation; the operation itself is the real helper's. */
  function timed(inner: HelmPort): HelmPort {
    const time =
      <R>(call: (req: R) => Promise<void>) =>
      async (req: R) => {
        const op: { started: number; returned?: number } = { started: Date.now() };
        operations.push(op);
        try {
          await call(req);
        } finally {
          op.returned = Date.now();
        }
      };
    return { upgradeInstall: time((r) => inner.upgradeInstall(r)), rollback: time((r) => inner.rollback(r)), uninstall: time((r) => inner.uninstall(r)) };
  }

  async function readyAt(revision: string): Promise<number> {
    const items = await store.list<unknown, ExtensionStatus>('Extension');
    return items.filter((e) => e.status?.lastAppliedRevision === revision && e.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  }

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: CLUSTERS.length });
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-concurrency-'));
    const seed = join(workDir, 'seed');
    mkdirSync(seed, { recursive: true });
    writeFileSync(join(seed, 'fleet.yaml'), fleetYaml('first'));
    await fleet.git.createRepository('fleet', seed);
    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet', path: '.', interval: '1ms' }));
    helm = await startTestHelm('helper', fleet);
    manager = new ControllerManager({
      hub,
      namespace: HUB_NAMESPACE,
      cacheDir: join(workDir, 'cache'),
      helm: timed(helm.helm),
      chartIndex: createHttpChartIndexReader(),
      clock: systemClock,
      logger: silent,
      // The `controller` command's concurrency; helm waits for the rollouts (the default policy).
      fleet: { ...DEFAULT_FLEET_CONCURRENCY, maxUninstallShare: 0.5, contactIntervalMs: 3_600_000, reconcilePolicy: { helmTimeoutMs: 120_000 } },
      chartIndexTtlMs: 60_000,
      resyncIntervalMs: 1000,
    });
  }, 600_000);

  afterAll(async () => {
    manager?.close();
    await helm?.close();
    hub?.close();
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('installs all 10 together: every waited install starts before the first one returns', async () => {
    operations = [];
    await manager.runOnce();
    expect(operations).toHaveLength(10);
    const firstReturn = Math.min(...operations.map((o) => o.returned!));
    expect(operations.filter((o) => o.started >= firstReturn)).toEqual([]);
  }, 300_000);

  it('upgrades all 10 together on a commit that changes a setting of each, and every one is Ready at that commit', async () => {
    const commit = await fleet.git.commitAndPush('fleet', { files: { 'fleet.yaml': fleetYaml('second') }, message: 'change the message everywhere' });
    operations = [];
    await manager.runOnce();
    expect(operations).toHaveLength(10);
    const firstReturn = Math.min(...operations.map((o) => o.returned!));
    expect(operations.filter((o) => o.started >= firstReturn)).toEqual([]);
    expect(await readyAt(commit)).toBe(10);
  }, 300_000);
});
