/** The fields of a coordination.k8s.io Lease that expiry depends on. */
export interface LeaseRecord {
  name: string;
  resourceVersion: string;
  holder: string | undefined;
  leaseDurationSeconds: number;
}

/**
 * Judges expiry of Leases written by other replicas the way client-go's leader election does: a
 * Lease is expired when this observer has seen the same version of it for longer than its
 * duration, by this observer's own clock. Timestamps written by another machine are never compared
 * with the local clock, so a skewed clock cannot make a live holder look dead. A Lease first seen
 * now counts from now: a replica that has just started waits a whole duration before it takes over.
 */
export class ObservedLeases {
  private readonly seen = new Map<string, { resourceVersion: string; at: number }>();

  /** Records `leases` as observed at `now`; forgets Leases no longer listed. */
  observe(leases: readonly LeaseRecord[], now: number): void {
    const listed = new Set<string>();
    for (const lease of leases) {
      listed.add(lease.name);
      const previous = this.seen.get(lease.name);
      if (previous?.resourceVersion !== lease.resourceVersion) this.seen.set(lease.name, { resourceVersion: lease.resourceVersion, at: now });
    }
    for (const name of [...this.seen.keys()]) if (!listed.has(name)) this.seen.delete(name);
  }

  /** True when `lease` has not changed for longer than its duration (false for a Lease never observed). */
  expired(lease: LeaseRecord, now: number): boolean {
    const seen = this.seen.get(lease.name);
    if (!seen || seen.resourceVersion !== lease.resourceVersion) return false;
    return now - seen.at > lease.leaseDurationSeconds * 1000;
  }
}
