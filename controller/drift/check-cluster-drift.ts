import pLimit from 'p-limit';
import { createApiResources, type ApiResources } from '../cluster/api-resources.js';
import { dryRunApply, readLiveObject } from '../cluster/dry-run-apply.js';
import { listHpaTargets } from '../cluster/list-hpa-targets.js';
import { listLatestReleaseSecrets, observeReleaseSecret } from '../cluster/read-latest-release.js';
import type { HelmSecret } from '../cluster/release-record.js';
import type { DesiredRelease } from '../plan/desired-release.js';
import { isManagedRelease } from '../reconcile/release-labels.js';
import type { KubeRest } from '../runtime/kube-rest.js';
import { compareObjectDrift, compareObjectDriftOrder } from './compare-object-drift.js';
import { compareReleaseDrift } from './compare-release-drift.js';
import { mergeDriftIgnoreRules } from './drift-ignore.js';
import type { ClusterDrift, ExtensionDrift, ObjectDrift, PolicyCompliance } from './drift-report.js';
import { parseManifestObjects, type ManifestObject } from './manifest-objects.js';
import { maskProtectedText } from './mask-protected-text.js';
import { SCALABLE_KINDS } from './normalize-for-drift.js';
import { withHelmOwnership } from './with-helm-ownership.js';

export const DEFAULT_DRIFT_CONCURRENCY = 8;

export interface CheckClusterDriftInput {
  cluster: string;
  kube: KubeRest;
  /** The desired releases of this cluster (others are ignored). */
  desired: DesiredRelease[];
  /** Object checks in flight at once on this cluster; default 8. */
  concurrency?: number;
  /** Values that must never appear in the result (protected settings); masked wherever they occur. */
  protectedValues?: string[];
  /**
   * Git's verdict per policy on this cluster (`computeDesiredState().compliance`). A policy is
   * compliant on the cluster when git says so and the Extension that satisfies it is in-sync on
   * the cluster. Without it, compliance is measured over the releases the policies generated.
   */
  compliance?: readonly { policy: string; cluster: string; compliant: boolean; extension?: string }[];
}

/**
 * Where one cluster differs from git: every desired release at the release level (chart,
 * version, configDigest, Helm status, missing, foreign) and, for a release whose record is what
 * git wants, every object of its manifest (a server-side apply dry run with helm's field manager
 * against the live object); managed releases git no longer has are `orphaned`. Bounded in API
 * requests: one list of Helm's release Secrets for the cluster, one discovery request per
 * group-version, one HPA list per namespace holding scalable workloads, one GET per object and one
 * dry run per object that exists. Never throws: an unreachable cluster is `reachable: false`, a
 * release whose check failed is `error`.
 *
 * This is the drift stage's one entry point that does I/O: it composes the cluster adapters with
 * the pure comparisons (compareReleaseDrift, compareObjectDrift), like reconcileRelease does.
 */
export async function checkClusterDrift(input: CheckClusterDriftInput): Promise<ClusterDrift> {
  const protectedValues = input.protectedValues ?? [];
  const desired = input.desired.filter((d) => d.cluster === input.cluster);
  let releases: Map<string, { secret: HelmSecret; revision: number }>;
  try {
    releases = await listLatestReleaseSecrets(input.kube);
  } catch (err) {
    return { cluster: input.cluster, reachable: false, message: maskProtectedText(messageOf(err), protectedValues), extensions: [], policies: [] };
  }
  const session = createDriftSession(input.kube, input.concurrency);
  const extensions = await Promise.all(desired.map((d) => checkOneRelease(session, d, releases.get(`${d.namespace}/${d.releaseName}`), protectedValues)));
  const wanted = new Set(desired.map((d) => `${d.namespace}/${d.releaseName}`));
  for (const [key, latest] of releases) {
    if (wanted.has(key) || !isManagedRelease(latest.secret.metadata.labels ?? {})) continue;
    if (latest.secret.metadata.labels?.status === 'uninstalled') continue;
    extensions.push(orphanOf(input.cluster, key, latest));
  }
  extensions.sort((a, b) => cmp(a.extension, b.extension) || cmp(a.namespace, b.namespace));
  return { cluster: input.cluster, reachable: true, extensions, policies: measureCompliance(input.cluster, desired, extensions, input.compliance) };
}

