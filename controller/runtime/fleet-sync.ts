import pLimit from 'p-limit';
import { listClusterReleaseHeads, type ClusterReleaseHeads } from '../cluster/cluster-release-heads.js';
import { createReleaseStorage } from '../cluster/release-storage.js';
import { readLiveObjects, readReleaseObjects } from '../cluster/read-release-objects.js';
import { createReleaseNamespace } from '../cluster/release-namespace.js';
import { ensureNamespaceIdentity } from '../cluster/ensure-namespace-identity.js';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { ConnectedClusterManifest, ExtensionSpec, Fleet } from '../manifest/fleet.js';
import { DEFAULT_CONTROLLER_NAMESPACE, systemNamespaceViolation } from '../manifest/system-namespace.js';
import type { ChartCatalog } from '../plan/chart-catalog.js';
import { canonicalJson } from '../plan/config-digest.js';
import type { DesiredRelease } from '../plan/desired-release.js';
import { computeDesiredStateOver, type DesiredState } from '../plan/desired-state.js';
import { expandPolicies } from '../plan/expand-policies.js';
import { findBlastRadius } from '../plan/blast-radius.js';
import { computeReleaseOperations, type CurrentRelease, type ReleaseOperation } from '../plan/release-operations.js';
import { applyProtectedSettings } from '../reconcile/apply-protected-settings.js';
import { checkRequirements, type InstalledExtension, type RequirementsResult } from '../reconcile/check-requirements.js';
import type { ClusterFacts } from '../reconcile/cluster-facts.js';
import type { Clock as ReconcileClock } from '../reconcile/clock.js';
import type { ReleaseObject } from '../reconcile/object-readiness.js';
import { reconcileRelease, type ReconcilePolicy, type ReconcileReleaseResult } from '../reconcile/reconcile-release.js';
import type { HelmPort, ReleaseStoragePort } from '../reconcile/release-ports.js';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { ShardScope } from '../shard/shard-scope.js';
import type { ExtensionStatus } from '../status/extension-status.js';
import type { ProvisioningState } from '../status/provisioning-state.js';
import { findCondition, type ConditionReason } from '../status/condition.js';
import { REQUESTED_AT_ANNOTATION } from '../status/requested-at-annotation.js';
import { holdForBlastRadius, ALLOW_UNINSTALL_ANNOTATION } from './blast-radius.js';
import { installedReleasesOfCrs } from './installed-releases-of-crs.js';
import type { ClusterConnection, ClusterConnector } from './cluster-connector.js';
import type { CrStore, CustomResource } from './cr-store.js';
import type { EventRecorder } from './event-recorder.js';
import type { Logger } from './logger.js';
import { OperationSlots } from './operation-slots.js';
import type { ControllerMetrics } from './metrics.js';
import { buildMirroredResources, extensionCrName, REPOSITORY_LABEL, REVISION_LABEL, UNINSTALL_FINALIZER, type MirroredResource } from './mirrored-resources.js';
import type { ExtensionRepositorySpec, GoodRevision } from './repository-sync.js';
import { buildClusterStatus, buildExtensionTypeStatuses, buildPolicyStatuses, type ConnectedClusterStatus, type ExtensionPolicyStatus, type ExtensionTypeStatus } from './resource-statuses.js';
import { protectedSettingsSecretRefusal } from './protected-settings-secret.js';
import { retainExtensions } from './drift-check-times.js';
import { stageMarkedHelm } from './stage-marked-helm.js';
import { DEFAULT_DRIFT_INTERVAL_MS, isDriftCheckDue, runExtensionDriftCheck } from './extension-drift-check.js';
import type { KubeRest } from './kube-rest.js';
import type { SecretReader } from './secret-reader.js';

/**
 * The `controller` command's helm concurrency. Helm waits for every install, upgrade and rollback to
 * be rolled out (the default `--wait=watcher`), so most of an operation is waiting: with the helm
 * helper a waiting operation is a goroutine and a watch, not a process. A commit that changes up to
 * 8 Extensions of a cluster (16 in all) rolls them out together instead of in waves, each wave
 * adding a whole rollout to the time from commit to Ready (issue 12: 4 per cluster and 8 in all
 * made one commit to 10 Extensions on 2 clusters two waves). With `--helm-driver cli` each slot is a
 * helm process: lower them where memory is tight.
 */
export const DEFAULT_FLEET_CONCURRENCY: Readonly<Pick<FleetSyncOptions, 'concurrency' | 'clusterConcurrency'>> = { concurrency: 16, clusterConcurrency: 8 };

export interface FleetSyncOptions {
  /** helm operations at once across all clusters. */
  concurrency: number;
  /** helm operations at once on one cluster. */
  clusterConcurrency: number;
  /** Blast-radius guard: the largest share of managed releases one revision may uninstall at once. */
  maxUninstallShare: number;
  reconcilePolicy: Partial<ReconcilePolicy>;
  /** How often lastContactTime of a reachable ConnectedCluster is refreshed. */
  contactIntervalMs: number;
  /** Time between two drift checks of one Extension; default DEFAULT_DRIFT_INTERVAL_MS. */
  driftIntervalMs?: number;
}

