import type { Clock } from '../runtime/clock.js';
import type { KubeRest } from '../runtime/kube-rest.js';
import { LeaderElector } from '../runtime/leader-election.js';
import type { Logger } from '../runtime/logger.js';
import type { ControllerMetrics } from '../runtime/metrics.js';
import { assignClusters } from './assign-clusters.js';
import { ObservedLeases } from './observed-leases.js';
import { planClaims, type ClaimView } from './plan-claims.js';
import { CLAIM_CLUSTER_ANNOTATION, claimLeaseName, leaseRecord, memberLeaseName, microTime, ShardLeases, type ShardLease } from './shard-leases.js';
import type { ShardScope } from './shard-scope.js';

/** The Lease of the one replica that writes repositories; the same one leader election uses. */
export const REPOSITORY_WRITER_LEASE = 'clusterext-controller';

export interface ShardCoordinatorOptions {
  kube: KubeRest;
  namespace: string;
  identity: string;
  leaseDurationMs: number;
  clock: Clock;
  logger: Logger;
  /** The names of the clusters to share out: the ConnectedClusters recorded in the hub. */
  listClusters(): Promise<string[]>;
  metrics?: ControllerMetrics;
  /** Called when this replica gains clusters, so that a pass starts for them at once. */
  onGained?(clusters: string[]): void;
}

/**
 * Shares a hub's clusters among its replicas (`--shards auto`). Each replica renews a member Lease;
 * every tick (a fifth of the lease duration) it lists the live members, assigns the ConnectedClusters
 * over them by rendezvous hashing, and takes, renews or gives up one claim Lease per cluster as
 * planClaims says. It acts on a cluster only while it holds that cluster's claim and has renewed both
 * the claim and its membership within two thirds of the lease duration (client-go's renew deadline),
 * so a replica that is paused, partitioned or shutting down starts nothing new; a claim changes hands
 * only once given up (when idle) or expired. The holder of the controller Lease also writes the
 * repositories (one writer).
 */
