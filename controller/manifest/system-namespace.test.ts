import { describe, expect, it } from 'vitest';
import { validateFleetFiles, type FleetFile } from './load-fleet.js';
import { systemNamespaceViolation } from './system-namespace.js';
import { DEFAULT_VALIDATION_LIMITS } from './validation-limits.js';

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

describe('validation judges the controller namespace it is given (validate and plan --controller-namespace, the controller -n)', () => {
  const files = (targetNamespace: string): FleetFile[] => [
    {
      path: 'fleet.yaml',
      content: `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: { name: gateway }
spec:
  chart: { repository: "https://charts.example", name: gateway }
  scopes: [namespace]
  releaseTrains: { stable: {} }
---
apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: { name: prod }
spec: { kubeconfigSecretRef: { name: kc-prod, key: kubeconfig } }
---
apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: { name: gw }
spec: { clusterName: prod, extensionType: gateway, scope: namespace, targetNamespace: ${targetNamespace} }
`,
    },
  ];
  const codes = (targetNamespace: string, controllerNamespace?: string) =>
    validateFleetFiles(files(targetNamespace), controllerNamespace ? { limits: { ...DEFAULT_VALIDATION_LIMITS, controllerNamespace } } : {}).diagnostics.map((d) => [d.code, d.line]);

  it('refuses the given namespace, and no longer the default one', () => {
    expect(codes('platform', 'platform')).toEqual([['SystemNamespaceNotAllowed', 17]]);
    expect(codes('clusterext-system', 'platform')).toEqual([]);
    expect(codes('clusterext-system')).toEqual([['SystemNamespaceNotAllowed', 17]]);
    expect(codes('platform')).toEqual([]);
  });
});
