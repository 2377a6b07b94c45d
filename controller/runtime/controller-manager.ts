import { randomBytes } from 'node:crypto';
import { FleetFileCache } from '../manifest/fleet-file-cache.js';
import { loadFleetFromGit } from '../manifest/load-fleet.js';
import type { Fleet } from '../manifest/fleet.js';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from '../manifest/validation-limits.js';
import type { ChartCatalog } from '../plan/chart-catalog.js';
import { chartsOfFleet } from '../plan/desired-state.js';
import type { HelmPort } from '../reconcile/release-ports.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../reconcile/retry-policy.js';
import { loadChartCatalog, type ChartIndexReader } from '../source/chart-index.js';
import { fetchGitSource } from '../source/git-source.js';
import { canonicalJson } from '../plan/config-digest.js';
import type { ShardScope } from '../shard/shard-scope.js';
import { REQUESTED_AT_ANNOTATION } from '../status/requested-at-annotation.js';
import type { Clock } from './clock.js';
import { createClusterConnector, type ClusterConnector } from './cluster-connector.js';
import { CrStore, type CustomResource } from './cr-store.js';
import { DriftCheckTimes } from './drift-check-times.js';
import { createEventRecorder, type EventRecorder } from './event-recorder.js';
import { syncFleet, type ExtensionSummary, type FleetSyncOptions, type FleetSyncResult, type RepositoryCr } from './fleet-sync.js';
import { expectOk, type KubeRest } from './kube-rest.js';
import type { Logger } from './logger.js';
import { recordFleetMetrics, type ControllerMetrics } from './metrics.js';
import { buildRepositoryStatus, type ExtensionRepositoryStatus } from './repository-status.js';
import { RepositorySync, type RepositorySyncPorts } from './repository-sync.js';
import { releaseOrphans } from './release-orphans.js';
import { createSecretReader, type SecretReader } from './secret-reader.js';
import { DEFAULT_WEBHOOK_TOKEN_TTL_MS, WebhookTokenCache, type RepositoryWebhookRef } from './webhook-token-cache.js';

export const DIGEST_KEY_SECRET = 'clusterext-digest-key';

/**
 * A cluster's client (and its release record cache) unused this long is closed: the cluster left
 * the fleet. Well past the longest sync backoff (5 min), so a repository retrying keeps its clients.
 */
export const CLUSTER_CLIENT_IDLE_MS = 30 * 60_000;

/** A failing sync is tried again after 10 s, 20 s, 40 s … at most every 5 min: as the reconciler's quick retries. */
export const DEFAULT_SYNC_RETRY: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'> = { baseDelayMs: DEFAULT_RETRY_POLICY.baseDelayMs, maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs };
export { REQUESTED_AT_ANNOTATION };

export interface ControllerManagerOptions {
  hub: KubeRest;
  namespace: string;
  cacheDir: string;
  /** Agent mode: act on this cluster only, through the hub kubeconfig. */
  agent?: { clusterName: string; kubeconfig: string };
  helm: HelmPort;
  chartIndex: ChartIndexReader;
  clock: Clock;
  logger: Logger;
  metrics?: ControllerMetrics;
  fleet: FleetSyncOptions;
  /** Default DEFAULT_VALIDATION_LIMITS; validate and plan should be given the same. */
  validationLimits?: ValidationLimits;
  /** How long chart indexes are reused before they are read again. */
  chartIndexTtlMs: number;
  /** Upper bound between passes; repositories also have their own fetch interval. */
  resyncIntervalMs: number;
  /** How often, between passes, repositories are checked for a new requested-at annotation. Default 5 s. */
  requestPollIntervalMs?: number;
  /**
   * The wait after a repository's sync failed (SyncFailed) before the same revision is tried again:
   * base, doubling with each failure in a row, up to max. Default 10 s to 5 min.
   */
  syncRetry?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  /** How long the webhook receiver uses a repository list and a token before reading them again. Default 30 s. */
  webhookTokenTtlMs?: number;
  /** Fetching and loading revisions; default git over HTTP and the manifest loader. A seam for tests. */
  repositorySource?: Pick<RepositorySyncPorts, 'fetch' | 'load'>;
  /** Several replicas share the hub (`--shards auto`); see ShardScope. */
  shard?: ShardScope;
}

