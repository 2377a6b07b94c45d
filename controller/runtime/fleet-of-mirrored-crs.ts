import { API_VERSION, type ConnectedClusterSpec, type ExtensionPolicySpec, type ExtensionSpec, type ExtensionTypeSpec, type Fleet, type ManifestKind, type SourceRef } from '../manifest/fleet.js';
import type { CustomResource } from './cr-store.js';
import { POLICY_ANNOTATION, REPOSITORY_LABEL, REVISION_LABEL, SOURCE_ANNOTATION } from './mirrored-resources.js';

export interface MirroredCrs {
  extensionTypes: readonly CustomResource[];
  clusters: readonly CustomResource[];
  extensions: readonly CustomResource[];
  policies: readonly CustomResource[];
}

/** The fleet one repository's mirrored CRs hold, and the revision they were mirrored from. */
export interface MirroredFleet {
  repository: string;
  revision: string;
  fleet: Fleet;
}

/**
 * The inverse of `buildMirroredResources`: the fleet a hub holds, per repository, rebuilt from its
 * CRs so that `computeDesiredStateOver` yields the desired releases the controller works from,
 * for front ends that read the hub instead of git (`clusterext drift --kubeconfig hub`). Extension
 * CRs a policy generated are left out: the policy, mirrored too, generates them again with their
 * origin. Objects being deleted are left out, as the controller no longer wants them. The labels
 * the mirror added (repository, revision) are removed; everything else is as the controller
 * stored it. Pure.
 */
export function fleetOfMirroredCrs(crs: MirroredCrs): MirroredFleet[] {
  const byRepository = new Map<string, { revision: string; fleet: Fleet }>();
  const entryOf = (cr: CustomResource) => {
    const repository = cr.metadata.labels?.[REPOSITORY_LABEL];
    if (repository === undefined || cr.metadata.deletionTimestamp) return undefined;
    let entry = byRepository.get(repository);
    if (!entry) byRepository.set(repository, (entry = { revision: cr.metadata.labels?.[REVISION_LABEL] ?? '', fleet: { extensionTypes: [], clusters: [], extensions: [], policies: [] } }));
    return entry.fleet;
  };
  for (const cr of crs.extensionTypes) entryOf(cr)?.extensionTypes.push(manifestOf('ExtensionType', cr, cr.metadata.name) as Fleet['extensionTypes'][number]);
  for (const cr of crs.clusters) entryOf(cr)?.clusters.push(manifestOf('ConnectedCluster', cr, cr.metadata.name) as Fleet['clusters'][number]);
  for (const cr of crs.policies) entryOf(cr)?.policies.push(manifestOf('ExtensionPolicy', cr, cr.metadata.name) as Fleet['policies'][number]);
  for (const cr of crs.extensions) {
    if (cr.metadata.annotations?.[POLICY_ANNOTATION] !== undefined) continue;
    const spec = cr.spec as unknown as ExtensionSpec;
    entryOf(cr)?.extensions.push(manifestOf('Extension', cr, cr.metadata.name.slice(spec.clusterName.length + 1)) as Fleet['extensions'][number]);
  }
  return [...byRepository]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([repository, { revision, fleet }]) => ({ repository, revision, fleet: sortFleet(fleet) }));
}

type AnySpec = ExtensionTypeSpec | ConnectedClusterSpec | ExtensionSpec | ExtensionPolicySpec;

function manifestOf(kind: ManifestKind, cr: CustomResource, name: string): { apiVersion: typeof API_VERSION; kind: ManifestKind; metadata: Fleet['clusters'][number]['metadata']; spec: AnySpec; source: SourceRef } {
  const { [REPOSITORY_LABEL]: _repository, [REVISION_LABEL]: _revision, ...labels } = cr.metadata.labels ?? {};
  return { apiVersion: API_VERSION, kind, metadata: { name, labels: kind === 'Extension' ? {} : labels, annotations: {} }, spec: cr.spec as unknown as AnySpec, source: sourceOf(cr) };
}

/** `file:line` as the mirror wrote it; the column and document are not kept. */
function sourceOf(cr: CustomResource): SourceRef {
  const text = cr.metadata.annotations?.[SOURCE_ANNOTATION] ?? '';
  const colon = text.lastIndexOf(':');
  const line = Number(text.slice(colon + 1));
  return colon > 0 && Number.isInteger(line) ? { file: text.slice(0, colon), line, column: 1, documentIndex: 0 } : { file: `${cr.kind} ${cr.metadata.name}`, line: 1, column: 1, documentIndex: 0 };
}

function sortFleet(fleet: Fleet): Fleet {
  const byName = (a: { metadata: { name: string } }, b: { metadata: { name: string } }) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);
  fleet.extensionTypes.sort(byName);
  fleet.clusters.sort(byName);
  fleet.policies.sort(byName);
  fleet.extensions.sort((a, b) => (a.spec.clusterName < b.spec.clusterName ? -1 : a.spec.clusterName > b.spec.clusterName ? 1 : byName(a, b)));
  return fleet;
}
