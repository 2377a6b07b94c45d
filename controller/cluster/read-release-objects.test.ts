import { describe, expect, it } from 'vitest';
import { fakeKubeRest } from '../../test/support/fake-kube-rest.js';
import { readReleaseObjects } from './read-release-objects.js';
import { encodeReleaseData, type HelmSecret } from './release-record.js';

const MANIFEST = `---
apiVersion: v1
kind: Secret
metadata: { name: creds }
data: { password: c2VjcmV0 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec: { replicas: 2 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: gone, namespace: other }
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
`;

function releaseSecret(): HelmSecret {
  return {
    metadata: { name: 'sh.helm.release.v1.r.v2', labels: { owner: 'helm', name: 'r', status: 'failed', version: '2' } },
    type: 'helm.sh/release.v1',
    data: {
      release: encodeReleaseData({
        name: 'r',
        namespace: 'ns',
        version: 2,
        manifest: MANIFEST,
        hooks: [{ name: 'check', kind: 'Job', manifest: 'apiVersion: batch/v1\nkind: Job\nmetadata: { name: check }\n', events: ['pre-upgrade'], last_run: { phase: 'Failed' } }],
      }),
    },
  };
}

function fakeKube(): ReturnType<typeof fakeKubeRest> {
  const objects: Record<string, unknown> = {
    '/apis/apps/v1/namespaces/ns/deployments/web': {
      metadata: { generation: 3 },
      spec: { replicas: 2, template: { spec: { containers: [{ env: [{ name: 'TOKEN', value: 'canary-env-value' }] }] } } },
      status: { observedGeneration: 3, availableReplicas: 1 },
    },
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com': { status: { conditions: [{ type: 'Established', status: 'True' }] } },
  };
  return fakeKubeRest((req) => {
    if (req.path.includes('/secrets?')) return { status: 200, body: { items: [releaseSecret()] } };
    if (req.path.endsWith('/jobs/check')) throw new Error('connection reset');
    const body = objects[req.path];
    return body ? { status: 200, body } : { status: 404, body: {} };
  });
}

describe('readReleaseObjects', () => {
  it('reads the kinds with known readiness from the latest manifest and hooks, keeping only what readiness needs', async () => {
    const kube = fakeKube();
    const objects = await readReleaseObjects(kube, { namespace: 'ns', name: 'r' });
    expect(objects).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'ns', live: { metadata: { generation: 3 }, spec: { replicas: 2 }, status: { observedGeneration: 3, availableReplicas: 1 } } },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gone', namespace: 'other' },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.com', live: { metadata: {}, spec: {}, status: { conditions: [{ type: 'Established', status: 'True' }] } } },
      { apiVersion: 'batch/v1', kind: 'Job', name: 'check', namespace: 'ns', hook: { events: ['pre-upgrade'], phase: 'Failed' } },
    ]);
    // The Secret is never read; the hook Job that could not be read counts by Helm's record.
    expect(kube.requests.map((r) => r.path).filter((p) => p.includes('/secrets/'))).toEqual([]);
    expect(JSON.stringify(objects)).not.toContain('canary-env-value');
  });
});
