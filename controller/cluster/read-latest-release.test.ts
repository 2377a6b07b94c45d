import { describe, expect, it } from 'vitest';
import { fakeKubeRest } from '../../test/support/fake-kube-rest.js';
import { listLatestReleaseSecrets, observeReleaseSecret, readLatestRelease } from './read-latest-release.js';
import { encodeReleaseData, type HelmSecret } from './release-record.js';

function secret(revision: number, status: string, extraLabels: Record<string, string> = {}): HelmSecret {
  return {
    metadata: { name: `sh.helm.release.v1.r.v${revision}`, labels: { owner: 'helm', name: 'r', status, version: String(revision), ...extraLabels } },
    type: 'helm.sh/release.v1',
    data: {
      release: encodeReleaseData({
        name: 'r', namespace: 'ns', version: revision,
        info: { status, last_deployed: '2025-01-01T00:00:00Z' },
        chart: { metadata: { name: 'c', version: `1.0.${revision}`, appVersion: '9' } },
        config: { db: { password: 'pw', host: 'h' } },
        manifest: 'kind: Secret\ndata: {password: pw}',
      }),
    },
  };
}

/** A KubeRest that answers any request with the list of `items`, recording the requests. */
const fakeKube = (items: HelmSecret[]) => fakeKubeRest(() => ({ status: 200, body: { items } }));

describe('readLatestRelease', () => {
  it('returns the highest revision (numerically) with the latest earlier deployed one as rollback target', async () => {
    const kube = fakeKube([secret(9, 'superseded'), secret(11, 'failed', { 'clusterext.io/managed-by': 'clusterext' }), secret(10, 'failed'), secret(8, 'superseded')]);
    const observed = await readLatestRelease(kube, { namespace: 'ns', name: 'r' });
    expect(observed).toEqual({
      name: 'r', namespace: 'ns', revision: 11, status: 'failed', chartName: 'c', chartVersion: '1.0.11', appVersion: '9',
      labels: { 'clusterext.io/managed-by': 'clusterext' }, lastDeployed: '2025-01-01T00:00:00Z', previousDeployedRevision: 9,
    });
    expect(kube.requests).toEqual([{ method: 'GET', path: '/api/v1/namespaces/ns/secrets?labelSelector=owner%3Dhelm%2Cname%3Dr' }]);
    expect(JSON.stringify(observed)).not.toContain('pw');
  });

  it('returns config only with the protected paths redacted', async () => {
    const observed = await readLatestRelease(fakeKube([secret(1, 'deployed')]), { namespace: 'ns', name: 'r' }, { redactPaths: [['db', 'password'], ['not', 'there']] });
    expect(observed?.config).toEqual({ db: { password: '[REDACTED]', host: 'h' } });
  });

  it('returns undefined when Helm has no record', async () => {
    expect(await readLatestRelease(fakeKube([]), { namespace: 'ns', name: 'r' })).toBeUndefined();
  });
});

describe('observeReleaseSecret', () => {
  it('observes the latest Secret of a cluster-wide list (the drift engine) as readLatestRelease (the reconciler) does, rollback target aside', async () => {
    const items = [secret(9, 'superseded'), secret(11, 'deployed', { 'clusterext.io/managed-by': 'clusterext' }), secret(10, 'superseded')];
    const reconciler = await readLatestRelease(fakeKube(items), { namespace: 'ns', name: 'r' });
    const listed = await listLatestReleaseSecrets(fakeKube(items.map((s) => ({ ...s, metadata: { ...s.metadata, namespace: 'ns' } }))));
    const latest = listed.get('ns/r')!;
    const drift = observeReleaseSecret(latest, { namespace: 'ns', name: 'r' });
    const { previousDeployedRevision, ...withoutRollbackTarget } = reconciler!;
    expect(previousDeployedRevision).toBe(10);
    expect(drift.observed).toEqual(withoutRollbackTarget);
    expect(drift.manifest).toBe('kind: Secret\ndata: {password: pw}');
  });

  it('redacts the protected paths of the config as readLatestRelease does, and returns no config unless asked', async () => {
    const latest = { secret: secret(3, 'deployed'), revision: 3 };
    expect(observeReleaseSecret(latest, { namespace: 'ns', name: 'r' }).observed.config).toBeUndefined();
    expect(observeReleaseSecret(latest, { namespace: 'ns', name: 'r' }, { redactPaths: [['db', 'password']] }).observed.config).toEqual({ db: { password: '[REDACTED]', host: 'h' } });
    expect(observeReleaseSecret(latest, { namespace: 'ns', name: 'r' }, { redactPaths: [] }).observed.config).toEqual({ db: { password: 'pw', host: 'h' } });
  });
});