export class ShardCoordinator implements ShardScope {
  private readonly leases: ShardLeases;
  private readonly elector: LeaderElector;
  private readonly observedMembers = new ObservedLeases();
  private readonly observedClaims = new ObservedLeases();
  private readonly held = new Map<string, { renewedAt: number }>();
  private readonly busy = new Map<string, number>();
  private assigned = new Set<string>();
  private memberRenewedAt: number | undefined;
  private leaderRenewedAt: number | undefined;
  private stopping = false;
  private liveMembers = 0;
  private reportedOwned = '';
  private readonly abort = new AbortController();
  private nudge = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ShardCoordinatorOptions) {
    this.leases = new ShardLeases(options.kube, options.namespace);
    this.elector = new LeaderElector({ kube: options.kube, namespace: options.namespace, name: REPOSITORY_WRITER_LEASE, identity: options.identity, leaseDurationMs: options.leaseDurationMs, clock: options.clock });
  }

  get tickMs(): number {
    return Math.max(200, Math.floor(this.options.leaseDurationMs / 5));
  }

  private get renewDeadlineMs(): number {
    return Math.floor((this.options.leaseDurationMs * 2) / 3);
  }

  private get durationSeconds(): number {
    return Math.ceil(this.options.leaseDurationMs / 1000);
  }

  start(): void {
    this.loop ??= (async () => {
      while (!this.abort.signal.aborted) {
        await this.tick().catch((err: unknown) => this.options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'shard coordination failed this tick; retrying'));
        await this.options.clock.sleep(this.tickMs, AbortSignal.any([this.abort.signal, this.nudge.signal]));
        if (this.nudge.signal.aborted) this.nudge = new AbortController();
      }
    })();
  }

  /** Shutdown begins: nothing new starts, idle clusters are given up at the next tick, busy ones when they end. */
  beginStop(): void {
    this.stopping = true;
    this.nudge.abort();
  }

  /** After the last operation ended: gives up every claim, the membership and the writer Lease at once. */
  async close(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.loop;
    await this.tick().catch(() => undefined);
    await this.leases.delete(memberLeaseName(this.options.identity)).catch(() => undefined);
    await this.elector.release().catch(() => undefined);
    this.options.metrics?.shardClusters.set(0);
    this.options.metrics?.shardOwned.reset();
  }

  owns(cluster: string): boolean {
    const now = this.options.clock.now();
    const claim = this.held.get(cluster);
    return !this.stopping && this.memberRenewedAt !== undefined && now - this.memberRenewedAt < this.renewDeadlineMs && this.assigned.has(cluster) && claim !== undefined && now - claim.renewedAt < this.renewDeadlineMs;
  }

  enter(cluster: string): (() => void) | undefined {
    if (!this.owns(cluster)) return undefined;
    this.busy.set(cluster, (this.busy.get(cluster) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const n = (this.busy.get(cluster) ?? 1) - 1;
      if (n > 0) this.busy.set(cluster, n);
      else this.busy.delete(cluster);
    };
  }

  writesRepository(): boolean {
    return !this.stopping && this.leaderRenewedAt !== undefined && this.options.clock.now() - this.leaderRenewedAt < this.renewDeadlineMs;
  }

  /** The clusters this replica acts on now, sorted. */
  owned(): string[] {
    return [...this.held.keys()].filter((c) => this.owns(c)).sort();
  }

  /**
   * One round: membership, writer Lease, assignment, claims. What this replica owns is reported
   * even when the round fails (cut off from the API server, it owns less and less). Public for
   * tests that drive the clock.
   */
  async tick(): Promise<void> {
    try {
      await this.round();
    } finally {
      this.report();
    }
  }

  private async round(): Promise<void> {
    const { identity, clock } = this.options;
    const startedAt = clock.now();
    const members = await this.leases.list('member');
    this.observedMembers.observe(members.map((l) => leaseRecord(l, this.durationSeconds)), startedAt);
    const own = members.find((l) => l.metadata.name === memberLeaseName(identity));
    if (!this.stopping) await this.renewMembership(own, startedAt);
    // Leaving: the others stop counting this replica at once and take over each claim it gives up.
    else if (own) await this.leases.delete(own.metadata.name);
    if (!this.stopping) {
      const leading = await this.elector.tryAcquireOrRenew().catch(() => false);
      this.leaderRenewedAt = leading ? startedAt : undefined;
      this.options.metrics?.repositoryWriter.set(leading ? 1 : 0);
    }
    const memberCurrent = this.memberRenewedAt !== undefined && clock.now() - this.memberRenewedAt < this.renewDeadlineMs;
    const live = members
      .filter((l) => l.spec.holderIdentity && l.spec.holderIdentity !== identity && !this.observedMembers.expired(leaseRecord(l, this.durationSeconds), startedAt))
      .map((l) => l.spec.holderIdentity!);
    if (memberCurrent) live.push(identity);
    this.liveMembers = live.length;
    // Not listed (undefined) while leaving or while this replica's own membership is not current.
    const listed = this.stopping || !memberCurrent ? undefined : await this.options.listClusters();
    const clusters = listed ?? [];
    const owners = assignClusters({ members: live, clusters });
    // Set before the claims are read: from here on nothing starts on a cluster that moved away.
    this.assigned = new Set(clusters.filter((c) => owners.get(c) === identity));

    const claimLeases = await this.leases.list('claim');
    const claimedAt = clock.now();
    this.observedClaims.observe(claimLeases.map((l) => leaseRecord(l, this.durationSeconds)), claimedAt);
    const byCluster = new Map<string, ShardLease>();
    const views = new Map<string, ClaimView>();
    for (const lease of claimLeases) {
      const cluster = lease.metadata.annotations?.[CLAIM_CLUSTER_ANNOTATION];
      if (!cluster) continue;
      byCluster.set(cluster, lease);
      views.set(cluster, { holder: lease.spec.holderIdentity || undefined, expired: this.observedClaims.expired(leaseRecord(lease, this.durationSeconds), claimedAt) });
    }
    // A claim this replica thought it held but whose holder changed (it expired while this replica
    // was paused, and another took it) is gone.
    for (const cluster of [...this.held.keys()]) if (views.get(cluster)?.holder !== identity) this.held.delete(cluster);

    const gained: string[] = [];
    const steps = planClaims({ self: identity, assigned: this.assigned, claims: views, busy: new Set(this.busy.keys()), stopping: this.stopping });
    for (const step of steps) {
      const lease = byCluster.get(step.cluster);
      const now = microTime(startedAt);
      if (step.action === 'acquire') {
        const ok = lease
          ? await this.leases.update(lease, { ...lease.spec, holderIdentity: identity, leaseDurationSeconds: this.durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 })
          : await this.leases.create({ name: claimLeaseName(step.cluster), role: 'claim', holder: identity, durationSeconds: this.durationSeconds, now: startedAt, annotations: { [CLAIM_CLUSTER_ANNOTATION]: step.cluster } });
        if (ok) {
          this.held.set(step.cluster, { renewedAt: startedAt });
          gained.push(step.cluster);
          this.options.metrics?.shardClaims.inc({ action: 'acquired' });
          this.options.logger.info({ cluster: step.cluster, from: lease?.spec.holderIdentity || undefined }, 'claimed cluster');
        }
      } else if (step.action === 'renew' && lease) {
        const ok = await this.leases.update(lease, { ...lease.spec, leaseDurationSeconds: this.durationSeconds, renewTime: now });
        if (ok) this.held.set(step.cluster, { renewedAt: startedAt });
        else this.held.delete(step.cluster);
      } else if (step.action === 'release' && lease) {
        // Forgotten before the write: from here on this replica starts nothing there.
        this.held.delete(step.cluster);
        // The claim of a cluster that left the fleet goes with it; the others are given up.
        if (listed !== undefined && !listed.includes(step.cluster)) await this.leases.delete(lease.metadata.name, lease.metadata.resourceVersion);
        else await this.leases.update(lease, { ...lease.spec, holderIdentity: '' });
        this.options.metrics?.shardClaims.inc({ action: 'released' });
        this.options.logger.info({ cluster: step.cluster, reason: step.reason }, 'released cluster');
      }
    }
    if (gained.length > 0) this.options.onGained?.(gained);
  }

  private async renewMembership(lease: ShardLease | undefined, now: number): Promise<void> {
    const { identity } = this.options;
    const ok = lease
      ? await this.leases.update(lease, { ...lease.spec, holderIdentity: identity, leaseDurationSeconds: this.durationSeconds, renewTime: microTime(now) })
      : await this.leases.create({ name: memberLeaseName(identity), role: 'member', holder: identity, durationSeconds: this.durationSeconds, now });
    if (ok) this.memberRenewedAt = now;
  }

  private report(): void {
    const owned = this.owned();
    const metrics = this.options.metrics;
    if (metrics) {
      metrics.shardMembers.set(this.liveMembers);
      metrics.shardClusters.set(owned.length);
      metrics.shardOwned.reset();
      for (const cluster of owned) metrics.shardOwned.set({ cluster }, 1);
    }
    const key = owned.join(',');
    if (key !== this.reportedOwned) {
      this.reportedOwned = key;
      this.options.logger.info({ owned, members: this.liveMembers }, 'shard changed');
    }
  }
}