export interface FleetSyncDeps {
  store: CrStore;
  secrets: SecretReader;
  connector: ClusterConnector;
  /** The chart versions of the fleet's charts (cached by the caller). */
  loadCatalog(fleet: Fleet): Promise<{ catalog: ChartCatalog; warnings: string[] }>;
  helm: HelmPort;
  clock: ReconcileClock;
  events: EventRecorder;
  logger: Logger;
  /** Key of the HMAC over protected settings. */
  hmacKey: Uint8Array;
  /** The namespace the controller runs in, a system namespace for systemNamespaceViolation; DEFAULT_CONTROLLER_NAMESPACE when absent. */
  controllerNamespace?: string;
  metrics?: ControllerMetrics;
  options: FleetSyncOptions;
  /**
   * False once this replica must not start another helm operation: its Lease is lost, or it is
   * shutting down. Checked before each release, so a pass already running stops acting at once;
   * operations already started finish (or are cancelled by the caller).
   */
  mayAct?: () => boolean;
  /**
   * Several replicas share the hub (`--shards auto`): releases are reconciled only on the clusters
   * this replica owns, and only the repository writer mirrors CRs and removes what left git.
   */
  shard?: ShardScope;
  /**
   * When each Extension (by CR name) of this repository was last checked for drift, kept by the
   * caller across passes (DriftCheckTimes.of); the sync prunes it to the CRs it lists. Without it
   * no drift check runs.
   */
  driftCheckedAt?: Map<string, number>;
}

export type RepositoryCr = CustomResource<ExtensionRepositorySpec, Record<string, unknown>>;
type ExtensionCr = CustomResource<ExtensionSpec, ExtensionStatus>;

export interface FleetSyncResult {
  /** Error diagnostics of the desired state: the revision must be treated as rejected. */
  rejected?: Diagnostic[];
  /** Set when the blast-radius guard holds the revision. */
  held?: string;
  warnings: string[];
  requeueAfterMs?: number;
  releases: number;
  ready: number;
  helmActions: number;
  statusWrites: number;
  /** Each Extension reconciled in this sync, as its status now says (for the metrics). */
  extensions: ExtensionSummary[];
  /**
   * Sharded: the releases of the whole repository and how many are Ready, counting those other
   * replicas reconcile as their CRs say (releases and ready above count this replica's only).
   */
  repositorySummary?: { releases: number; ready: number };
}

export interface ExtensionSummary {
  cluster: string;
  ready: boolean;
  provisioningState: ProvisioningState;
}

/**
 * Applies one good revision of one repository to the fleet (DESIGN.md §3): versions resolved,
 * CRs mirrored, removed Extensions uninstalled (behind the blast-radius guard and a finalizer),
 * and every release observed → decided → acted on → observed again, within concurrency limits.
 * A release that is already deployed from the desired configDigest costs one read of Helm's
 * storage: no helm process, no status write.
 */