export interface CheckReleaseDriftInput {
  kube: KubeRest;
  desired: DesiredRelease;
  protectedValues?: string[];
  concurrency?: number;
}

/**
 * The drift of one release, with one list of the Helm records of its namespace (the controller's
 * per-Extension check). Same comparison as checkClusterDrift; never throws.
 */
export async function checkReleaseDrift(input: CheckReleaseDriftInput): Promise<ExtensionDrift> {
  const protectedValues = input.protectedValues ?? [];
  let latest: { secret: HelmSecret; revision: number } | undefined;
  try {
    latest = (await listLatestReleaseSecrets(input.kube, input.desired.namespace)).get(`${input.desired.namespace}/${input.desired.releaseName}`);
  } catch (err) {
    return { ...identityOf(input.desired), state: 'error', release: [], objects: [], message: maskProtectedText(messageOf(err), protectedValues) };
  }
  return checkOneRelease(createDriftSession(input.kube, input.concurrency), input.desired, latest, protectedValues);
}

/** What the object checks of one cluster share: discovery, the HPA lists, the concurrency bound. */
interface DriftSession {
  kube: KubeRest;
  api: ApiResources;
  hpaTargets(namespace: string): Promise<Set<string>>;
  limit: ReturnType<typeof pLimit>;
}

function createDriftSession(kube: KubeRest, concurrency = DEFAULT_DRIFT_CONCURRENCY): DriftSession {
  const hpas = new Map<string, Promise<Set<string>>>();
  return {
    kube,
    api: createApiResources(kube),
    hpaTargets(namespace) {
      let targets = hpas.get(namespace);
      if (!targets) hpas.set(namespace, (targets = listHpaTargets(kube, namespace)));
      return targets;
    },
    limit: pLimit(Math.max(1, concurrency)),
  };
}

async function checkOneRelease(session: DriftSession, desired: DesiredRelease, latest: { secret: HelmSecret; revision: number } | undefined, protectedValues: string[]): Promise<ExtensionDrift> {
  const base = identityOf(desired);
  try {
    const decoded = latest ? observeReleaseSecret(latest, { namespace: desired.namespace, name: desired.releaseName }) : undefined;
    const verdict = compareReleaseDrift(desired, decoded?.observed);
    const drift: ExtensionDrift = { ...base, state: verdict.state, ...(verdict.installed ? { installed: verdict.installed } : {}), release: verdict.release, objects: [] };
    // Objects are compared only for a release deployed as managed; a failed, pending, foreign or
    // missing release says all there is to say.
    if (decoded === undefined || (verdict.state !== 'in-sync' && verdict.state !== 'drifted')) return drift;
    const objects = await checkManifestObjects(session, {
      manifest: decoded.manifest,
      releaseName: desired.releaseName,
      releaseNamespace: desired.namespace,
      ignore: mergeDriftIgnoreRules(desired.driftIgnore),
      protectedValues,
    });
    drift.objects = objects.drift;
    drift.checkedObjects = objects.checked;
    if (objects.drift.length > 0) drift.state = 'drifted';
    return drift;
  } catch (err) {
    return { ...base, state: 'error', release: [], objects: [], message: maskProtectedText(messageOf(err), protectedValues) };
  }
}

interface ManifestCheck {
  manifest: string;
  releaseName: string;
  releaseNamespace: string;
  ignore: DesiredRelease['driftIgnore'];
  protectedValues: string[];
}

/** The drift of every object in a release manifest, sorted; throws when one cannot be checked. */
async function checkManifestObjects(session: DriftSession, check: ManifestCheck): Promise<{ drift: ObjectDrift[]; checked: number }> {
  const objects = parseManifestObjects(check.manifest);
  const results = await Promise.all(objects.map((o) => session.limit(() => checkObject(session, o, check))));
  return { drift: results.filter((r): r is ObjectDrift => r !== undefined).sort(compareObjectDriftOrder), checked: objects.length };
}

