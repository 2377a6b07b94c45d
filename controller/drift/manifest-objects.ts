import { parseAllDocuments } from 'yaml';

/** One object of a release's manifest, exactly as helm rendered it. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  /** As written in the manifest; the caller puts namespaced objects without one in the release namespace. */
  namespace?: string;
  /** The rendered document, unchanged: it is what a server-side apply dry run sends. */
  body: Record<string, unknown>;
}

/**
 * The objects of a helm manifest (the `manifest` of a stored release, hooks excluded: helm does not
 * re-apply hooks on an upgrade either). Documents that are empty or lack apiVersion, kind or a name
 * are skipped, as helm skips them.
 */
export function parseManifestObjects(manifest: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const value = doc.toJS() as Record<string, unknown> | null;
    if (!value || typeof value !== 'object') continue;
    const metadata = value.metadata as { name?: unknown; namespace?: unknown } | undefined;
    if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || typeof metadata?.name !== 'string') continue;
    out.push({
      apiVersion: value.apiVersion,
      kind: value.kind,
      name: metadata.name,
      ...(typeof metadata.namespace === 'string' && metadata.namespace !== '' ? { namespace: metadata.namespace } : {}),
      body: value,
    });
  }
  return out;
}
