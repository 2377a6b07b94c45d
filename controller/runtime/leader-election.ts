import type { Clock } from './clock.js';
import type { KubeRest } from './kube-rest.js';

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  kube: KubeRest;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  clock: Clock;
}

/**
 * Leader election on a coordination.k8s.io Lease, with the semantics of client-go's
 * leaderelection: a replica takes the Lease when it is free or its holder has not renewed within
 * the lease duration, and keeps it by renewing. Writes carry the resourceVersion read, so two
 * replicas racing for an expired Lease cannot both win (the loser gets 409 Conflict).
 */
export class LeaderElector {
  constructor(private readonly options: LeaderElectionOptions) {}

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
  }

  /** One attempt to acquire or renew; true when this replica holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { kube, name, identity, leaseDurationMs, clock } = this.options;
    const nowIso = new Date(clock.now()).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const res = await kube.request<Lease>({ method: 'GET', path: `${this.path}/${name}` });
    const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
    if (res.status === 404) {
      const created = await kube.request({
        method: 'POST',
        path: this.path,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: this.options.namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: nowIso, renewTime: nowIso, leaseTransitions: 0 },
        },
      });
      return created.status === 201;
    }
    if (res.status !== 200) return false;
    const lease = res.body;
    const holder = lease.spec.holderIdentity;
    const renewedAt = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const expired = clock.now() - renewedAt > (lease.spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && !expired) return false;
    const takingOver = holder !== identity;
    const updated: Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: nowIso,
        ...(takingOver ? { acquireTime: nowIso, leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 } : {}),
      },
    };
    const put = await kube.request({ method: 'PUT', path: `${this.path}/${name}`, body: updated });
    return put.status === 200;
  }

  /** Gives the Lease up on shutdown so another replica takes over at once. */
  async release(): Promise<void> {
    const res = await this.options.kube.request<Lease>({ method: 'GET', path: `${this.path}/${this.options.name}` });
    if (res.status !== 200 || res.body.spec.holderIdentity !== this.options.identity) return;
    const lease = res.body;
    await this.options.kube.request({ method: 'PUT', path: `${this.path}/${this.options.name}`, body: { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: undefined } } });
  }
}
