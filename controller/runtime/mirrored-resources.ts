import type { Fleet, SourceRef } from '../manifest/fleet.js';
import type { ExtensionInstance } from '../plan/expand-policies.js';
import type { CrKind } from './cr-store.js';

export const REPOSITORY_LABEL = 'clusterext.io/repository';
export const REVISION_LABEL = 'clusterext.io/revision';
export const CLUSTER_LABEL = 'clusterext.io/cluster';
export const SOURCE_ANNOTATION = 'clusterext.io/source';
export const POLICY_ANNOTATION = 'clusterext.io/generated-by-policy';
export const UNINSTALL_FINALIZER = 'clusterext.io/uninstall';

export interface MirroredResource {
  kind: CrKind;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  finalizers?: string[];
  spec: unknown;
}

/** The CR name of an Extension instance: `<cluster>.<extension>` (both DNS labels, so unique). */
export function extensionCrName(cluster: string, extension: string): string {
  return `${cluster}.${extension}`;
}

/**
 * The custom resources that mirror one revision of a repository (DESIGN.md §2): every manifest
 * as written (defaults applied), and one Extension CR per instance, generated ones included, each
 * labelled with its repository and revision and annotated with the file and line it came from.
 * Pure: the caller applies them.
 */
export function buildMirroredResources(input: { fleet: Fleet; instances: readonly ExtensionInstance[]; repository: string; revision: string }): MirroredResource[] {
  const base = { [REPOSITORY_LABEL]: input.repository, [REVISION_LABEL]: input.revision };
  const out: MirroredResource[] = [];
  const plain = (kind: CrKind, m: { metadata: { name: string; labels: Record<string, string> }; spec: unknown; source: SourceRef }) =>
    out.push({ kind, name: m.metadata.name, labels: { ...m.metadata.labels, ...base }, annotations: { [SOURCE_ANNOTATION]: sourceText(m.source) }, spec: m.spec });
  input.fleet.extensionTypes.forEach((m) => plain('ExtensionType', m));
  input.fleet.clusters.forEach((m) => plain('ConnectedCluster', m));
  input.fleet.policies.forEach((m) => plain('ExtensionPolicy', m));
  for (const instance of input.instances) {
    out.push({
      kind: 'Extension',
      name: extensionCrName(instance.cluster, instance.name),
      labels: { ...base, [CLUSTER_LABEL]: instance.cluster },
      annotations: {
        [SOURCE_ANNOTATION]: sourceText(instance.source),
        ...(instance.origin.kind === 'policy' ? { [POLICY_ANNOTATION]: instance.origin.policy } : {}),
      },
      finalizers: [UNINSTALL_FINALIZER],
      spec: { clusterName: instance.cluster, ...instance.spec },
    });
  }
  return out;
}

function sourceText(source: SourceRef): string {
  return `${source.file}:${source.line}`;
}
