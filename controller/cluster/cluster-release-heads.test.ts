import { describe, expect, it } from 'vitest';
import type { KubeRest, KubeRestRequest } from '../runtime/kube-rest.js';
import { listClusterReleaseHeads, readLatestFromHeads, ReleaseRecordCache } from './cluster-release-heads.js';
import { readLatestRelease } from './read-latest-release.js';
import { createReleaseStorage } from './release-storage.js';
import { encodeReleaseData, type HelmSecret } from './release-record.js';

function secret(release: string, revision: number, status: string, resourceVersion: string): HelmSecret {
  return {
    metadata: { name: `sh.helm.release.v1.${release}.v${revision}`, namespace: 'ns', resourceVersion, labels: { owner: 'helm', name: release, status, version: String(revision), 'clusterext.io/config-digest': `d${revision}` } },
    type: 'helm.sh/release.v1',
    data: {
      release: encodeReleaseData({
        name: release, namespace: 'ns', version: revision,
        info: { status, last_deployed: '2025-01-01T00:00:00Z' },
        chart: { metadata: { name: 'c', version: `1.0.${revision}` } },
        config: { db: { password: 'pw' } },
        manifest: 'kind: ConfigMap',
      }),
    },
  };
}

/** A cluster's Secrets in memory: answers the metadata list, a GET by name and a per-release list; records every request. */
function fakeCluster(secrets: HelmSecret[], listStatus = 200): KubeRest & { requests: KubeRestRequest[]; secrets: HelmSecret[] } {
  const requests: KubeRestRequest[] = [];
  const world = { secrets };
  return {
    requests,
    get secrets() {
      return world.secrets;
    },
    set secrets(s: HelmSecret[]) {
      world.secrets = s;
    },
    server: 'https://fake',
    requestCount: 0,
    close: () => undefined,
    request: async <T>(req: KubeRestRequest) => {
      requests.push(req);
      if (req.path.startsWith('/api/v1/secrets?')) {
        if (listStatus !== 200) return { status: listStatus, body: { message: 'forbidden' } as T };
        return { status: 200, body: { items: world.secrets.map((s) => ({ metadata: s.metadata })) } as T };
      }
      const byName = /\/secrets\/([^/?]+)$/.exec(req.path);
      if (byName) {
        const found = world.secrets.find((s) => s.metadata.name === decodeURIComponent(byName[1]!));
        return found ? { status: 200, body: found as T } : { status: 404, body: {} as T };
      }
      const name = /name%3D([^&]+)/.exec(req.path)?.[1];
      return { status: 200, body: { items: world.secrets.filter((s) => s.metadata.labels?.name === name) } as T };
    },
  };
}

describe('listClusterReleaseHeads', () => {
  it('reads every release of the cluster from one metadata-only list, revisions newest first', async () => {
    const kube = fakeCluster([secret('a', 9, 'superseded', '1'), secret('a', 10, 'deployed', '2'), secret('b', 1, 'failed', '3')]);
    const heads = await listClusterReleaseHeads(kube, 0);
    expect(kube.requests).toHaveLength(1);
    expect(kube.requests[0]!.accept).toContain('as=PartialObjectMetadataList');
    expect(heads!.revisionsOf({ namespace: 'ns', name: 'a' }).map((r) => [r.revision, r.status])).toEqual([[10, 'deployed'], [9, 'superseded']]);
    expect(heads!.revisionsOf({ namespace: 'ns', name: 'b' }).map((r) => r.revision)).toEqual([1]);
    expect(heads!.revisionsOf({ namespace: 'other', name: 'a' })).toEqual([]);
  });

  it('is undefined when the cluster-wide list is forbidden, so releases are read one by one', async () => {
    expect(await listClusterReleaseHeads(fakeCluster([secret('a', 1, 'deployed', '1')], 403), 0)).toBeUndefined();
  });
});

describe('readLatestFromHeads', () => {
  it('observes exactly what a per-release read observes', async () => {
    const secrets = [secret('a', 9, 'superseded', '1'), secret('a', 11, 'failed', '3'), secret('a', 10, 'failed', '2')];
    const kube = fakeCluster(secrets);
    const heads = (await listClusterReleaseHeads(kube, 0))!;
    const options = { redactPaths: [['db', 'password']] };
    const fromHeads = await readLatestFromHeads(kube, { namespace: 'ns', name: 'a' }, { heads, records: new ReleaseRecordCache() }, options);
    expect(fromHeads).toEqual(await readLatestRelease(kube, { namespace: 'ns', name: 'a' }, options));
    expect(fromHeads).toMatchObject({ revision: 11, status: 'failed', chartVersion: '1.0.11', previousDeployedRevision: 9, config: { db: { password: '[REDACTED]' } } });
  });

  it('fetches a release record once and again only when its Secret changed', async () => {
    const kube = fakeCluster([secret('a', 1, 'deployed', '5')]);
    const records = new ReleaseRecordCache();
    const key = { namespace: 'ns', name: 'a' };
    const pass = async () => {
      const heads = (await listClusterReleaseHeads(kube, 0))!;
      records.retain(heads);
      kube.requests.length = 0;
      return readLatestFromHeads(kube, key, { heads, records });
    };
    expect((await pass())?.revision).toBe(1);
    expect(kube.requests.map((r) => r.path)).toEqual(['/api/v1/namespaces/ns/secrets/sh.helm.release.v1.a.v1']);
    expect((await pass())?.status).toBe('deployed');
    expect(kube.requests).toEqual([]);
    kube.secrets = [secret('a', 1, 'superseded', '6'), secret('a', 2, 'deployed', '7')];
    expect((await pass())?.revision).toBe(2);
    expect(kube.requests).toHaveLength(1);
    expect(records.size).toBe(1);
    kube.secrets = [];
    expect(await pass()).toBeUndefined();
    expect(records.size).toBe(0);
  });

  it('needs no fetch at the next pass for a release whose record was read after its operation', async () => {
    const kube = fakeCluster([secret('a', 1, 'deployed', '5')]);
    const records = new ReleaseRecordCache();
    const key = { namespace: 'ns', name: 'a' };
    // The operation wrote revision 2; the reconciler reads it back with its own list.
    kube.secrets = [secret('a', 1, 'superseded', '6'), secret('a', 2, 'deployed', '7')];
    const storage = createReleaseStorage(kube, key, {}, { records });
    expect((await storage.readLatest())?.revision).toBe(2);
    const heads = (await listClusterReleaseHeads(kube, 0))!;
    records.retain(heads);
    kube.requests.length = 0;
    expect(await readLatestFromHeads(kube, key, { heads, records })).toMatchObject({ revision: 2, status: 'deployed', chartVersion: '1.0.2' });
    expect(kube.requests).toEqual([]);
  });

  it('reads the release on its own when its latest Secret vanished after the list', async () => {
    const kube = fakeCluster([secret('a', 1, 'deployed', '1'), secret('a', 2, 'pending-upgrade', '2')]);
    const heads = (await listClusterReleaseHeads(kube, 0))!;
    kube.secrets = [secret('a', 1, 'deployed', '1')];
    expect(await readLatestFromHeads(kube, { namespace: 'ns', name: 'a' }, { heads, records: new ReleaseRecordCache() })).toMatchObject({ revision: 1, status: 'deployed' });
  });
});
