/**
 * The manifest object as helm applies it: helm stores the rendered manifest without the ownership
 * metadata it adds to every object at apply time (helm.sh/helm/v4 pkg/action, setMetadataVisitor):
 * the annotations `meta.helm.sh/release-name` and `meta.helm.sh/release-namespace` and the label
 * `app.kubernetes.io/managed-by: Helm`. Its field manager owns them, so a dry run without them
 * would report their removal as drift. Nothing else is changed. Pure.
 */
export function withHelmOwnership(body: Record<string, unknown>, release: { name: string; namespace: string }): Record<string, unknown> {
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  return {
    ...body,
    metadata: {
      ...metadata,
      labels: { ...labels, 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { ...annotations, 'meta.helm.sh/release-name': release.name, 'meta.helm.sh/release-namespace': release.namespace },
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
