import { createApiResources } from '../cluster/api-resources.js';
import { applyObject } from '../cluster/dry-run-apply.js';
import { listLatestReleaseSecrets, observeReleaseSecret } from '../cluster/read-latest-release.js';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { DesiredRelease } from '../plan/desired-release.js';
import type { KubeRest } from '../runtime/kube-rest.js';
import type { ExtensionDrift, ObjectDrift } from './drift-report.js';
import { parseManifestObjects } from './manifest-objects.js';
import { maskProtectedText } from './mask-protected-text.js';
import { withHelmOwnership } from './with-helm-ownership.js';

export interface CorrectReleaseDriftInput {
  kube: KubeRest;
  desired: DesiredRelease;
  /** The drift a check just found; only its objects are re-applied. */
  drift: ExtensionDrift;
  protectedValues?: string[];
}

/**
 * Corrects drift by a server-side apply of exactly the drifted objects, as the release's manifest
 * has them, with helm's field manager (`force`): the changed fields go back, deleted objects come
 * back, and field ownership ends as helm left it. No helm process, no new release revision, no
 * hooks run again (a `helm upgrade` of the same revision would add a revision to the history and
 * re-run hook Jobs for a change nobody asked for). Returns the objects re-applied; throws a
 * ClusterextError naming the first object that could not be.
 */
export async function correctReleaseDrift(input: CorrectReleaseDriftInput): Promise<ObjectDrift[]> {
  const { desired } = input;
  if (input.drift.objects.length === 0) return [];
  const latest = (await listLatestReleaseSecrets(input.kube, desired.namespace)).get(`${desired.namespace}/${desired.releaseName}`);
  if (latest === undefined) throw new ClusterextError('ReleaseNotFound', `Release "${desired.namespace}/${desired.releaseName}" has no Helm record; its drift cannot be corrected.`);
  const { manifest } = observeReleaseSecret(latest, { namespace: desired.namespace, name: desired.releaseName });
  const objects = parseManifestObjects(manifest);
  const api = createApiResources(input.kube);
  const applied: ObjectDrift[] = [];
  for (const drifted of input.drift.objects) {
    const object = objects.find((o) => o.kind === drifted.kind && o.name === drifted.name && o.apiVersion === drifted.apiVersion);
    const resource = object && (await api.resolve(object.apiVersion, object.kind));
    if (!object || !resource) continue;
    const namespace = resource.namespaced ? (object.namespace ?? desired.namespace) : undefined;
    if (namespace !== drifted.namespace) continue;
    const describe = `${object.kind} "${namespace ? `${namespace}/` : ''}${object.name}"`;
    try {
      await applyObject(input.kube, api.objectPath(resource, object.name, namespace), withHelmOwnership(object.body, { name: desired.releaseName, namespace: desired.namespace }), describe);
    } catch (err) {
      const message = maskProtectedText(err instanceof Error ? err.message : String(err), input.protectedValues ?? []);
      throw new ClusterextError('DriftCorrectionFailed', message, { object: describe });
    }
    applied.push(drifted);
  }
  return applied;
}