export async function syncFleet(repository: RepositoryCr, good: GoodRevision, deps: FleetSyncDeps): Promise<FleetSyncResult> {
  const repoName = repository.metadata.name;
  const revision = good.commit;
  const now = deps.clock.now();
  const result: FleetSyncResult = { warnings: [], releases: 0, ready: 0, helmActions: 0, statusWrites: 0, extensions: [] };
  const selector = `${REPOSITORY_LABEL}=${repoName}`;

  const shard = deps.shard;
  const [existingExtensions, connections, { catalog, warnings }] = await Promise.all([
    deps.store.list<ExtensionSpec, ExtensionStatus>('Extension', selector),
    // Sharded, a replica reaches only the clusters it owns: the others are other replicas' work.
    connectAll(shard ? good.fleet.clusters.filter((c) => shard.owns(c.metadata.name)) : good.fleet.clusters, deps.connector),
    deps.loadCatalog(good.fleet),
  ]);
  result.warnings.push(...warnings);
  if (deps.driftCheckedAt) retainExtensions(deps.driftCheckedAt, new Set(existingExtensions.map((cr) => cr.metadata.name)));
  // The clusters this controller's hub covers: sharded, the whole fleet (each replica acts on its
  // share of it); otherwise those it connects to (in agent mode, its own).
  const ownClusters = shard ? new Set(good.fleet.clusters.map((c) => c.metadata.name)) : new Set([...connections.keys()]);

  const desired = computeDesiredStateOver({ fleet: good.fleet, catalog, installed: installedReleasesOfCrs(existingExtensions) });
  const errors = desired.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return { ...result, rejected: errors };

  const instances = expandPolicies(good.fleet).instances.filter((i) => ownClusters.has(i.cluster));
  const mirrored = buildMirroredResources({ fleet: good.fleet, instances, repository: repoName, revision });
  const wanted = new Set(mirrored.filter((m) => m.kind === 'Extension').map((m) => m.name));
  const live = existingExtensions.filter((cr) => !cr.metadata.deletionTimestamp);
  // In agent mode the CRs in this cluster are only this cluster's, so every one not wanted is a removal.
  const removals = live.filter((cr) => !wanted.has(cr.metadata.name));

  // The one change model, as `plan` computes it: what is installed (the CRs' status) → git.
  const operations = computeReleaseOperations({
    desired: desired.releases.filter((r) => ownClusters.has(r.cluster)),
    current: existingExtensions.map(currentReleaseOfCr).filter((c): c is CurrentRelease => c !== undefined),
    clusters: new Set(good.fleet.clusters.map((c) => c.metadata.name)),
  });
  const verdict = holdForBlastRadius({
    warnings: findBlastRadius(operations, deps.options.maxUninstallShare),
    revision,
    allowedRevision: repository.metadata.annotations?.[ALLOW_UNINSTALL_ANNOTATION],
  });
  if (verdict.held) return { ...result, held: verdict.message };
  const operationOf = new Map(operations.map((op) => [extensionCrName(op.cluster, op.extension), op]));
  // Clusters with helm work ahead get their helm client ready while the CRs are written.
  for (const cluster of new Set(operations.filter((op) => op.operation !== 'none' && op.operation !== 'leave').map((op) => op.cluster))) {
    const connection = connections.get(cluster);
    if (connection?.client && connection.facts.reachable) void deps.helm.prepare?.({ kubeconfig: connection.client.kubeconfig });
  }

  // Everything above only read: the revision is valid, its versions resolve and the guard lets it
  // through. From here on it is written, every CR of it before anything is deleted or installed.
  // One writer of the mirrored CRs: without shards this controller, with shards the replica that
  // holds the controller Lease. The others act on the CRs once the writer has mirrored this revision.
  const writer = !shard || shard.writesRepository();
  const { extensionCrs, others, behind } = writer ? await mirror(mirrored, existingExtensions, revision, deps) : await readMirrored(wanted, existingExtensions, revision, repoName, deps);
  if (behind) result.requeueAfterMs = MIRROR_POLL_MS;
  deps.logger.debug({ stage: 'crs-written', revision, extensions: extensionCrs.size }, writer ? 'CRs of the revision written' : 'CRs of the revision read');
  if (writer) {
    for (const cr of removals) {
      await deps.store.delete('Extension', cr.metadata.name);
      const deleting = await deps.store.get<ExtensionSpec, ExtensionStatus>('Extension', cr.metadata.name);
      if (deleting) extensionCrs.set(deleting.metadata.name, deleting);
    }
  }
  for (const cr of existingExtensions) if (cr.metadata.deletionTimestamp) extensionCrs.set(cr.metadata.name, cr);
  const fleetClusters = new Set(good.fleet.clusters.map((c) => c.metadata.name));
  /** Sharded: the claim of the release's cluster is held for as long as its reconcile runs. */
  const enter = (cluster: string): (() => void) | undefined => {
    if (!shard) return () => undefined;
    // A cluster that left the fleet has no owner: the writer lets go of its CRs (no helm runs).
    if (!fleetClusters.has(cluster)) return writer ? () => undefined : undefined;
    return shard.enter(cluster);
  };

  // Per-release work, as many helm operations at once as the concurrency options allow (OperationSlots).
  const slots = new OperationSlots(deps.options.concurrency, deps.options.clusterConcurrency);
  const byKey = new Map(desired.releases.map((r) => [extensionCrName(r.cluster, r.extension), r]));
  const releaseHeads = await listReleaseHeadsOf(new Set([...extensionCrs.values()].map((cr) => cr.spec.clusterName)), connections, deps.clock);
  const installedByCluster = installedExtensionsByCluster(existingExtensions, good.fleet);
  const outcomes = await Promise.all(
    [...extensionCrs.values()].map(async (cr) => {
      const giveBack = await slots.take(cr.spec.clusterName);
      try {
        if (deps.mayAct?.() === false) return undefined;
        const leave = enter(cr.spec.clusterName);
        if (!leave) return undefined;
        try {
          return await reconcileOne({ cr, desired: byKey.get(cr.metadata.name), operation: operationOf.get(cr.metadata.name), connections, releaseHeads, good, installedByCluster, deps, revision, operationEnded: giveBack });
        } finally {
          leave();
        }
      } finally {
        giveBack();
      }
    }),
  );
  if (shard) result.repositorySummary = summarizeRepository([...extensionCrs.values()], outcomes);
  for (const o of outcomes) {
    if (!o) continue;
    result.releases += 1;
    if (o.ready) result.ready += 1;
    if (o.helm) result.helmActions += 1;
    if (o.statusWritten) result.statusWrites += 1;
    result.extensions.push({ cluster: o.cluster, ready: o.ready, provisioningState: o.provisioningState });
    if (o.requeueAfterMs !== undefined) result.requeueAfterMs = Math.min(result.requeueAfterMs ?? Infinity, o.requeueAfterMs);
  }

  result.statusWrites += await writeOtherStatuses({ fleet: good.fleet, crs: others, connections, catalog, desired, deps, now, writer });
  return result;
}

/**
 * How long a cluster's release heads stand in for a release's own read. A pass that installs many
 * releases reaches the last ones minutes after the list: those read their own Secrets again.
 */
const RELEASE_HEADS_FRESH_MS = 30_000;

/**
 * One metadata list of Helm's storage Secrets per reachable cluster with Extensions in this pass,
 * instead of one list per release (issue 12); clusters where it is not allowed read per release.
 */
async function listReleaseHeadsOf(clusters: ReadonlySet<string>, connections: ReadonlyMap<string, ClusterConnection>, clock: { now(): Date }): Promise<Map<string, ClusterReleaseHeads>> {
  const out = new Map<string, ClusterReleaseHeads>();
  await Promise.all(
    [...clusters].map(async (name) => {
      const connection = connections.get(name);
      if (!connection?.client || !connection.facts.reachable) return;
      const heads = await listClusterReleaseHeads(connection.client.kube, clock.now().getTime());
      if (!heads) return;
      connection.client.releaseRecords.retain(heads);
      out.set(name, heads);
    }),
  );
  return out;
}

/** How soon a replica that is not the writer looks again when the writer has not mirrored its revision yet. */
const MIRROR_POLL_MS = 2_000;

/**
 * Sharded, for a replica that is not the writer: the Extension CRs of `revision` as the writer
 * mirrored them, and the repository's ConnectedClusters (for their status). `behind` when an
 * Extension of the revision is not mirrored yet (or this replica is the one behind): those are
 * left for a pass soon after, rather than reconciled against a spec of another revision.
 */