export interface PassSummary {
  repositories: number;
  releases: number;
  ready: number;
  helmActions: number;
  statusWrites: number;
  apiRequests: number;
  requeueAfterMs?: number;
}

/**
 * Runs the flow of DESIGN.md §3 for every ExtensionRepository in the controller's namespace, one
 * pass at a time. A pass never throws for bad input or an unreachable cluster: those end up in
 * status. Only the entry point wires the real adapters in.
 */
export class ControllerManager {
  private readonly store: CrStore;
  private readonly secrets: SecretReader;
  private readonly events: EventRecorder;
  private readonly connector: ClusterConnector;
  private readonly repositories: RepositorySync;
  private readonly webhookTokens: WebhookTokenCache;
  private hmacKey: Uint8Array | undefined;
  /** Per repository: repositories with different charts must not evict each other's indexes. */
  private readonly catalogCache = new Map<string, { key: string; at: number; value: { catalog: ChartCatalog; warnings: string[] } }>();
  private firstPassDone = false;
  /** Repositories a verified webhook asked to fetch now. */
  private readonly pushed = new Set<string>();
  private wake = new AbortController();
  /** The repositories of the last pass; undefined before the first one. */
  private knownRepositories: Set<string> | undefined;
  /** The requested-at annotation value last acted on, per repository. */
  private readonly handledRequests = new Map<string, string>();
  /**
   * Per repository whose last sync failed (SyncFailed): the revision and generation that failed,
   * the failures in a row, and when the next attempt is due. Cleared by a sync that succeeds; a
   * new revision, a spec change, a webhook or a requested-at annotation tries at once.
   */
  private readonly syncBackoff = new Map<string, { revision: string | undefined; generation: number | undefined; failures: number; retryAt: number }>();
  /** When each Extension was last checked for drift (its own interval, --drift-interval), per repository. */
  private readonly driftCheckedAt = new DriftCheckTimes();

  constructor(private readonly options: ControllerManagerOptions) {
    this.store = new CrStore(options.hub, options.namespace);
    this.secrets = createSecretReader(options.hub, options.namespace);
    this.events = createEventRecorder(options.hub, () => new Date(options.clock.now()));
    this.connector = createClusterConnector({ secrets: this.secrets, now: () => options.clock.now(), ...(options.agent ? { agent: options.agent } : {}) });
    this.webhookTokens = new WebhookTokenCache(
      {
        listRepositories: async () => webhookRefs(await this.store.list<RepositoryCr['spec'], unknown>('ExtensionRepository')),
        readToken: async (name) => (await this.secrets.read(name))?.token,
      },
      { ttlMs: options.webhookTokenTtlMs ?? DEFAULT_WEBHOOK_TOKEN_TTL_MS, now: () => options.clock.now() },
    );
    this.repositories = new RepositorySync(
      {
        fetch: async (o) => {
          const fetched = await (options.repositorySource?.fetch ?? fetchGitSource)(o);
          options.logger.debug({ stage: 'fetched', revision: fetched.commit }, 'repository fetched');
          return fetched;
        },
        // One file cache per repository: successive revisions share most files.
        // The namespace-scoped rules judge the namespace this controller runs in, whatever the limits say.
        load: async (o) => {
          const loaded = await (options.repositorySource?.load ?? ((l) => this.loadWithFileCache(l)))(o);
          options.logger.debug({ stage: 'loaded', revision: loaded.commit, valid: loaded.fleet !== undefined }, 'revision loaded and validated');
          return loaded;
        },
        readCredentials: async (name) => {
          const data = await this.secrets.read(name);
          if (!data) throw new Error(`The git credentials Secret "${name}" does not exist in namespace "${options.namespace}".`);
          return { ...(data.username !== undefined ? { username: data.username } : {}), ...(data.password !== undefined ? { password: data.password } : {}), ...(data.bearerToken !== undefined ? { bearerToken: data.bearerToken } : {}) };
        },
        clock: options.clock,
      },
      `${options.cacheDir}/repositories`,
    );
  }

