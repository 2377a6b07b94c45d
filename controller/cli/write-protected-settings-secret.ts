import { ClusterextError } from '../errors/clusterext-error.js';
import { expectOk, type KubeRest } from '../runtime/kube-rest.js';
import { PROTECTED_SETTINGS_LABEL } from '../runtime/protected-settings-secret.js';

interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; uid?: string };
  type?: string;
  data?: Record<string, string>;
}

/** Puts the Secret back as it was before the write (deleted when the write created it). */
export type RestoreSecret = () => Promise<void>;

/**
 * Makes the Secret `name` in the controller's namespace hold exactly `settings` (the cloud CLI's
 * protected settings are always the complete set: keys not given are removed), labelled for
 * protected settings. An existing Secret without that label is refused and left alone: it may be a
 * kubeconfig or git credentials, which the controller never hands to a chart. Returns how to undo
 * the write, for a caller whose git step fails after it. Values never reach a message.
 */
export async function writeProtectedSettingsSecret(kube: KubeRest, namespace: string, name: string, settings: Readonly<Record<string, string>>): Promise<RestoreSecret> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const data = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  const existing = await readSecret(kube, namespace, name);
  if (!existing) {
    const res = await kube.request({
      method: 'POST',
      path,
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: { [PROTECTED_SETTINGS_LABEL]: 'true' } }, type: 'Opaque', data },
    });
    expectOk(res, `Creating the protected-settings Secret "${name}"`);
    return async () => {
      const gone = await kube.request({ method: 'DELETE', path: `${path}/${encodeURIComponent(name)}` });
      if (gone.status !== 404) expectOk(gone, `Deleting the protected-settings Secret "${name}" again`);
    };
  }
  if (existing.metadata.labels?.[PROTECTED_SETTINGS_LABEL] !== 'true') {
    throw new ClusterextError(
      'ProtectedSettingsSecretNotMarked',
      `The Secret "${name}" in namespace "${namespace}" exists but is not marked for protected settings (label ${PROTECTED_SETTINGS_LABEL}=true), so it may hold credentials of something else; it was left as it is and nothing was written. Name another Secret in configurationProtectedSettingsRef, or label this one if it really holds this Extension's settings.`,
      { secret: name, namespace },
    );
  }
  await replace(kube, path, existing, data);
  return async () => {
    const now = await readSecret(kube, namespace, name);
    if (now) await replace(kube, path, now, existing.data ?? {});
  };
}

/** What deleting a protected-settings Secret came to, and how to undo it when it was deleted. */
export type SecretRemoval = { deleted: true; restore: RestoreSecret } | { deleted: false; reason: 'absent' | 'not-marked' };

/**
 * Deletes the Secret `name` in the controller's namespace when it is marked for protected settings
 * (a Secret without the mark is no Extension's settings as far as the controller goes, and may be
 * credentials: it is left alone). The delete is preconditioned on the uid read, so a Secret
 * recreated meanwhile is not deleted. Returns how to put it back (same labels, annotations, type and
 * data), for a caller whose git step fails after it. Values never reach a message.
 */
export async function deleteProtectedSettingsSecret(kube: KubeRest, namespace: string, name: string): Promise<SecretRemoval> {
  const existing = await readSecret(kube, namespace, name);
  if (!existing) return { deleted: false, reason: 'absent' };
  if (existing.metadata.labels?.[PROTECTED_SETTINGS_LABEL] !== 'true') return { deleted: false, reason: 'not-marked' };
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const res = await kube.request({
    method: 'DELETE',
    path: `${path}/${encodeURIComponent(name)}`,
    body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { ...(existing.metadata.uid ? { uid: existing.metadata.uid } : {}), ...(existing.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}) } },
  });
  if (res.status !== 404) expectOk(res, `Deleting the protected-settings Secret "${name}"`);
  const { labels, annotations } = existing.metadata;
  return {
    deleted: true,
    restore: async () => {
      const back = await kube.request({
        method: 'POST',
        path,
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) }, type: existing.type ?? 'Opaque', data: existing.data ?? {} },
      });
      expectOk(back, `Creating the protected-settings Secret "${name}" again`);
    },
  };
}

async function readSecret(kube: KubeRest, namespace: string, name: string): Promise<SecretObject | undefined> {
  const res = await kube.request<SecretObject>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}` });
  if (res.status === 404) return undefined;
  return expectOk(res, `Reading the protected-settings Secret "${name}"`);
}

/** A PUT with the resourceVersion read: a Secret changed meanwhile by someone else is a conflict, not overwritten. */
async function replace(kube: KubeRest, path: string, current: SecretObject, data: Record<string, string>): Promise<void> {
  const { name, namespace, labels, annotations, resourceVersion } = current.metadata;
  const res = await kube.request({
    method: 'PUT',
    path: `${path}/${encodeURIComponent(name)}`,
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, resourceVersion, ...(annotations ? { annotations } : {}), labels: { ...labels, [PROTECTED_SETTINGS_LABEL]: 'true' } },
      type: current.type ?? 'Opaque',
      data,
    },
  });
  expectOk(res, `Writing the protected-settings Secret "${name}"`);
}
