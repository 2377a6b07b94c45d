import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeRest } from '../controller/cluster/kube-client.js';
import { readLatestRelease } from '../controller/cluster/read-latest-release.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { projectRoot } from '../controller/local/project-root.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { systemClock } from '../controller/runtime/clock.js';
import { CrStore } from '../controller/runtime/cr-store.js';
import { installCrds } from '../controller/runtime/install-crds.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { HUB_NAMESPACE, repositorySpec } from './support/hub-setup.js';
import { clusterScopedTypeYaml, connectedClusterYaml, documents, extensionYaml } from './support/fleet-yaml.js';
import { createTestController } from './support/test-controller.js';
import { startTestFleet } from './support/test-fleet.js';

/**
 * Agent mode (DESIGN.md §3): a controller in cluster local-2 reads the same repository as everyone,
 * holds no kubeconfig of any other cluster, and acts on its own cluster only.
 */
describe('controller in agent mode', () => {
  let fleet: LocalFleet;
  let agentHub: KubeRest;
  let other: KubeRest;
  let store: CrStore;
  let work: string;

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 2 });
    work = mkdtempSync(join(tmpdir(), 'clusterext-agent-'));
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    writeFileSync(
      join(work, 'fleet.yaml'),
      documents(
        clusterScopedTypeYaml({ name: 'config', repository: fleet.charts.url, chart: 'config-values', namespace: 'config-system' }),
        connectedClusterYaml('local-1', { kubeconfigSecret: false }),
        connectedClusterYaml('local-2', { kubeconfigSecret: false }),
        extensionYaml({ name: 'cfg', cluster: 'local-1', type: 'config' }),
        extensionYaml({ name: 'cfg', cluster: 'local-2', type: 'config' }),
      ),
    );
    await fleet.git.createRepository('fleet', work);
    const agentCluster = fleet.clusters[1]!;
    agentHub = createKubeClient(agentCluster.kubeconfig);
    other = createKubeClient(fleet.clusters[0]!.kubeconfig);
    store = new CrStore(agentHub, HUB_NAMESPACE);
    await installCrds(agentHub, join(projectRoot(), 'manifests', 'crds'), systemClock);
    await agentHub.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: HUB_NAMESPACE } } });
    await agentHub.request({ method: 'POST', path: `/api/v1/namespaces/${HUB_NAMESPACE}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git-auth' }, stringData: fleet.git.auth } });
    await store.apply('ExtensionRepository', 'fleet', { metadata: {}, spec: repositorySpec(fleet, { repository: 'fleet', path: '.', interval: '1ms' }) });
  });

  afterAll(async () => {
    agentHub?.close();
    other?.close();
    await fleet?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs only its own cluster\'s releases and mirrors only its own Extensions', async () => {
    const manager = createTestController(fleet, agentHub, {
      agent: { clusterName: 'local-2', kubeconfig: fleet.clusters[1]!.kubeconfig },
      fleet: { concurrency: 2, clusterConcurrency: 2, maxUninstallShare: 0.5, contactIntervalMs: 60_000, reconcilePolicy: {} },
    });
    try {
      await manager.runOnce();
      await manager.runOnce();
    } finally {
      manager.close();
    }
    const own = await store.get<unknown, ExtensionStatus>('Extension', 'local-2.cfg');
    expect(own?.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.0.0' });
    expect(await readLatestRelease(agentHub, { namespace: 'config-system', name: 'cfg' })).toMatchObject({ status: 'deployed' });
    expect(await store.get('Extension', 'local-1.cfg')).toBeUndefined();
    expect(await readLatestRelease(other, { namespace: 'config-system', name: 'cfg' })).toBeUndefined();
    const cluster = await store.get<unknown, { reachable: boolean; kubernetesVersion: string }>('ConnectedCluster', 'local-2');
    expect(cluster?.status).toMatchObject({ reachable: true, kubernetesVersion: 'v1.34.4' });
  });
});