async function readMirrored(wanted: ReadonlySet<string>, existingExtensions: ExtensionCr[], revision: string, repository: string, deps: FleetSyncDeps): Promise<Mirrored & { behind: boolean }> {
  const extensionCrs = new Map<string, ExtensionCr>();
  let behind = false;
  const current = new Map(existingExtensions.map((cr) => [cr.metadata.name, cr]));
  for (const name of wanted) {
    const cr = current.get(name);
    if (cr && !cr.metadata.deletionTimestamp && cr.metadata.labels?.[REVISION_LABEL] === revision) extensionCrs.set(name, cr);
    else behind = true;
  }
  const others = await deps.store.list<unknown, unknown>('ConnectedCluster', `${REPOSITORY_LABEL}=${repository}`);
  return { extensionCrs, others, behind };
}

/** Sharded: every release of the repository, Ready as reconciled here or as its CR says (another replica's). */
function summarizeRepository(crs: readonly ExtensionCr[], outcomes: readonly (OneOutcome | undefined)[]): { releases: number; ready: number } {
  let releases = 0;
  let ready = 0;
  crs.forEach((cr, i) => {
    if (cr.metadata.deletionTimestamp) return;
    releases += 1;
    const outcome = outcomes[i];
    const isReady = outcome ? outcome.ready : findCondition(cr.status?.conditions ?? [], 'Ready')?.status === 'True' && cr.status?.observedGeneration === cr.metadata.generation;
    if (isReady) ready += 1;
  });
  return { releases, ready };
}

async function connectAll(clusters: readonly ConnectedClusterManifest[], connector: ClusterConnector): Promise<Map<string, ClusterConnection>> {
  const limit = pLimit(8);
  const all = await Promise.all(clusters.map((c) => limit(() => connector.connect(c))));
  return new Map(all.filter((c): c is ClusterConnection => c !== undefined).map((c) => [c.name, c]));
}

function extensionNameOf(cr: ExtensionCr): string {
  return cr.metadata.name.slice(cr.spec.clusterName.length + 1);
}

/**
 * Server-side applies the mirrored CRs whose revision label differs (or that do not exist yet),
 * then, only once every one of them is written, deletes the mirrored types, clusters and policies
 * that left git. A write that fails stops the rest (none starts after it) and is thrown, before
 * any deletion: the revision is then retried whole at a later pass (applies of CRs already
 * written are skipped as up to date, being the same). Returns the CRs as stored.
 */
async function mirror(resources: MirroredResource[], existingExtensions: ExtensionCr[], revision: string, deps: FleetSyncDeps): Promise<Mirrored & { behind: false }> {
  const extensionCrs = new Map<string, ExtensionCr>();
  const others: CustomResource<unknown, unknown>[] = [];
  const existing = new Map<string, CustomResource<unknown, unknown>>(existingExtensions.map((cr) => [`Extension/${cr.metadata.name}`, cr as CustomResource<unknown, unknown>]));
  const gone: { kind: 'ExtensionType' | 'ConnectedCluster' | 'ExtensionPolicy'; name: string }[] = [];
  const repo = resources[0]?.labels[REPOSITORY_LABEL];
  if (repo !== undefined) {
    for (const kind of ['ExtensionType', 'ConnectedCluster', 'ExtensionPolicy'] as const) {
      const listed = await deps.store.list<unknown, unknown>(kind, `${REPOSITORY_LABEL}=${repo}`);
      const names = new Set(resources.filter((r) => r.kind === kind).map((r) => r.name));
      for (const cr of listed) {
        existing.set(`${kind}/${cr.metadata.name}`, cr);
        if (!names.has(cr.metadata.name)) gone.push({ kind, name: cr.metadata.name });
      }
    }
  }
  const limit = pLimit(MIRROR_WRITES_AT_ONCE);
  let failed: { error: unknown } | undefined;
  await Promise.all(
    resources.map((r) =>
      limit(async () => {
        if (failed) return;
        const current = existing.get(`${r.kind}/${r.name}`);
        const upToDate = current && current.metadata.labels?.[REVISION_LABEL] === revision && !current.metadata.deletionTimestamp;
        let stored;
        try {
          stored = upToDate
            ? current
            : await deps.store.apply(r.kind, r.name, {
                metadata: { labels: r.labels, annotations: r.annotations, ...(r.finalizers ? { finalizers: r.finalizers } : {}) },
                spec: r.spec,
              });
        } catch (error) {
          failed ??= { error };
          return;
        }
        if (r.kind === 'Extension') extensionCrs.set(r.name, stored as ExtensionCr);
        else others.push(stored as CustomResource<unknown, unknown>);
      }),
    ),
  );
  if (failed) throw failed.error;
  for (const { kind, name } of gone) await deps.store.delete(kind, name);
  return { extensionCrs, others, behind: false };
}

/**
 * Server-side applies of mirrored CRs at once. Each waits mostly on the hub's apiserver; at 1,000
 * Extensions on a loaded 2-core test bed, 32 wrote the revision in 4.9 s where 8 took 9.2 s, and
 * nothing is installed before the whole revision is written.
 */
const MIRROR_WRITES_AT_ONCE = 32;

/** The CRs of a revision as stored after mirroring (an apply returns the whole object, status too). */
interface Mirrored {
  extensionCrs: Map<string, ExtensionCr>;
  /** ExtensionTypes, ConnectedClusters and ExtensionPolicies. */
  others: CustomResource<unknown, unknown>[];
}

function installedExtensionsByCluster(crs: readonly ExtensionCr[], fleet: Fleet): Map<string, InstalledExtension[]> {
  const types = new Map(fleet.extensionTypes.map((t) => [t.metadata.name, t]));
  const out = new Map<string, InstalledExtension[]>();
  for (const cr of crs) {
    if (!cr.status?.release || cr.status.release.status === 'uninstalled') continue;
    const list = out.get(cr.spec.clusterName) ?? [];
    list.push({ extension: extensionNameOf(cr), extensionType: cr.spec.extensionType, conflictsWith: types.get(cr.spec.extensionType)?.spec.conflictsWith ?? [] });
    out.set(cr.spec.clusterName, list);
  }
  return out;
}

