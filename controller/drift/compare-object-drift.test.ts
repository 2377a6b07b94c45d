import { describe, expect, it } from 'vitest';
import { compareObjectDrift, type ObjectDriftInput } from './compare-object-drift.js';
import { diffObjectFields } from './diff-object-fields.js';
import { MASKED_VALUE } from './mask-field-drift.js';

const deployment = (image: string, replicas: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'app', uid: 'u-1', resourceVersion: '7', generation: 3, creationTimestamp: '2025-01-01T00:00:00Z', managedFields: [{ manager: 'helm' }], annotations: { 'deployment.kubernetes.io/revision': '2' } },
  spec: { replicas, template: { spec: { containers: [{ name: 'web', image }] } } },
  status: { availableReplicas: replicas },
  ...extra,
});

function compare(overrides: Partial<ObjectDriftInput>) {
  return compareObjectDrift({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'app', name: 'web', hpaTargeted: false, ignore: [], protectedValues: [], ...overrides });
}

describe('diffObjectFields', () => {
  it('reports leaves as sorted JSON Pointers, and fields present on one side only whole', () => {
    expect(diffObjectFields({ b: { 'x/y': 1, a: [1, 2] }, a: 'same' }, { b: { 'x/y': 2, a: [1], extra: true }, a: 'same' })).toEqual([
      { path: '/b/a/1', desired: 2 },
      { path: '/b/extra', live: true },
      { path: '/b/x~1y', desired: 1, live: 2 },
    ]);
    expect(diffObjectFields({ a: { b: 1 } }, { a: { b: 1 } })).toEqual([]);
  });
});

describe('compareObjectDrift', () => {
  it('finds nothing when only server-written metadata and status differ', () => {
    const live = deployment('img:1', 2, { metadata: { name: 'web', uid: 'u-2', resourceVersion: '9', generation: 4, annotations: { 'deployment.kubernetes.io/revision': '3' } }, status: { availableReplicas: 0 } });
    expect(compare({ desired: deployment('img:1', 2), live: { ...live, metadata: { ...live.metadata, namespace: 'app' } } })).toBeUndefined();
  });

  it('reports a changed image with desired and live values', () => {
    expect(compare({ desired: deployment('img:1', 2), live: deployment('img:2', 2) })).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'app',
      name: 'web',
      state: 'changed',
      fields: [{ path: '/spec/template/spec/containers/0/image', desired: 'img:1', live: 'img:2' }],
    });
  });

  it('reports a deleted object as missing', () => {
    expect(compare({ desired: undefined, live: undefined })).toMatchObject({ state: 'missing', fields: [] });
  });

  it('leaves the replicas of an HPA target alone, but not of a workload no HPA scales', () => {
    expect(compare({ desired: deployment('img:1', 2), live: deployment('img:1', 5), hpaTargeted: true })).toBeUndefined();
    expect(compare({ desired: deployment('img:1', 2), live: deployment('img:1', 5) })?.fields).toEqual([{ path: '/spec/replicas', desired: 2, live: 5 }]);
  });

  it('ignores injected caBundles of webhook configurations, CRD conversion webhooks and APIServices', () => {
    const webhook = (caBundle?: string) => ({ kind: 'ValidatingWebhookConfiguration', metadata: { name: 'w' }, webhooks: [{ name: 'a', clientConfig: { service: { name: 's' }, ...(caBundle ? { caBundle } : {}) } }] });
    expect(compare({ kind: 'ValidatingWebhookConfiguration', desired: webhook(), live: webhook('LS0t') })).toBeUndefined();
    const crd = (caBundle: string) => ({ kind: 'CustomResourceDefinition', metadata: { name: 'c' }, spec: { conversion: { webhook: { clientConfig: { caBundle } } } } });
    expect(compare({ kind: 'CustomResourceDefinition', desired: crd(''), live: crd('LS0t') })).toBeUndefined();
    const api = (caBundle: string) => ({ kind: 'APIService', metadata: { name: 'a' }, spec: { caBundle, service: { name: 's' } } });
    expect(compare({ kind: 'APIService', desired: api(''), live: api('LS0t') })).toBeUndefined();
    // A caBundle anywhere else is compared like any field.
    const cm = (v: string) => ({ kind: 'ConfigMap', metadata: { name: 'c' }, data: { caBundle: v } });
    expect(compare({ kind: 'ConfigMap', desired: cm('a'), live: cm('b') })?.fields).toHaveLength(1);
  });

  it('applies ignore rules by path prefix, * segments, kind and name', () => {
    const input = { desired: deployment('img:1', 2), live: deployment('img:2', 5) };
    expect(compare({ ...input, ignore: [{ path: '/spec/template/spec/containers/*/image' }, { path: '/spec/replicas', kind: 'Deployment', name: 'web' }] })).toBeUndefined();
    expect(compare({ ...input, ignore: [{ path: '/spec' }] })).toBeUndefined();
    expect(compare({ ...input, ignore: [{ path: '/spec', kind: 'StatefulSet' }, { path: '/spec', name: 'other' }] })?.fields).toHaveLength(2);
  });

  it('masks Secret data and any value holding a protected value, keeping the path', () => {
    const secret = (v: string) => ({ kind: 'Secret', metadata: { name: 's' }, data: { password: v } });
    expect(compare({ kind: 'Secret', desired: secret('YQ=='), live: secret('Yg==') })?.fields).toEqual([{ path: '/data/password', desired: MASKED_VALUE, live: MASKED_VALUE, masked: true }]);
    const cm = (v: string) => ({ kind: 'ConfigMap', metadata: { name: 'c' }, data: { url: v } });
    const drift = compare({ kind: 'ConfigMap', desired: cm('postgres://u:CANARY-9f2@db'), live: cm('postgres://u:other@db'), protectedValues: ['CANARY-9f2'] });
    expect(drift?.fields).toEqual([{ path: '/data/url', desired: MASKED_VALUE, live: MASKED_VALUE, masked: true }]);
    expect(JSON.stringify(drift)).not.toContain('CANARY-9f2');
    // Base64 of the protected value (how it sits in Secret data or an encoded annotation) is masked too.
    const encoded = Buffer.from('CANARY-9f2').toString('base64');
    expect(JSON.stringify(compare({ kind: 'ConfigMap', desired: cm(encoded), live: cm('x'), protectedValues: ['CANARY-9f2'] }))).not.toContain(encoded);
  });
});
