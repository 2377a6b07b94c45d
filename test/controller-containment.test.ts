import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import type { ControllerManager, PassSummary } from '../controller/runtime/controller-manager.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import type { ExtensionRepositoryStatus } from '../controller/runtime/repository-status.js';
import { createHttpChartIndexReader } from '../controller/source/chart-index.js';
import type { Condition } from '../controller/status/condition.js';
import { repositorySpec, setUpHub } from './support/hub-setup.js';
import { seedRepository } from './support/seed-repository.js';
import { settleController } from './support/settle-controller.js';
import { createTestController } from './support/test-controller.js';
import { startTestFleet } from './support/test-fleet.js';

/** One repository's files: a type, a cluster (the one local cluster) and an Extension, all prefixed. */
function repositoryFiles(prefix: 'a' | 'b', options: { charts: string; greeting: string; extraSettings?: string }): Record<string, string> {
  return {
    'fleet/fleet.yaml': `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: {name: ${prefix}-config}
spec:
  chart: {repository: "${options.charts}", name: config-values}
  scopes: [cluster]
  defaultReleaseNamespace: ${prefix}-system
  releaseTrains: {stable: {}}
---
apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: {name: ${prefix}-local}
spec: {kubeconfigSecretRef: {name: local-1-kubeconfig, key: kubeconfig}}
---
apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: ${prefix}-cfg}
spec:
  clusterName: ${prefix}-local
  extensionType: ${prefix}-config
  scope: cluster
  configurationSettings:
    data.greeting: "${options.greeting}"
${options.extraSettings ?? ''}`,
  };
}

/**
 * Chart repositories that misbehave: `/stalls` sends headers and a little of the index, then
 * nothing; `/endless` sends index bytes without end.
 */
