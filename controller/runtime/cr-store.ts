import { GROUP } from '../manifest/fleet.js';
import { canonicalJson } from '../plan/config-digest.js';
import { expectOk, type KubeRest } from './kube-rest.js';
import { mergePatchBetween } from './merge-patch-between.js';

export const CR_VERSION = 'v1alpha1';
export const FIELD_MANAGER = 'clusterext';

/** The custom resources the controller records (DESIGN.md §2), by kind. */
export const CR_PLURALS = {
  ExtensionRepository: 'extensionrepositories',
  ExtensionType: 'extensiontypes',
  ConnectedCluster: 'connectedclusters',
  Extension: 'extensions',
  ExtensionPolicy: 'extensionpolicies',
} as const;
export type CrKind = keyof typeof CR_PLURALS;

export interface CustomResource<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  apiVersion: string;
  kind: CrKind;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
  spec: Spec;
  status?: Status;
}

/**
 * Reads and writes clusterext custom resources in one namespace of the hub cluster. Spec and status
 * both go through server-side apply (field manager `clusterext`; the status through its
 * subresource), with their content types set explicitly.
 */
export class CrStore {
  constructor(
    private readonly kube: KubeRest,
    readonly namespace: string,
  ) {}

  private path(kind: CrKind, name?: string, sub?: 'status'): string {
    const base = `/apis/${GROUP}/${CR_VERSION}/namespaces/${encodeURIComponent(this.namespace)}/${CR_PLURALS[kind]}`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
  }

  async list<S, T>(kind: CrKind, labelSelector?: string): Promise<CustomResource<S, T>[]> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const body = expectOk(await this.kube.request<{ items: CustomResource<S, T>[] }>({ method: 'GET', path: `${this.path(kind)}${query}` }), `Listing ${kind} resources`);
    return body.items.map((item) => ({ ...item, kind }));
  }

  async get<S, T>(kind: CrKind, name: string): Promise<CustomResource<S, T> | undefined> {
    const res = await this.kube.request<CustomResource<S, T>>({ method: 'GET', path: this.path(kind, name) });
    if (res.status === 404) return undefined;
    return expectOk(res, `Reading ${kind} "${name}"`);
  }

  /** Server-side apply of the fields clusterext owns; returns the object as stored. */
  async apply<S, T>(kind: CrKind, name: string, object: { metadata: Partial<CustomResource['metadata']>; spec: S }): Promise<CustomResource<S, T>> {
    const body = { apiVersion: `${GROUP}/${CR_VERSION}`, kind, ...object, metadata: { ...object.metadata, name, namespace: this.namespace } };
    const res = await this.kube.request<CustomResource<S, T>>({
      method: 'PATCH',
      path: `${this.path(kind, name)}?fieldManager=${FIELD_MANAGER}&force=true`,
      body,
      contentType: 'application/apply-patch+yaml',
    });
    return expectOk(res, `Applying ${kind} "${name}"`);
  }

  /**
   * Makes the status exactly `status`. Server-side apply of the status subresource removes every
   * field clusterext applied before and left out now (a merge patch would keep them: a stale
   * pendingSince or failure count outliving its cause). Fields another manager owns survive an
   * apply, e.g. those merge-patched by an older clusterext or by hand; when the stored status still
   * differs, one merge patch removes them, so the next pass finds it equal and writes nothing.
   */
  async writeStatus<T>(kind: CrKind, name: string, status: T): Promise<void> {
    const res = await this.kube.request<CustomResource<unknown, unknown>>({
      method: 'PATCH',
      path: `${this.path(kind, name, 'status')}?fieldManager=${FIELD_MANAGER}&force=true`,
      body: { apiVersion: `${GROUP}/${CR_VERSION}`, kind, metadata: { name, namespace: this.namespace }, status },
      contentType: 'application/apply-patch+yaml',
    });
    if (res.status === 404) return;
    const stored = expectOk(res, `Writing the status of ${kind} "${name}"`).status;
    if (canonicalJson(stored ?? {}) === canonicalJson(status)) return;
    const patch = await this.kube.request({ method: 'PATCH', path: this.path(kind, name, 'status'), body: { status: mergePatchBetween(stored ?? {}, status) }, contentType: 'application/merge-patch+json' });
    if (patch.status === 404) return;
    expectOk(patch, `Removing stale status fields of ${kind} "${name}"`);
  }

  /** Merges `annotations` into the object's annotations. */
  async annotate(kind: CrKind, name: string, annotations: Record<string, string>): Promise<void> {
    const res = await this.kube.request({ method: 'PATCH', path: this.path(kind, name), body: { metadata: { annotations } }, contentType: 'application/merge-patch+json' });
    if (res.status === 404) return;
    expectOk(res, `Annotating ${kind} "${name}"`);
  }

  async setFinalizers(kind: CrKind, name: string, finalizers: string[], resourceVersion?: string): Promise<void> {
    const metadata: Record<string, unknown> = { finalizers };
    if (resourceVersion) metadata.resourceVersion = resourceVersion;
    const res = await this.kube.request({ method: 'PATCH', path: this.path(kind, name), body: { metadata }, contentType: 'application/merge-patch+json' });
    if (res.status === 404) return;
    expectOk(res, `Updating the finalizers of ${kind} "${name}"`);
  }

  async delete(kind: CrKind, name: string): Promise<void> {
    const res = await this.kube.request({ method: 'DELETE', path: this.path(kind, name) });
    if (res.status === 404) return;
    expectOk(res, `Deleting ${kind} "${name}"`);
  }
}
