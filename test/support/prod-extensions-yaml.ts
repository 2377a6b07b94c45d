/**
 * A fleet file as people write it, for the tests of the edits `clusterext extension` makes in place
 * (update-extension-document, remove-extension-document): comments above, inside and after
 * documents, a blank line, a first document without `---`, block and flow style, and the same
 * Extension name on two clusters. Documents: flux on prod-eu (flow), gateway on prod-eu (block, with
 * settings), gateway on prod-us (flow).
 */
export const prodExtensionsYaml = `# Extensions of prod-eu: keep this comment
apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: flux}
spec: {clusterName: prod-eu, extensionType: flux, scope: cluster}
---
# the gateway, kept as written
apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata:
  name: gateway
spec:
  clusterName: prod-eu
  extensionType: api-gateway   # trailing comment
  scope: cluster
  autoUpgradeMinorVersion: true
  releaseTrain: preview

  configurationSettings:
    # how loud
    logLevel: info
    data.retries: 3
---
apiVersion: clusterext.io/v1alpha1
kind: Extension
metadata: {name: gateway}
spec: {clusterName: prod-us, extensionType: api-gateway, scope: cluster}
`;