  private readonly fileCaches = new Map<string, FleetFileCache>();

  /** Loads a revision through the repository's file cache, which then keeps only this revision's files. */
  private async loadWithFileCache(o: { repoDir: string; rev: string; path?: string }): ReturnType<typeof loadFleetFromGit> {
    const cache = this.fileCacheFor(o.repoDir);
    try {
      return await loadFleetFromGit({ ...o, cache, limits: { ...(this.options.validationLimits ?? DEFAULT_VALIDATION_LIMITS), controllerNamespace: this.options.namespace } });
    } finally {
      cache.forgetUntouched();
    }
  }

  private fileCacheFor(repoDir: string): FleetFileCache {
    let cache = this.fileCaches.get(repoDir);
    if (!cache) this.fileCaches.set(repoDir, (cache = new FleetFileCache()));
    return cache;
  }

  get ready(): boolean {
    return this.firstPassDone;
  }

  /**
   * One pass over every repository. Once `signal` aborts or `mayAct` says no (the Lease is lost or
   * about to be, or shutdown), no further helm operation starts; the pass ends with those running.
   */
  async runOnce(signal?: AbortSignal, mayAct?: () => boolean): Promise<PassSummary> {
    const stopped = signal || mayAct ? { aborted: () => signal?.aborted === true || mayAct?.() === false } : undefined;
    this.options.logger.debug({ stage: 'pass-started' }, 'pass started');
    const requestsBefore = this.options.hub.requestCount;
    const summary: PassSummary = { repositories: 0, releases: 0, ready: 0, helmActions: 0, statusWrites: 0, apiRequests: 0 };
    const hmacKey = await this.digestKey();
    const repos = await this.store.list<RepositoryCr['spec'], ExtensionRepositoryStatus>('ExtensionRepository');
    this.webhookTokens.observeRepositories(webhookRefs(repos));
    this.forgetDeletedRepositories(repos);
    const extensions: ExtensionSummary[] = [];
    const applied = new Map<string, string>();
    for (const repo of repos) {
      summary.repositories += 1;
      if (stopped?.aborted()) break;
      const typed = repo as RepositoryCr & { status?: ExtensionRepositoryStatus };
      let result: FleetSyncResult & { appliedRevision?: string };
      try {
        result = await this.syncRepository(typed, hmacKey, stopped);
      } catch (err) {
        // One repository's trouble stays in that repository (DESIGN.md §3): whatever failed, it
        // gets a condition and the pass goes on with the next one.
        result = await this.reportSyncFailure(typed, err);
      }
      extensions.push(...result.extensions);
      if (result.appliedRevision) applied.set(repo.metadata.name, result.appliedRevision);
      summary.releases += result.releases;
      summary.ready += result.ready;
      summary.helmActions += result.helmActions;
      summary.statusWrites += result.statusWrites;
      if (result.requeueAfterMs !== undefined) summary.requeueAfterMs = Math.min(summary.requeueAfterMs ?? Infinity, result.requeueAfterMs);
    }
    // A pass cut short (Lease lost, shutdown) saw only part of the fleet: it removes nothing and
    // records no fleet-wide metrics.
    // Sharded, each replica records the Extensions of its own shard; only the writer lets go of orphans.
    if (!stopped?.aborted()) {
      if (this.writesRepositories()) await this.releaseOrphansOfDeletedRepositories(new Set(repos.map((r) => r.metadata.name)));
      if (this.options.metrics) recordFleetMetrics(this.options.metrics, { extensions, appliedRevisions: applied });
      this.connector.closeIdle(Math.max(CLUSTER_CLIENT_IDLE_MS, 3 * this.options.resyncIntervalMs));
    }
    summary.apiRequests = this.options.hub.requestCount - requestsBefore;
    this.firstPassDone = true;
    return summary;
  }