interface OneOutcome {
  cluster: string;
  provisioningState: ProvisioningState;
  ready: boolean;
  /** A helm operation ran (for a reinstall, either of its two). */
  helm: boolean;
  /** For the old release of a reinstall: it is gone, and the status to carry on from. */
  uninstalled?: boolean;
  status?: ExtensionStatus;
  statusWritten: boolean;
  requeueAfterMs?: number;
}

async function reconcileOne(input: {
  cr: ExtensionCr;
  desired: DesiredRelease | undefined;
  /** What the change model says for this release; a reinstall uninstalls `from` first. */
  operation: ReleaseOperation | undefined;
  connections: ReadonlyMap<string, ClusterConnection>;
  /** Each cluster's release heads listed at the start of the pass (listReleaseHeadsOf). */
  releaseHeads: ReadonlyMap<string, ClusterReleaseHeads>;
  good: GoodRevision;
  installedByCluster: ReadonlyMap<string, InstalledExtension[]>;
  deps: FleetSyncDeps;
  revision: string;
  /** Uninstalling the old release of a reinstall: the CR stays, its finalizer too. */
  replacing?: boolean;
  /** Gives back the release's concurrency slot once its helm operation has ended (OperationSlots). */
  operationEnded?: () => void;
}): Promise<OneOutcome | undefined> {
  const { cr, deps } = input;
  const deleting = cr.metadata.deletionTimestamp !== undefined;
  const connection = input.connections.get(cr.spec.clusterName);
  const log = deps.logger.child({ extension: cr.metadata.name, cluster: cr.spec.clusterName });
  if (!connection) {
    // The cluster left the fleet (or is another agent's): its releases are left in place, as
    // removing a cluster from management must not uninstall everything on it.
    if (deleting && !input.good.fleet.clusters.some((c) => c.metadata.name === cr.spec.clusterName)) {
      await deps.store.setFinalizers('Extension', cr.metadata.name, []);
      await deps.events.record(cr, { type: 'Warning', reason: 'ClusterUnreachable', message: `Cluster "${cr.spec.clusterName}" is no longer in the fleet; release "${extensionNameOf(cr)}" was left in place on it.` });
    }
    return undefined;
  }
  let desired = input.desired ?? releaseForRemoval(cr);
  if (!desired) {
    await deps.store.setFinalizers('Extension', cr.metadata.name, []);
    return undefined;
  }
  const systemNamespace =
    desired.scope === 'namespace' && !deleting
      ? systemNamespaceViolation({
          namespace: desired.namespace,
          extensionType: desired.extensionType,
          allowSystemNamespaces: input.good.fleet.extensionTypes.find((t) => t.metadata.name === desired!.extensionType)?.spec.allowSystemNamespaces,
          controllerNamespace: deps.controllerNamespace ?? DEFAULT_CONTROLLER_NAMESPACE,
        })
      : undefined;
  if (systemNamespace) return failBeforeReconcile(cr, deps, `Extension "${desired.extension}": ${systemNamespace}`, 'SystemNamespaceNotAllowed');
  const started = Date.now();
  log.debug({ stage: 'reconcile-started', revision: input.revision }, 'reconcile started');
  let previousStatus = cr.status;
  let replacedWithHelm = false;
  if (!deleting && input.operation?.operation === 'reinstall' && input.operation.from) {
    // Helm cannot move a release: the old one goes first, and the new one is installed only once it is gone.
    // The slot is held across both halves: the install follows the uninstall at once.
    const { operationEnded: _heldAcrossBoth, ...withSlotHeld } = input;
    const removed = await reconcileOne({ ...withSlotHeld, cr: { ...cr, metadata: { ...cr.metadata, deletionTimestamp: deps.clock.now().toISOString() } }, desired: releaseToReplace(input.operation.from, cr), operation: undefined, replacing: true });
    if (!removed?.uninstalled) return removed;
    previousStatus = removed.status;
    replacedWithHelm = removed.helm;
  }
  let protectedValues: Record<string, unknown> | undefined;
  let redactPaths: string[][] | undefined;
  if (desired.protectedSettingsRef && !deleting) {
    const secret = await deps.secrets.readWithLabels(desired.protectedSettingsRef.secretName);
    if (!secret) {
      return failBeforeReconcile(cr, deps, `The protected settings Secret "${desired.protectedSettingsRef.secretName}" of Extension "${desired.extension}" does not exist in the controller's namespace; create it, or remove configurationProtectedSettingsRef.`);
    }
    const refusal = protectedSettingsSecretRefusal({ secretName: desired.protectedSettingsRef.secretName, labels: secret.labels, extension: desired.extension });
    if (refusal) return failBeforeReconcile(cr, deps, refusal, 'ProtectedSettingsSecretNotAllowed');
    const data = secret.data;
    try {
      const applied = applyProtectedSettings(desired, data, deps.hmacKey);
      desired = applied.desired;
      protectedValues = applied.protectedValues;
      redactPaths = applied.redactPaths;
    } catch (err) {
      return failBeforeReconcile(cr, deps, err instanceof Error ? err.message : String(err));
    }
  }
  const facts: ClusterFacts = connection.facts;
  const requirements: RequirementsResult =
    facts.reachable && !deleting
      ? checkRequirements({
          extensionType: desired.extensionType,
          spec: input.good.fleet.extensionTypes.find((t) => t.metadata.name === desired!.extensionType)?.spec ?? { requirements: {}, conflictsWith: [] },
          cluster: facts,
          installed: (input.installedByCluster.get(desired.cluster) ?? []).filter((i) => i.extension !== desired!.extension),
        })
      : { met: true };
  const { client } = connection;
  const heads = input.releaseHeads.get(cr.spec.clusterName);
  const fresh = heads && deps.clock.now().getTime() - heads.takenAt <= RELEASE_HEADS_FRESH_MS ? heads : undefined;
  const storage = client
    ? createReleaseStorage(client.kube, { namespace: desired.namespace, name: desired.releaseName }, redactPaths ? { redactPaths } : {}, { ...(fresh ? { heads: fresh } : {}), records: client.releaseRecords })
    : unreachableStorage(facts);
  let r: ReconcileReleaseResult;
  let progressWritten = false;
  try {
    r = await reconcileRelease(
      {
        desired,
        uninstallRequested: deleting,
        cluster: facts,
        requirements,
        ...(previousStatus?.conditions ? { previousStatus } : {}),
        generation: cr.metadata.generation ?? 1,
        sourceRevision: input.revision,
        ...(protectedValues ? { protectedValues } : {}),
        target: { kubeconfig: client?.kubeconfig ?? '' },
        policy: deps.options.reconcilePolicy,
        ...(cr.metadata.annotations?.[REQUESTED_AT_ANNOTATION] !== undefined ? { requestedAt: cr.metadata.annotations[REQUESTED_AT_ANNOTATION] } : {}),
      },
      {
        helm: stageMarkedHelm(deps.helm, log),
        ...(input.operationEnded ? { operationEnded: input.operationEnded } : {}),
        storage,
        clock: deps.clock,
        ...(client ? { releaseObjects: (known?: readonly ReleaseObject[]) => (known ? readLiveObjects(client.kube, known) : readReleaseObjects(client.kube, { namespace: desired!.namespace, name: desired!.releaseName })) } : {}),
        ...(client && desired.scope === 'cluster' ? { namespace: createReleaseNamespace(client.kube, desired.namespace, desired.releaseName) } : {}),
        // The uninstall half of a reinstall reports nothing of its own: its install half does.
        ...(input.replacing
          ? {}
          : {
              writeStatus: async (status: ExtensionStatus) => {
                await deps.store.writeStatus('Extension', cr.metadata.name, status);
                deps.metrics?.statusWrites.inc({ kind: 'Extension' });
                progressWritten = true;
              },
            }),
        ...(desired.scope === 'namespace' && client ? { impersonation: () => ensureNamespaceIdentity(client.kube, desired!.namespace, 'clusterext') } : {}),
      },
    );
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'reconcile failed');
    return failBeforeReconcile(cr, deps, err instanceof Error ? err.message : String(err));
  }
  const helm = r.action.action !== 'none' && r.action.action !== 'wait';
  // When this reconcile ran (observation included), so that operations on one release by several
  // replicas can be shown never to overlap.
  if (helm) log.info({ operation: r.action.action, startedAt: started, endedAt: Date.now() }, 'helm operation ended');
  if (helm) deps.metrics?.helmActions.inc({ action: r.action.action, outcome: r.events.some((e) => e.type === 'Warning') ? 'failed' : 'succeeded' });
  deps.metrics?.reconciles.inc({ cluster: desired.cluster, result: r.result });
  deps.metrics?.reconcileDuration.observe({ cluster: desired.cluster }, (Date.now() - started) / 1000);
  for (const event of r.events) {
    log.info({ action: r.action.action, reason: event.reason }, event.message);
    await deps.events.record(cr, event);
  }
  let statusWritten = progressWritten;
  const gone = r.after.kind === 'absent' || r.after.kind === 'removed';
  if (input.replacing) {
    const summary = { cluster: cr.spec.clusterName, provisioningState: r.status.provisioningState };
    if (gone) return { ...summary, ready: false, helm, statusWritten: false, uninstalled: true, status: withoutRelease(r.status) };
    await deps.store.writeStatus('Extension', cr.metadata.name, r.status);
    return { ...summary, ready: false, helm, statusWritten: true, ...(r.requeueAfterMs !== undefined ? { requeueAfterMs: r.requeueAfterMs } : {}) };
  }
  if (deleting && gone) {
    await deps.store.setFinalizers('Extension', cr.metadata.name, (cr.metadata.finalizers ?? []).filter((f) => f !== UNINSTALL_FINALIZER));
  } else if (r.writeStatus) {
    await deps.store.writeStatus('Extension', cr.metadata.name, r.status);
    deps.metrics?.statusWrites.inc({ kind: 'Extension' });
    statusWritten = true;
  }
  const ready = findCondition(r.status.conditions, 'Ready')?.status === 'True';
  log.debug({ stage: 'status-written', revision: input.revision, ready, written: statusWritten }, 'reconcile ended');
  let requeueAfterMs = r.requeueAfterMs;
  if (client && !deleting && deps.driftCheckedAt) {
    const applied = helm && (r.action.action === 'install' || r.action.action === 'upgrade' || r.action.action === 'rollback');
    const justApplied = applied && findCondition(r.status.conditions, 'Drifted')?.status !== 'True';
    const drift = await checkDriftOf({ cr, desired, status: r.status, ready: ready && r.after.kind === 'in-sync', justApplied, kube: client.kube, protectedValues, deps, log, previous: previousStatus });
    if (drift.statusWritten) statusWritten = true;
    if (drift.nextCheckInMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, drift.nextCheckInMs);
  }
  return { cluster: cr.spec.clusterName, provisioningState: r.status.provisioningState, ready, helm: helm || replacedWithHelm, statusWritten, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}