async function checkObject(session: DriftSession, object: ManifestObject, check: ManifestCheck): Promise<ObjectDrift | undefined> {
  const resource = await session.api.resolve(object.apiVersion, object.kind);
  const namespace = resource === undefined || resource.namespaced ? (object.namespace ?? check.releaseNamespace) : undefined;
  const identity = { apiVersion: object.apiVersion, kind: object.kind, name: object.name, ...(namespace !== undefined ? { namespace } : {}) };
  const common = { ...identity, ignore: check.ignore ?? [], protectedValues: check.protectedValues, hpaTargeted: false };
  // The API no longer serves the kind (its CRD went): the object cannot exist.
  if (resource === undefined) return compareObjectDrift(common);
  const describe = `${object.kind} "${namespace ? `${namespace}/` : ''}${object.name}"`;
  const path = session.api.objectPath(resource, object.name, namespace);
  const live = await readLiveObject(session.kube, path, describe);
  if (live === undefined) return compareObjectDrift(common);
  const desired = await dryRunApply(session.kube, path, withHelmOwnership(object.body, { name: check.releaseName, namespace: check.releaseNamespace }), describe);
  const hpaTargeted = namespace !== undefined && (SCALABLE_KINDS as readonly string[]).includes(object.kind) && (await session.hpaTargets(namespace)).has(`${object.kind}/${object.name}`);
  return compareObjectDrift({ ...common, desired, live, hpaTargeted });
}

function identityOf(desired: DesiredRelease): Omit<ExtensionDrift, 'state' | 'release' | 'objects'> {
  return {
    cluster: desired.cluster,
    extension: desired.extension,
    releaseName: desired.releaseName,
    namespace: desired.namespace,
    extensionType: desired.extensionType,
    origin: desired.origin.kind === 'policy' ? `policy/${desired.origin.policy}` : 'explicit',
    driftDetection: desired.driftDetection,
    desired: {
      chart: desired.chart.name,
      ...(desired.version.kind !== 'unresolved' ? { version: desired.version.version } : {}),
      configDigest: desired.configDigest,
    },
  };
}

function orphanOf(cluster: string, key: string, latest: { secret: HelmSecret; revision: number }): ExtensionDrift {
  const [namespace = '', name = ''] = key.split('/');
  const labels = latest.secret.metadata.labels ?? {};
  return {
    cluster,
    extension: name,
    releaseName: name,
    namespace,
    state: 'orphaned',
    release: [{ reason: 'OrphanedRelease', message: `Release "${key}" is managed by clusterext but no Extension in git wants it; the controller uninstalls it, or remove the label clusterext.io/managed-by to keep it.` }],
    objects: [],
    ...(labels.status !== undefined ? { installed: { chart: '', version: '', revision: latest.revision, status: labels.status } } : {}),
  };
}

function measureCompliance(cluster: string, desired: readonly DesiredRelease[], extensions: readonly ExtensionDrift[], compliance: CheckClusterDriftInput['compliance']): PolicyCompliance[] {
  const cells = new Map(extensions.filter((e) => e.state !== 'orphaned').map((e) => [e.extension, e]));
  const byPolicy = new Map<string, { instances: number; nonCompliant: string[] }>();
  const add = (policy: string, extension: string | undefined, gitCompliant: boolean) => {
    const entry = byPolicy.get(policy) ?? { instances: 0, nonCompliant: [] };
    entry.instances += 1;
    const cell = extension === undefined ? undefined : cells.get(extension);
    if (!gitCompliant || cell?.state !== 'in-sync') entry.nonCompliant.push(extension ?? cluster);
    byPolicy.set(policy, entry);
  };
  if (compliance) {
    for (const c of compliance) if (c.cluster === cluster) add(c.policy, c.extension, c.compliant);
  } else {
    for (const d of desired) if (d.origin.kind === 'policy') add(d.origin.policy, d.extension, true);
  }
  return [...byPolicy]
    .sort(([a], [b]) => cmp(a, b))
    .map(([policy, e]) => ({ policy, compliant: e.nonCompliant.length === 0, instances: e.instances, nonCompliant: e.nonCompliant.sort() }));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
