import { createHash } from 'node:crypto';
import type { KubeRest } from '../runtime/kube-rest.js';
import type { LeaseRecord } from './observed-leases.js';

/** Label on every Lease of shard coordination; its value says which kind. */
export const SHARD_ROLE_LABEL = 'clusterext.io/shard-role';
/** Annotation of a claim Lease: the ConnectedCluster it claims (its name may not fit a Lease name). */
export const CLAIM_CLUSTER_ANNOTATION = 'clusterext.io/cluster';

export type ShardLeaseRole = 'member' | 'claim';

export interface ShardLease {
  metadata: { name: string; namespace: string; resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** The Lease of one replica's membership: it exists and is renewed while the replica runs. */
export function memberLeaseName(identity: string): string {
  return `clusterext-member-${shortHash(identity)}`;
}

/** The Lease whose holder is the one replica that may act on `cluster`. */
export function claimLeaseName(cluster: string): string {
  const plain = `clusterext-cluster-${cluster}`;
  return plain.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(plain) ? plain : `clusterext-cluster-${shortHash(cluster)}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function leaseRecord(lease: ShardLease, defaultDurationSeconds: number): LeaseRecord {
  return {
    name: lease.metadata.name,
    resourceVersion: lease.metadata.resourceVersion,
    holder: lease.spec.holderIdentity || undefined,
    leaseDurationSeconds: lease.spec.leaseDurationSeconds ?? defaultDurationSeconds,
  };
}

/** Kubernetes wants MicroTime with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * The Lease calls of shard coordination, in the controller's namespace. Every update carries the
 * resourceVersion it was read at, so of two replicas racing for one claim only one succeeds (the
 * other gets 409 Conflict and false).
 */
export class ShardLeases {
  constructor(
    private readonly kube: KubeRest,
    private readonly namespace: string,
  ) {}

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`;
  }

  async list(role: ShardLeaseRole): Promise<ShardLease[]> {
    const res = await this.kube.request<{ items: ShardLease[] }>({ method: 'GET', path: `${this.path}?labelSelector=${encodeURIComponent(`${SHARD_ROLE_LABEL}=${role}`)}` });
    if (res.status !== 200) throw new Error(`Listing the ${role} Leases in namespace "${this.namespace}" failed with HTTP ${res.status}.`);
    return res.body.items;
  }

  /** Creates a Lease held by `holder`; false when one of that name exists already. */
  async create(input: { name: string; role: ShardLeaseRole; holder: string; durationSeconds: number; now: number; annotations?: Record<string, string> }): Promise<boolean> {
    const now = microTime(input.now);
    const res = await this.kube.request({
      method: 'POST',
      path: this.path,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: input.name, namespace: this.namespace, labels: { [SHARD_ROLE_LABEL]: input.role }, ...(input.annotations ? { annotations: input.annotations } : {}) },
        spec: { holderIdentity: input.holder, leaseDurationSeconds: input.durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      },
    });
    return res.status === 201;
  }

  /** Replaces `lease` (as read) with `spec`; false when it changed since it was read. */
  async update(lease: ShardLease, spec: ShardLease['spec']): Promise<ShardLease | undefined> {
    const res = await this.kube.request<ShardLease>({ method: 'PUT', path: `${this.path}/${encodeURIComponent(lease.metadata.name)}`, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec } });
    return res.status === 200 ? res.body : undefined;
  }

  /** With `resourceVersion`, only that version is deleted (a Lease changed since is left alone). */
  async delete(name: string, resourceVersion?: string): Promise<void> {
    await this.kube.request({
      method: 'DELETE',
      path: `${this.path}/${encodeURIComponent(name)}`,
      ...(resourceVersion ? { body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion } } } : {}),
    });
  }
}

/**
 * ConnectedCluster → the replica holding its claim, for `clusterext get clusters -o wide`. Empty
 * when the hub is not sharded (no claim Leases) or the caller may not list Leases.
 */
export async function readClusterOwners(kube: KubeRest, namespace: string): Promise<Map<string, string>> {
  const claims = await new ShardLeases(kube, namespace).list('claim').catch(() => []);
  const owners = new Map<string, string>();
  for (const lease of claims) {
    const cluster = lease.metadata.annotations?.[CLAIM_CLUSTER_ANNOTATION];
    if (cluster && lease.spec.holderIdentity) owners.set(cluster, lease.spec.holderIdentity);
  }
  return owners;
}