/**
 * The drift step of one Extension after its reconcile: when a check is due (isDriftCheckDue), run
 * it, write the status only if the Drifted condition changes, record events and metrics. Returns
 * how soon the next check is due, so the pass loop wakes for it.
 */
async function checkDriftOf(input: {
  cr: ExtensionCr;
  desired: DesiredRelease;
  status: ExtensionStatus;
  previous: ExtensionStatus | undefined;
  ready: boolean;
  /** See DriftCheckDueInput.justApplied. */
  justApplied: boolean;
  kube: KubeRest;
  protectedValues: Record<string, unknown> | undefined;
  deps: FleetSyncDeps;
  log: Logger;
}): Promise<{ statusWritten: boolean; nextCheckInMs?: number }> {
  const { cr, desired, deps } = input;
  const checkedAt = deps.driftCheckedAt!;
  const intervalMs = deps.options.driftIntervalMs ?? DEFAULT_DRIFT_INTERVAL_MS;
  const now = deps.clock.now().getTime();
  const requested = input.status.lastHandledReconcileAt !== undefined && input.status.lastHandledReconcileAt !== input.previous?.lastHandledReconcileAt;
  if (desired.driftDetection === 'disabled' || !input.ready) {
    checkedAt.delete(cr.metadata.name);
    return { statusWritten: false };
  }
  const due = isDriftCheckDue({ driftDetection: desired.driftDetection, ready: input.ready, lastCheckedAt: checkedAt.get(cr.metadata.name), now, intervalMs, requested, justApplied: input.justApplied });
  // The interval of a release just applied runs from now.
  if (!due && input.justApplied) checkedAt.set(cr.metadata.name, now);
  // A replica that must stop acting (Lease lost, shutdown) corrects nothing either.
  if (deps.mayAct?.() === false) return { statusWritten: false };
  if (!due) return { statusWritten: false, nextCheckInMs: Math.max(0, (checkedAt.get(cr.metadata.name) ?? now) + intervalMs - now) };
  checkedAt.set(cr.metadata.name, now);
  const started = Date.now();
  const requestsBefore = input.kube.requestCount;
  let outcome: Awaited<ReturnType<typeof runExtensionDriftCheck>>;
  try {
    outcome = await runExtensionDriftCheck({
      kube: input.kube,
      desired,
      status: input.status,
      generation: cr.metadata.generation ?? 1,
      now: deps.clock.now(),
      protectedValues: protectedStrings(input.protectedValues),
    });
  } catch (err) {
    outcome = { result: 'error', events: [], message: err instanceof Error ? err.message : String(err) };
  }
  deps.metrics?.driftChecks.inc({ cluster: desired.cluster, result: outcome.result });
  deps.metrics?.driftCheckDuration.observe({ cluster: desired.cluster }, (Date.now() - started) / 1000);
  // Other reconciles share the client, so under concurrency this also counts some of theirs.
  deps.metrics?.driftCheckApiRequests.inc({ cluster: desired.cluster }, Math.max(0, input.kube.requestCount - requestsBefore));
  for (const o of outcome.drift?.objects ?? []) deps.metrics?.driftedObjects.inc({ cluster: desired.cluster, state: o.state });
  if (outcome.result === 'error') input.log.warn({ err: outcome.message }, 'drift check failed; it is tried again at the next interval');
  else if (outcome.result !== 'in-sync') input.log.info({ result: outcome.result, objects: outcome.drift?.objects.length ?? 0 }, 'drift check');
  for (const event of outcome.events) await deps.events.record(cr, event);
  let statusWritten = false;
  if (outcome.status) {
    await deps.store.writeStatus('Extension', cr.metadata.name, outcome.status);
    deps.metrics?.statusWrites.inc({ kind: 'Extension' });
    statusWritten = true;
  }
  return { statusWritten, nextCheckInMs: intervalMs };
}

