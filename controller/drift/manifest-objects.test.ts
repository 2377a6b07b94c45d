import { describe, expect, it } from 'vitest';
import { parseManifestObjects } from './manifest-objects.js';
import { withHelmOwnership } from './with-helm-ownership.js';

describe('parseManifestObjects', () => {
  it('keeps each rendered object unchanged and skips empty or unnamed documents', () => {
    const manifest = ['---', '# Source: c/templates/empty.yaml', '---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: a', '  namespace: other', 'data: {k: "1"}', '---', 'kind: Nameless', '---', 'apiVersion: v1', 'kind: Service', 'metadata: {name: s}'].join('\n');
    const objects = parseManifestObjects(manifest);
    expect(objects.map((o) => [o.kind, o.name, o.namespace])).toEqual([
      ['ConfigMap', 'a', 'other'],
      ['Service', 's', undefined],
    ]);
    expect(objects[0]?.body).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'other' }, data: { k: '1' } });
  });

  it('adds the ownership metadata helm adds at apply time, and nothing else', () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: '1' } }, data: { k: 'v' } };
    expect(withHelmOwnership(body, { name: 'rel', namespace: 'ns' })).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', labels: { x: '1', 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'rel', 'meta.helm.sh/release-namespace': 'ns' } },
      data: { k: 'v' },
    });
    expect(body.metadata).toEqual({ name: 'a', labels: { x: '1' } });
  });
});