  /**
   * What this process keeps per repository (chart indexes, fetched revisions, file checks, sync
   * backoff, handled requests, drift check times) goes with the repository: a repository deleted,
   * or deleted and created again, starts afresh, and churn does not grow memory.
   */
  private forgetDeletedRepositories(repos: readonly CustomResource<unknown, unknown>[]): void {
    const listed = new Set(repos.map((r) => `${r.metadata.namespace}/${r.metadata.name}`));
    const names = new Set(repos.map((r) => r.metadata.name));
    for (const key of this.catalogCache.keys()) if (!listed.has(key)) this.catalogCache.delete(key);
    for (const key of this.syncBackoff.keys()) if (!listed.has(key)) this.syncBackoff.delete(key);
    for (const name of this.handledRequests.keys()) if (!names.has(name)) this.handledRequests.delete(name);
    for (const key of this.repositories.keys()) {
      if (listed.has(key)) continue;
      const repoDir = this.repositories.repoDirOf(key);
      if (repoDir !== undefined) this.fileCaches.delete(repoDir);
      this.repositories.forget(key);
    }
    this.driftCheckedAt.retainRepositories(listed);
  }

  /**
   * CRs of a repository can only be orphaned by its deletion, so they are looked for on the first pass
   * (a repository deleted while no controller ran) and whenever a repository known before is gone;
   * a steady pass costs no extra list. A failed attempt is repeated on the next pass.
   */
  private async releaseOrphansOfDeletedRepositories(repositories: ReadonlySet<string>): Promise<void> {
    const known = this.knownRepositories;
    if (known !== undefined && [...known].every((name) => repositories.has(name))) {
      this.knownRepositories = new Set(repositories);
      return;
    }
    const released = await releaseOrphans({ store: this.store, events: this.events, repositories });
    if (released > 0) this.options.logger.info({ released }, 'let go of the resources of deleted repositories; their releases are left in place');
    this.knownRepositories = new Set(repositories);
  }

  /** Without shards this controller writes repositories; with shards, the replica holding the controller Lease. */
  private writesRepositories(): boolean {
    return this.options.shard === undefined || this.options.shard.writesRepository();
  }

  /** Starts the next pass now (sharded: this replica has just gained clusters). */
  wakeUp(): void {
    this.wake.abort();
  }

  /** Fetch `repository` at the next pass, and start that pass now (a verified webhook). */
  requestSync(repository: string): void {
    this.pushed.add(repository);
    this.wake.abort();
  }

  /**
   * Records the request on the repository itself, so the replica that holds the Lease acts on it
   * even when the webhook reached a standby one.
   */
  async announceSync(repository: string): Promise<void> {
    await this.store.annotate('ExtensionRepository', repository, { [REQUESTED_AT_ANNOTATION]: new Date(this.options.clock.now()).toISOString() });
  }

  /**
   * The webhook token of a repository in this namespace, from its spec.webhookSecretRef Secret
   * (key `token`), through a cache: a flood of webhook requests costs no API requests.
   */
  webhookToken(repository: string): Promise<string | undefined> {
    return this.webhookTokens.tokenFor(repository);
  }