/** Every leaf of the protected values as a string: what drift output must never contain. */
function protectedStrings(values: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
    else if (v !== undefined && v !== null && String(v) !== '') out.push(String(v));
  };
  walk(values);
  return out;
}

/**
 * Release storage of a cluster the controller has no client for. The reconciler never reads it
 * while the facts say unreachable; if it did, the error says why the cluster cannot be reached.
 */
function unreachableStorage(facts: ClusterFacts): ReleaseStoragePort {
  const fail = async (): Promise<never> => {
    throw new ClusterextError('ClusterUnreachable', facts.reachable ? 'The cluster has no client.' : facts.message);
  };
  return { readLatest: fail, markFailed: fail };
}

/** What an Extension CR's status says is installed, for the change model; undefined when nothing is. */
function currentReleaseOfCr(cr: ExtensionCr): CurrentRelease | undefined {
  const release = cr.status?.release;
  if (!release || release.status === 'uninstalled') return undefined;
  return {
    cluster: cr.spec.clusterName,
    extension: extensionNameOf(cr),
    releaseName: release.name,
    namespace: release.namespace,
    // Statuses written before the type was recorded: the spec last mirrored is the best knowledge.
    extensionType: release.extensionType ?? cr.spec.extensionType,
    ...(cr.status?.configDigest !== undefined ? { configDigest: cr.status.configDigest } : {}),
  };
}

/** The old release of a reinstall, as a desired release: enough to find and uninstall it. */
function releaseToReplace(from: CurrentRelease, cr: ExtensionCr): DesiredRelease {
  // Scope cluster: the uninstall runs with the controller's own rights, not as the identity of a
  // namespace the Extension may just have left; helm removes only what the release recorded.
  return { ...releaseForRemoval(cr)!, releaseName: from.releaseName, namespace: from.namespace, extensionType: from.extensionType, scope: 'cluster' };
}

