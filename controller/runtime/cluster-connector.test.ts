import { describe, expect, it } from 'vitest';
import type { ConnectedClusterManifest } from '../manifest/fleet.js';
import { createClusterConnector } from './cluster-connector.js';
import type { SecretReader } from './secret-reader.js';

/** A kubeconfig of an API server nobody listens on: facts say unreachable, the client is still built. */
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`;

const secrets: SecretReader = {
  read: async () => ({ kubeconfig: KUBECONFIG }),
  readWithLabels: async () => ({ data: { kubeconfig: KUBECONFIG }, labels: {} }),
};

function cluster(name: string): ConnectedClusterManifest {
  return { apiVersion: 'clusterext.io/v1alpha1', kind: 'ConnectedCluster', metadata: { name }, spec: { kubeconfigSecretRef: { name: `${name}-kubeconfig`, key: 'kubeconfig' } } } as ConnectedClusterManifest;
}

describe('createClusterConnector', () => {
  it('keeps a client per cluster across connects, and closes those no connect asked for within the idle time', async () => {
    const clock = { t: 0 };
    const connector = createClusterConnector({ secrets, now: () => clock.t });
    try {
      const first = await connector.connect(cluster('a'));
      const b = await connector.connect(cluster('b'));
      clock.t += 10_000;
      expect((await connector.connect(cluster('a')))?.client?.kube).toBe(first?.client?.kube);
      expect(connector.closeIdle(20_000)).toBe(0);

      // b left the fleet: nobody connects to it any more.
      clock.t += 15_000;
      await connector.connect(cluster('a'));
      expect(connector.closeIdle(20_000)).toBe(1);
      expect((await connector.connect(cluster('a')))?.client?.kube).toBe(first?.client?.kube);
      // b comes back: a new client.
      const again = await connector.connect(cluster('b'));
      expect(again?.client?.kube).toBeDefined();
      expect(again?.client?.kube).not.toBe(b?.client?.kube);
      clock.t += 30_000;
      expect(connector.closeIdle(20_000)).toBe(2);
    } finally {
      connector.close();
    }
  });
});