  /**
   * Passes until `signal` aborts: at the resync interval, sooner when a release asked to be
   * requeued or a webhook arrived. `mayAct` is asked before each helm operation (see runOnce).
   */
  async run(signal: AbortSignal, mayAct?: () => boolean): Promise<void> {
    while (!signal.aborted) {
      let wait = this.options.resyncIntervalMs;
      try {
        const summary = await this.runOnce(signal, mayAct);
        this.options.logger.info({ ...summary, stage: 'pass-finished' }, 'pass finished');
        if (summary.requeueAfterMs !== undefined) wait = Math.max(1000, Math.min(wait, summary.requeueAfterMs));
      } catch (err) {
        this.options.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'pass failed; retrying');
        wait = Math.min(wait, 10_000);
      }
      if (this.wake.signal.aborted) this.wake = new AbortController();
      await this.waitForNextPass(wait, signal);
    }
  }

  /** Sleeps up to `ms`, in slices, ending early for a local wake-up or a new requested-at annotation. */
  private async waitForNextPass(ms: number, signal: AbortSignal): Promise<void> {
    const slice = this.options.requestPollIntervalMs ?? 5_000;
    const until = this.options.clock.now() + ms;
    while (this.pushed.size === 0 && !signal.aborted && !this.wake.signal.aborted) {
      const left = until - this.options.clock.now();
      if (left <= 0) return;
      await this.options.clock.sleep(Math.min(slice, left), AbortSignal.any([signal, this.wake.signal]));
      if (left > slice && (await this.hasNewRequest())) return;
    }
  }

  private async hasNewRequest(): Promise<boolean> {
    try {
      const repos = await this.store.list<unknown, unknown>('ExtensionRepository');
      return repos.some((r) => {
        const requested = r.metadata.annotations?.[REQUESTED_AT_ANNOTATION];
        return requested !== undefined && requested !== this.handledRequests.get(r.metadata.name);
      });
    } catch {
      return false;
    }
  }

  close(): void {
    this.connector.close();
  }

  /** Syncs one repository; `appliedRevision` is the revision in force after it. */
  private async syncRepository(repo: RepositoryCr & { status?: ExtensionRepositoryStatus }, hmacKey: Uint8Array, stopped?: { aborted(): boolean }): Promise<FleetSyncResult & { appliedRevision?: string }> {
    const key = `${repo.metadata.namespace}/${repo.metadata.name}`;
    const log = this.options.logger.child({ repository: repo.metadata.name });
    const empty: FleetSyncResult = { warnings: [], releases: 0, ready: 0, helmActions: 0, statusWrites: 0, extensions: [] };
    let outcome;
    const requested = repo.metadata.annotations?.[REQUESTED_AT_ANNOTATION];
    let force = false;
    try {
      const newRequest = requested !== undefined && requested !== this.handledRequests.get(repo.metadata.name);
      if (requested !== undefined) this.handledRequests.set(repo.metadata.name, requested);
      // Sharded, a replica other than the writer catches up at once with what the writer applied.
      const behindWriter = !this.writesRepositories() && repo.status?.lastAppliedRevision !== undefined && repo.status.lastAppliedRevision !== this.repositories.inForce(key);
      force = this.pushed.delete(repo.metadata.name) || newRequest || behindWriter;
      outcome = await this.repositories.sync({ key, generation: repo.metadata.generation, spec: repo.spec, lastAppliedRevision: repo.status?.lastAppliedRevision, force });
    } catch (err) {
      outcome = { good: undefined, lastFetchedRevision: undefined, rejected: undefined, fetchError: err instanceof Error ? err.message : String(err), warnings: [] };
    }
    let result = empty;
    let held: string | undefined;
    let rejected = outcome.rejected;
    let good = outcome.good;
    const backoff = this.syncBackoff.get(key);
    if (good && backoff) {
      const now = this.options.clock.now();
      const sameAttempt = !force && backoff.revision === good.commit && backoff.generation === repo.metadata.generation;
      // Still waiting after a failed sync: no writes, and the SyncFailed condition stays as it is.
      if (sameAttempt && now < backoff.retryAt) {
        const applied = repo.status?.lastAppliedRevision;
        return { ...empty, requeueAfterMs: backoff.retryAt - now, ...(applied ? { appliedRevision: applied } : {}) };
      }
      if (!sameAttempt) this.syncBackoff.delete(key);
    }
    if (good) {
      result = await syncFleet(repo, good, this.fleetDeps(key, hmacKey, log, stopped));
      this.syncBackoff.delete(key);
      if (result.rejected) {
        const demoted = this.repositories.reject(key, result.rejected);
        rejected = demoted?.rejected;
        good = demoted?.good;
        // Apply the previous good revision instead, if there is one in memory.
        result = good ? await syncFleet(repo, good, this.fleetDeps(key, hmacKey, log, stopped)) : empty;
      }
      held = result.held;
    }
    // A pass cut short (Lease lost, shutdown) did not see every release: its summary is not written.
    // Sharded, only the writer writes the repository's status.
    if (stopped?.aborted() || !this.writesRepositories()) return { ...result, ...(repo.status?.lastAppliedRevision ? { appliedRevision: repo.status.lastAppliedRevision } : {}) };
    if (rejected) log.warn({ revision: rejected.commit, errors: rejected.diagnostics.length }, 'revision rejected');
    if (held) log.warn({}, held);
    const status = buildRepositoryStatus({
      previous: repo.status,
      generation: repo.metadata.generation ?? 1,
      now: new Date(this.options.clock.now()),
      lastFetchedRevision: outcome.lastFetchedRevision,
      appliedRevision: good && !held ? good.commit : undefined,
      fetchError: outcome.fetchError,
      rejected,
      held,
      ...(requested !== undefined ? { handledRequest: requested } : {}),
      summary: result.repositorySummary ?? { releases: result.releases, ready: result.ready },
    });
    if (!repo.status || canonicalJson(repo.status) !== canonicalJson(status)) {
      await this.store.writeStatus('ExtensionRepository', repo.metadata.name, status);
      this.options.metrics?.statusWrites.inc({ kind: 'ExtensionRepository' });
      result = { ...result, statusWrites: result.statusWrites + 1 };
    }
    return { ...result, ...(status.lastAppliedRevision ? { appliedRevision: status.lastAppliedRevision } : {}) };
  }

  /**
   * Records that syncing `repo` failed with an error nothing else handled: Ready False and Stalled
   * with reason SyncFailed. The revision is not recorded as applied, and nothing is uninstalled
   * for it: removals happen only inside a sync that got that far. The same revision is tried
   * again after a capped exponential backoff (syncRetry, the reconciler's backoffDelayMs).
   */
  private async reportSyncFailure(repo: RepositoryCr & { status?: ExtensionRepositoryStatus }, err: unknown): Promise<FleetSyncResult & { appliedRevision?: string }> {
    const applied = repo.status?.lastAppliedRevision;
    const result: FleetSyncResult & { appliedRevision?: string } = { warnings: [], releases: 0, ready: 0, helmActions: 0, statusWrites: 0, extensions: [], ...(applied ? { appliedRevision: applied } : {}) };
    const log = this.options.logger.child({ repository: repo.metadata.name });
    const why = describeSyncError(err);
    log.error({ err: why }, 'repository sync failed; the other repositories go on');
    const key = `${repo.metadata.namespace}/${repo.metadata.name}`;
    const revision = this.repositories.inForce(key);
    const generation = repo.metadata.generation;
    const previous = this.syncBackoff.get(key);
    const failures = previous && previous.revision === revision && previous.generation === generation ? previous.failures + 1 : 1;
    const retryAfterMs = backoffDelayMs(failures, this.options.syncRetry ?? DEFAULT_SYNC_RETRY);
    this.syncBackoff.set(key, { revision, generation, failures, retryAt: this.options.clock.now() + retryAfterMs });
    result.requeueAfterMs = retryAfterMs;
    if (!this.writesRepositories()) return result;
    try {
      const status = buildRepositoryStatus({
        previous: repo.status,
        generation: repo.metadata.generation ?? 1,
        now: new Date(this.options.clock.now()),
        lastFetchedRevision: this.repositories.lastFetched(key),
        appliedRevision: undefined,
        fetchError: undefined,
        rejected: undefined,
        held: undefined,
        syncError: { revision, message: why, failures, retryAfterMs },
        // The request was acted on, if only to fail: `reconcile --wait` reports this failure.
        ...(repo.metadata.annotations?.[REQUESTED_AT_ANNOTATION] !== undefined ? { handledRequest: repo.metadata.annotations[REQUESTED_AT_ANNOTATION] } : {}),
      });
      if (!repo.status || canonicalJson(repo.status) !== canonicalJson(status)) {
        await this.store.writeStatus('ExtensionRepository', repo.metadata.name, status);
        this.options.metrics?.statusWrites.inc({ kind: 'ExtensionRepository' });
        result.statusWrites += 1;
      }
    } catch (statusErr) {
      log.error({ err: describeSyncError(statusErr) }, 'could not record the failed sync on the repository');
    }
    return result;
  }

  private fleetDeps(repositoryKey: string, hmacKey: Uint8Array, logger: Logger, stopped?: { aborted(): boolean }) {
    return {
      ...(stopped ? { mayAct: () => !stopped.aborted() } : {}),
      ...(this.options.shard ? { shard: this.options.shard } : {}),
      store: this.store,
      secrets: this.secrets,
      connector: this.connector,
      loadCatalog: (fleet: Fleet) => this.loadCatalog(repositoryKey, fleet),
      helm: this.options.helm,
      clock: { now: () => new Date(this.options.clock.now()), sleep: (ms: number, signal: AbortSignal) => this.options.clock.sleep(ms, signal) },
      events: this.events,
      logger,
      hmacKey,
      controllerNamespace: this.options.namespace,
      ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
      options: this.options.fleet,
      driftCheckedAt: this.driftCheckedAt.of(repositoryKey),
    };
  }

  private async loadCatalog(repositoryKey: string, fleet: Fleet): Promise<{ catalog: ChartCatalog; warnings: string[] }> {
    const charts = chartsOfFleet(fleet);
    const key = canonicalJson(charts);
    const now = this.options.clock.now();
    const cached = this.catalogCache.get(repositoryKey);
    if (cached && cached.key === key && now - cached.at < this.options.chartIndexTtlMs) return cached.value;
    const value = await loadChartCatalog({ charts, reader: this.options.chartIndex });
    this.catalogCache.set(repositoryKey, { key, at: now, value });
    return value;
  }

  /**
   * The HMAC key for protected-settings digests, kept in a Secret of the controller's namespace so
   * every replica (and a restarted controller) computes the same digests. Created on first start.
   */
  private async digestKey(): Promise<Uint8Array> {
    if (this.hmacKey) return this.hmacKey;
    const existing = await this.secrets.read(DIGEST_KEY_SECRET);
    if (existing?.key) {
      this.hmacKey = Buffer.from(existing.key, 'utf8');
      return this.hmacKey;
    }
    const key = randomBytes(32).toString('hex');
    const res = await this.options.hub.request({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/secrets`,
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: DIGEST_KEY_SECRET, namespace: this.options.namespace }, type: 'Opaque', stringData: { key } },
    });
    if (res.status === 409) return this.digestKey();
    expectOk(res, `Creating Secret "${DIGEST_KEY_SECRET}"`);
    this.hmacKey = Buffer.from(key, 'utf8');
    return this.hmacKey;
  }
}

function webhookRefs(repos: readonly CustomResource<RepositoryCr['spec'], unknown>[]): RepositoryWebhookRef[] {
  return repos.map((r) => ({ name: r.metadata.name, webhookSecret: r.spec.webhookSecretRef?.name }));
}

/** The first line of an error, bounded: it goes into a condition message and a log line. */
function describeSyncError(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  const bounded = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return /[.!?…]$/.test(bounded) ? bounded : `${bounded}.`;
}