/** The status after the old release of a reinstall is gone: nothing is installed any more. */
function withoutRelease(status: ExtensionStatus): ExtensionStatus {
  const { release: _release, installedVersion: _installed, ...rest } = status;
  return rest;
}

/** A desired release for an Extension whose manifest is gone: enough to find and uninstall it. */
function releaseForRemoval(cr: ExtensionCr): DesiredRelease | undefined {
  const release = cr.status?.release;
  const namespace = release?.namespace ?? cr.spec.targetNamespace ?? cr.spec.releaseNamespace;
  if (!namespace) return undefined;
  const name = extensionNameOf(cr);
  return {
    cluster: cr.spec.clusterName,
    extension: name,
    releaseName: release?.name ?? name,
    namespace,
    scope: cr.spec.scope,
    extensionType: cr.spec.extensionType,
    chart: { repository: '', name: '' },
    version: { kind: 'pinned', version: cr.status?.installedVersion ?? '0.0.0' },
    autoUpgradeMinorVersion: cr.spec.autoUpgradeMinorVersion,
    releaseTrain: cr.spec.releaseTrain,
    values: {},
    driftDetection: cr.spec.driftDetection,
    origin: { kind: 'explicit' },
    configDigest: '',
  };
}

async function failBeforeReconcile(cr: ExtensionCr, deps: FleetSyncDeps, message: string, reason: ConditionReason = 'InstallFailed'): Promise<OneOutcome> {
  const nowIso = deps.clock.now().toISOString();
  const generation = cr.metadata.generation ?? 1;
  const previous = cr.status;
  const same = previous?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True' && c.message === message);
  if (!same) {
    const status: ExtensionStatus = {
      ...(previous ?? {}),
      provisioningState: 'Failed',
      observedGeneration: generation,
      conditions: [
        { type: 'Ready', status: 'False', observedGeneration: generation, lastTransitionTime: nowIso, reason, message },
        { type: 'Reconciling', status: 'False', observedGeneration: generation, lastTransitionTime: nowIso, reason, message },
        { type: 'Stalled', status: 'True', observedGeneration: generation, lastTransitionTime: nowIso, reason, message },
      ],
    };
    await deps.store.writeStatus('Extension', cr.metadata.name, status);
    await deps.events.record(cr, { type: 'Warning', reason, message });
  }
  return { cluster: cr.spec.clusterName, provisioningState: 'Failed', ready: false, helm: false, statusWritten: !same };
}

async function writeOtherStatuses(input: {
  fleet: Fleet;
  /** The mirrored ConnectedCluster, ExtensionType and ExtensionPolicy CRs as stored this pass. */
  crs: readonly CustomResource<unknown, unknown>[];
  connections: ReadonlyMap<string, ClusterConnection>;
  catalog: ChartCatalog;
  desired: DesiredState;
  deps: FleetSyncDeps;
  now: Date;
  /** Writes ExtensionType and ExtensionPolicy status (the repository writer). */
  writer: boolean;
}): Promise<number> {
  const { deps, now } = input;
  const ofKind = <T>(kind: string) => input.crs.filter((cr) => cr.kind === kind) as CustomResource<unknown, T>[];
  const clusters = ofKind<ConnectedClusterStatus>('ConnectedCluster');
  const types = ofKind<ExtensionTypeStatus>('ExtensionType');
  const policies = ofKind<ExtensionPolicyStatus>('ExtensionPolicy');
  let writes = 0;
  const write = async (kind: 'ConnectedCluster' | 'ExtensionType' | 'ExtensionPolicy', name: string, previous: unknown, next: unknown) => {
    if (previous !== undefined && canonicalJson(previous) === canonicalJson(next)) return;
    await deps.store.writeStatus(kind, name, next);
    deps.metrics?.statusWrites.inc({ kind });
    writes += 1;
  };
  for (const cr of clusters) {
    const connection = input.connections.get(cr.metadata.name);
    if (!connection || (deps.shard && !deps.shard.owns(cr.metadata.name))) continue;
    const status = buildClusterStatus({ facts: connection.facts, ...(cr.status ? { previous: cr.status } : {}), generation: cr.metadata.generation ?? 1, now, contactIntervalMs: deps.options.contactIntervalMs });
    await write('ConnectedCluster', cr.metadata.name, cr.status, status);
  }
  if (!input.writer) return writes;
  const typeStatuses = buildExtensionTypeStatuses({
    fleet: input.fleet,
    catalog: input.catalog,
    ignored: input.desired.ignoredVersions,
    previous: new Map(types.map((t) => [t.metadata.name, t.status])),
    generations: new Map(types.map((t) => [t.metadata.name, t.metadata.generation ?? 1])),
    now,
  });
  for (const cr of types) {
    const status = typeStatuses.get(cr.metadata.name);
    if (status) await write('ExtensionType', cr.metadata.name, cr.status, status);
  }
  const policyStatuses = buildPolicyStatuses({
    fleet: input.fleet,
    compliance: input.desired.compliance,
    previous: new Map(policies.map((p) => [p.metadata.name, p.status])),
    generations: new Map(policies.map((p) => [p.metadata.name, p.metadata.generation ?? 1])),
    now,
  });
  for (const cr of policies) {
    const status = policyStatuses.get(cr.metadata.name);
    if (status) await write('ExtensionPolicy', cr.metadata.name, cr.status, status);
  }
  return writes;
}