async function startHostileChartServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/stalls/index.yaml') {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      res.write('apiVersion: v1\nentries:\n');
      return;
    }
    if (req.url === '/endless/index.yaml') {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      res.write('apiVersion: v1\nentries:\n');
      const chunk = Buffer.alloc(64 * 1024, '# the index goes on\n');
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * Two ExtensionRepositories on one controller (DESIGN.md §3, "one repository's trouble stays in
 * that repository"): repository A fails in one hostile way after another, and every time a commit
 * to repository B is applied and Ready, while A keeps its last good revision and its release.
 * Real apiserver, helm, git server and chart repository; A's bad chart repositories are real HTTP
 * servers on loopback. Repository A's CR is "a-fleet", listed (and synced) before B's "fleet".
 */
describe('one failing repository does not stop another on the same controller', () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let cluster: KubeRest;
  let store: CrStore;
  let manager: ControllerManager;
  let workDir: string;
  let hostile: { url: string; server: Server };
  let firstA: string;

  /** Passes until one changes nothing (no helm action, no status write), at most `max`. */
  const settle = (max?: number): Promise<PassSummary[]> => settleController(manager, max);

  async function repositoryStatus(name: string): Promise<ExtensionRepositoryStatus | undefined> {
    return (await store.get<unknown, ExtensionRepositoryStatus>('ExtensionRepository', name))?.status;
  }

  async function conditionOf(kind: 'ExtensionRepository' | 'ExtensionType' | 'Extension', name: string, type: string): Promise<Condition | undefined> {
    const cr = await store.get<unknown, { conditions?: Condition[] }>(kind, name);
    return cr?.status?.conditions?.find((c) => c.type === type);
  }

  async function greeting(prefix: 'a' | 'b'): Promise<string | undefined> {
    const res = await cluster.request<{ data: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${prefix}-system/configmaps/${prefix}-cfg-config` });
    return res.status === 200 ? res.body.data.greeting : undefined;
  }

  /** A's last good revision is in force and its release is still there, untouched. */
  async function expectAKeptInForce(): Promise<void> {
    expect((await repositoryStatus('a-fleet'))?.lastAppliedRevision).toBe(firstA);
    expect(await readLatestRelease(cluster, { namespace: 'a-system', name: 'a-cfg' })).toMatchObject({ status: 'deployed', revision: 1 });
    expect(await greeting('a')).toBe('from a');
  }

  /** B's new head is applied: the revision in status, the repository and its Extension Ready, the value on the cluster. */
  async function expectBApplied(value: string): Promise<void> {
    const head = await fleet.git.headOf('fleet-b');
    expect((await repositoryStatus('fleet'))?.lastAppliedRevision).toBe(head);
    expect(await conditionOf('ExtensionRepository', 'fleet', 'Ready')).toMatchObject({ status: 'True' });
    expect(await conditionOf('Extension', 'b-local.b-cfg', 'Ready')).toMatchObject({ status: 'True' });
    expect(await greeting('b')).toBe(value);
  }

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
    hostile = await startHostileChartServer();
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-contain-test-'));
    cluster = createKubeClient(fleet.clusters[0]!.kubeconfig);
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    for (const prefix of ['a', 'b'] as const) {
      await seedRepository(fleet.git, `fleet-${prefix}`, join(workDir, `seed-${prefix}`), repositoryFiles(prefix, { charts: fleet.charts.url, greeting: `from ${prefix}` }));
    }
    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet-b', path: 'fleet', interval: '1ms' }));
    await store.apply('ExtensionRepository', 'a-fleet', { metadata: {}, spec: repositorySpec(fleet, { repository: 'fleet-a', path: 'fleet', interval: '1ms' }) });
    manager = createTestController(fleet, hub, {
      // Small bounds, so that each hostile index costs a pass seconds, not the defaults' minute.
      chartIndex: createHttpChartIndexReader({ maxBytes: 1024 * 1024, headersTimeoutMs: 2_000, timeoutMs: 3_000 }),
      fleet: { concurrency: 4, clusterConcurrency: 2, maxUninstallShare: 0.5, contactIntervalMs: 60_000, reconcilePolicy: { helmTimeoutMs: 60_000, lockTimeoutMs: 1_000, retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 } } },
    });
  }, 600_000);

  afterAll(async () => {
    manager?.close();
    hub?.close();
    cluster?.close();
    hostile?.server.closeAllConnections();
    await new Promise<void>((ok) => (hostile ? hostile.server.close(() => ok()) : ok()));
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('applies both repositories to start with', async () => {
    await settle();
    firstA = await fleet.git.headOf('fleet-a');
    expect((await repositoryStatus('a-fleet'))?.lastAppliedRevision).toBe(firstA);
    expect(await greeting('a')).toBe('from a');
    await expectBApplied('from b');
  });

  it('rejects a settings key with thousands of dotted segments in A with a located diagnostic, and applies B', async () => {
    const deep = Array.from({ length: 5000 }, (_, i) => `s${i}`).join('.');
    const bad = await fleet.git.commitAndPush('fleet-a', { files: repositoryFiles('a', { charts: fleet.charts.url, greeting: 'deep', extraSettings: `    ${deep}: 1\n` }), message: 'a very deep key' });
    await fleet.git.commitAndPush('fleet-b', { files: repositoryFiles('b', { charts: fleet.charts.url, greeting: 'b after the deep key' }), message: 'b moves on' });
    await settle();

    const status = await repositoryStatus('a-fleet');
    expect(status?.lastFetchedRevision).toBe(bad);
    expect(status?.diagnostics?.map((d) => [d.code, d.file, d.line])).toEqual([['SettingTooDeep', 'fleet.yaml', 24]]);
    expect(await conditionOf('ExtensionRepository', 'a-fleet', 'Stalled')).toMatchObject({ status: 'True', reason: 'ValidationFailed' });
    expect((await conditionOf('ExtensionRepository', 'a-fleet', 'Ready'))?.message).toContain('nests 5000 levels deep, more than the limit of 32');
    await expectAKeptInForce();
    await expectBApplied('b after the deep key');
  });

  it('rejects values JSON cannot carry in A (1e400, an integer beyond 2^53, a custom tag) with located diagnostics, uninstalls nothing, and applies B', async () => {
    const extraSettings = '    huge: 1e400\n    id: 9007199254740993\n    password: !vault secret/data/db\n';
    const bad = await fleet.git.commitAndPush('fleet-a', { files: repositoryFiles('a', { charts: fleet.charts.url, greeting: 'unrepresentable', extraSettings }), message: 'values JSON cannot carry' });
    await fleet.git.commitAndPush('fleet-b', { files: repositoryFiles('b', { charts: fleet.charts.url, greeting: 'b after the bad values' }), message: 'b moves on' });
    await settle();

    const status = await repositoryStatus('a-fleet');
    expect(status?.lastFetchedRevision).toBe(bad);
    expect(status?.diagnostics?.map((d) => [d.code, d.file, d.line, d.pointer])).toEqual([
      ['UnrepresentableNumber', 'fleet.yaml', 24, '/spec/configurationSettings/huge'],
      ['UnrepresentableNumber', 'fleet.yaml', 25, '/spec/configurationSettings/id'],
      ['UnsupportedTag', 'fleet.yaml', 26, ''],
    ]);
    expect(await conditionOf('ExtensionRepository', 'a-fleet', 'Stalled')).toMatchObject({ status: 'True', reason: 'ValidationFailed' });
    expect((await conditionOf('ExtensionRepository', 'a-fleet', 'Ready'))?.message).toContain(`Revision ${bad.slice(0, 12)} is invalid (3 error(s)) and was not applied; revision ${firstA.slice(0, 12)} stays in force. First: fleet.yaml:24:11 UnrepresentableNumber: The number 1e400`);
    await expectAKeptInForce();
    const extension = await store.get<unknown, { lastAppliedRevision?: string }>('Extension', 'a-local.a-cfg');
    expect(extension?.metadata.deletionTimestamp).toBeUndefined();
    expect(extension?.status?.lastAppliedRevision).toBe(firstA);
    await expectBApplied('b after the bad values');
  });

  it('bounds a chart index of A that stalls: A\'s type says why, its release stays, and B is applied', async () => {
    await fleet.git.commitAndPush('fleet-a', { files: repositoryFiles('a', { charts: `${hostile.url}/stalls`, greeting: 'from a' }), message: 'a chart repository that stalls' });
    await fleet.git.commitAndPush('fleet-b', { files: repositoryFiles('b', { charts: fleet.charts.url, greeting: 'b after the stall' }), message: 'b moves on' });
    await settle();

    const why = `The chart index "${hostile.url}/stalls/index.yaml" was not read completely within 3 s`;
    expect(await conditionOf('ExtensionType', 'a-config', 'Ready')).toMatchObject({ status: 'False', reason: 'VersionsUnavailable' });
    expect((await conditionOf('ExtensionType', 'a-config', 'Ready'))?.message).toContain(why);
    expect((await conditionOf('Extension', 'a-local.a-cfg', 'Ready'))?.message).toContain(why);
    expect(await readLatestRelease(cluster, { namespace: 'a-system', name: 'a-cfg' })).toMatchObject({ status: 'deployed', revision: 1 });
    expect(await greeting('a')).toBe('from a');
    await expectBApplied('b after the stall');
  });

  it('bounds a chart index of A that never ends: A\'s type says why, its release stays, and B is applied', async () => {
    await fleet.git.commitAndPush('fleet-a', { files: repositoryFiles('a', { charts: `${hostile.url}/endless`, greeting: 'from a' }), message: 'a chart repository without end' });
    await fleet.git.commitAndPush('fleet-b', { files: repositoryFiles('b', { charts: fleet.charts.url, greeting: 'b after the flood' }), message: 'b moves on' });
    const rssBefore = process.memoryUsage().rss;
    await settle();

    const why = `The chart index "${hostile.url}/endless/index.yaml" sent more than 1048576 bytes, more than the limit of 1048576 bytes`;
    expect((await conditionOf('ExtensionType', 'a-config', 'Ready'))?.message).toContain(why);
    expect((await conditionOf('Extension', 'a-local.a-cfg', 'Ready'))?.message).toContain(why);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
    expect(await readLatestRelease(cluster, { namespace: 'a-system', name: 'a-cfg' })).toMatchObject({ status: 'deployed', revision: 1 });
    await expectBApplied('b after the flood');
  });
});
