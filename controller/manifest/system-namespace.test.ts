import { describe, expect, it } from 'vitest';
import { systemNamespaceViolation } from './system-namespace.js';

describe('systemNamespaceViolation', () => {
  const check = (namespace: string, more: { allowSystemNamespaces?: boolean; controllerNamespace?: string } = {}) =>
    systemNamespaceViolation({ namespace, extensionType: 'gateway', allowSystemNamespaces: more.allowSystemNamespaces, ...(more.controllerNamespace ? { controllerNamespace: more.controllerNamespace } : {}) });

  it("refuses Kubernetes' own namespaces and the controller's, wherever it runs", () => {
    for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'default', 'clusterext-system']) expect(check(ns), ns).toMatch(/where a namespace-scoped instance would get full rights/);
    expect(check('platform', { controllerNamespace: 'platform' })).toContain("is the controller's namespace");
    // Only the controller's actual namespace is its own.
    expect(check('clusterext-system', { controllerNamespace: 'platform' })).toBeUndefined();
  });

  it('lets ordinary namespaces through, and system ones when the type allows it', () => {
    expect(check('team-a')).toBeUndefined();
    expect(check('kube-system', { allowSystemNamespaces: true })).toBeUndefined();
    expect(check('kube-system', { allowSystemNamespaces: false })).toContain('set allowSystemNamespaces: true on ExtensionType "gateway"');
  });
});
