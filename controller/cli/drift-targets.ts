import pLimit from 'p-limit';
import { loadDefaultKubeconfig, loadKubeconfigFile } from '../cluster/load-kubeconfig-file.js';
import { listLatestReleaseSecrets, observeReleaseSecret } from '../cluster/read-latest-release.js';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { ChartRef, ExtensionSpec, Fleet } from '../manifest/fleet.js';
import { chartKey, type ChartCatalog } from '../plan/chart-catalog.js';
import type { DesiredRelease } from '../plan/desired-release.js';
import { chartsOfFleet, computeDesiredStateOver, releaseKey, type DesiredState, type InstalledRelease } from '../plan/desired-state.js';
import { applyProtectedSettings } from '../reconcile/apply-protected-settings.js';
import { isManagedRelease } from '../reconcile/release-labels.js';
import { createClusterConnector } from '../runtime/cluster-connector.js';
import { DIGEST_KEY_SECRET } from '../runtime/controller-manager.js';
import type { CustomResource } from '../runtime/cr-store.js';
import { fleetOfMirroredCrs } from '../runtime/fleet-of-mirrored-crs.js';
import { installedReleasesOfCrs } from '../runtime/installed-releases-of-crs.js';
import { REPOSITORY_LABEL } from '../runtime/mirrored-resources.js';
import { createKubeRest, type KubeRest } from '../runtime/kube-rest.js';
import { protectedSettingsSecretRefusal } from '../runtime/protected-settings-secret.js';
import { createSecretReader, type SecretReader } from '../runtime/secret-reader.js';
import type { ExtensionStatus } from '../status/extension-status.js';
import { createHttpChartIndexReader, loadChartCatalog, type ChartIndexLimits } from '../source/chart-index.js';
import type { HubConnection } from './hub-options.js';

/** One cluster to check: how to reach it, and what git wants on it. */
export interface DriftTarget {
  cluster: string;
  /** A client of the cluster, or why there is none (a sentence without credentials). */
  connect(): Promise<{ kube: KubeRest } | { unreachable: string }>;
  desired: DesiredRelease[];
  /** Protected setting values of this cluster's releases, for the drift stage to mask. */
  protectedValues: string[];
  compliance: DesiredState['compliance'];
}

export interface DriftTargets {
  source: { kind: 'path' | 'revision' | 'hub'; ref: string };
  targets: DriftTarget[];
  /** Whole sentences for stderr: unreadable chart indexes, releases git cannot build. */
  warnings: string[];
  close(): void;
}

export interface CatalogOptions {
  /** Undefined: offline, auto-upgrading versions stay unresolved (never reported as drift). */
  chartIndex?: ChartIndexLimits;
}

/**
 * Hub mode: the fleet as the hub holds it (the mirrored CRs of every ExtensionRepository, rebuilt
 * with fleetOfMirroredCrs), desired releases by the controller's own computeDesiredStateOver over
 * what the Extension CRs record as installed, protected settings folded in as the controller does
 * (their digest, when the controller's digest key is readable, and their values to mask), and
 * each ConnectedCluster reached through its kubeconfig Secret by the controller's connector.
 */
export async function hubDriftTargets(hub: HubConnection, options: CatalogOptions): Promise<DriftTargets> {
  const [extensionTypes, clusters, extensions, policies] = await Promise.all([
    hub.store.list<Record<string, unknown>, Record<string, unknown>>('ExtensionType'),
    hub.store.list<Record<string, unknown>, Record<string, unknown>>('ConnectedCluster'),
    hub.store.list<ExtensionSpec, ExtensionStatus>('Extension'),
    hub.store.list<Record<string, unknown>, Record<string, unknown>>('ExtensionPolicy'),
  ]);
  const fleets = fleetOfMirroredCrs({ extensionTypes, clusters, extensions: extensions as unknown as CustomResource[], policies });
  if (fleets.length === 0) {
    throw new ClusterextError(
      'NothingToCheck',
      `The hub ${hub.server} has no clusterext resources in namespace "${hub.namespace}"; check --namespace, or give a fleet path (or --rev) and --cluster-context to check clusters directly.`,
      { namespace: hub.namespace },
    );
  }
  const secrets = createSecretReader(hub.kube, hub.namespace);
  const connector = createClusterConnector({ secrets });
  const hmacKey = (await secrets.read(DIGEST_KEY_SECRET).catch(() => undefined))?.key;
  const warnings: string[] = [];
  const byCluster = new Map<string, DriftTarget>();
  for (const { repository, fleet } of fleets) {
    const { catalog, warnings: catalogWarnings } = await loadCatalog(fleet, options);
    warnings.push(...catalogWarnings);
    const ofRepository = extensions.filter((cr) => cr.metadata.labels?.[REPOSITORY_LABEL] === repository);
    const desired = computeDesiredStateOver({ fleet, ...(catalog ? { catalog } : {}), installed: installedReleasesOfCrs(ofRepository) });
    warnings.push(...describeProblems(desired, `repository "${repository}"`));
    for (const manifest of fleet.clusters) {
      const name = manifest.metadata.name;
      const target = byCluster.get(name) ?? {
        cluster: name,
        connect: async () => {
          const connection = await connector.connect(manifest);
          if (connection?.client && connection.facts.reachable) return { kube: connection.client.kube };
          return { unreachable: connection && !connection.facts.reachable ? connection.facts.message : `ConnectedCluster "${name}" could not be reached.` };
        },
        desired: [],
        protectedValues: [],
        compliance: [],
      };
      byCluster.set(name, target);
      for (const release of desired.releases.filter((r) => r.cluster === name)) {
        const folded = await foldProtectedSettings(release, secrets, hmacKey);
        target.desired.push(folded.desired);
        target.protectedValues.push(...folded.values);
      }
      target.compliance.push(...desired.compliance.filter((c) => c.cluster === name));
    }
  }
  const repositories = fleets.map((f) => `${f.repository}@${f.revision.slice(0, 12)}`).join(', ');
  return { source: { kind: 'hub', ref: `${hub.server} (${repositories})` }, targets: [...byCluster.values()], warnings, close: () => connector.close() };
}

/**
 * Direct mode: the fleet of a path or a git revision, each cluster reached through a context of
 * a kubeconfig (`--cluster-context NAME=CONTEXT`, or the context named like the cluster). What
 * runs now, which keeps auto-upgrades within their major, is read from each cluster's Helm
 * records, as there are no Extension CRs to tell. Protected settings live on a hub, so their
 * digest is unknown here and values are compared without them (the drift stage says so).
 */
export async function directDriftTargets(input: {
  fleet: Fleet;
  source: DriftTargets['source'];
  kubeconfig?: string;
  clusterContexts: ReadonlyMap<string, string>;
  clusters: readonly string[];
  catalog: CatalogOptions;
}): Promise<DriftTargets> {
  const clients: KubeRest[] = [];
  const connections = new Map<string, { kube: KubeRest } | { unreachable: string }>();
  for (const name of input.clusters) {
    const explicit = input.clusterContexts.get(name);
    const context = explicit ?? name;
    try {
      const loaded = input.kubeconfig ? loadKubeconfigFile(input.kubeconfig, { context }) : loadDefaultKubeconfig({ context });
      const kube = createKubeRest(loaded.rest);
      clients.push(kube);
      connections.set(name, { kube });
    } catch (err) {
      // A context the user named must exist; one only guessed from the cluster's name may not.
      if (explicit !== undefined) throw err;
      connections.set(name, { unreachable: `No kubeconfig context for cluster "${name}": ${err instanceof Error ? err.message : String(err)} Map it with --cluster-context ${name}=CONTEXT.` });
    }
  }
  const installed = new Map<string, InstalledRelease>();
  const configs = new Map<string, Record<string, unknown>>();
  const limit = pLimit(4);
  await Promise.all(
    [...connections].map(([name, connection]) =>
      limit(async () => {
        if (!('kube' in connection)) return;
        try {
          for (const [key, latest] of await listLatestReleaseSecrets(connection.kube)) {
            if (!isManagedRelease(latest.secret.metadata.labels ?? {})) continue;
            const [namespace = '', release = ''] = key.split('/');
            // redactPaths [] asks for the stored values, nothing redacted: only to find the protected ones below.
            const { observed } = observeReleaseSecret(latest, { namespace, name: release }, { redactPaths: [] });
            if (observed.status === 'uninstalled') continue;
            installed.set(releaseKey(name, release), { version: observed.chartVersion, chartName: observed.chartName });
            configs.set(releaseKey(name, release), observed.config ?? {});
          }
        } catch {
          // Unreachable: the drift check says so with its own message.
        }
      }),
    ),
  );
  const { catalog, warnings } = await loadCatalog(input.fleet, input.catalog);
  const desired = computeDesiredStateOver({ fleet: input.fleet, ...(catalog ? { catalog } : {}), installed });
  warnings.push(...describeProblems(desired, `the fleet at ${input.source.ref}`));
  const targets = input.clusters.map((name) => ({
    cluster: name,
    connect: () => Promise.resolve(connections.get(name)!),
    desired: desired.releases.filter((r) => r.cluster === name),
    protectedValues: desired.releases
      .filter((r) => r.cluster === name && r.protectedSettingsRef !== undefined)
      .flatMap((r) => valuesNotIn(configs.get(releaseKey(name, r.extension)) ?? {}, r.values)),
    compliance: desired.compliance.filter((c) => c.cluster === name),
  }));
  return { source: input.source, targets, warnings, close: () => clients.forEach((c) => c.close()) };
}

async function loadCatalog(fleet: Fleet, options: CatalogOptions): Promise<{ catalog?: ChartCatalog; warnings: string[] }> {
  if (!options.chartIndex) return { warnings: [] };
  const charts = [...new Map(chartsOfFleet(fleet).map((c: ChartRef) => [chartKey(c), c])).values()];
  return loadChartCatalog({ charts, reader: createHttpChartIndexReader(options.chartIndex) });
}

function describeProblems(desired: DesiredState, where: string): string[] {
  return [...desired.diagnostics, ...desired.releaseProblems]
    .filter((d) => d.severity === 'error')
    .map((d) => `In ${where}, ${d.file}:${d.line}: ${d.message} (${d.code}); that release is not checked.`);
}

/** The controller's digest over the protected settings (so values are compared in full) and the values to mask. */
async function foldProtectedSettings(release: DesiredRelease, secrets: SecretReader, hmacKey: string | undefined): Promise<{ desired: DesiredRelease; values: string[] }> {
  const ref = release.protectedSettingsRef;
  if (!ref) return { desired: release, values: [] };
  const secret = await secrets.readWithLabels(ref.secretName).catch(() => undefined);
  // An unmarked Secret is not protected settings: the controller refuses it, and so is it not read here.
  if (!secret || protectedSettingsSecretRefusal({ secretName: ref.secretName, labels: secret.labels, extension: release.extension })) return { desired: release, values: [] };
  const values = Object.values(secret.data).filter((v) => v !== '');
  if (hmacKey === undefined) return { desired: release, values };
  try {
    const applied = applyProtectedSettings(release, secret.data, hmacKey);
    return { desired: { ...applied.desired, protectedSettingsDigest: applied.protectedDigest }, values };
  } catch {
    return { desired: release, values };
  }
}

/**
 * The values Helm stored for a release that git's settings do not hold: without the hub, these
 * are the protected settings (configurationSettings are not secret, everything else helm was
 * given came from the protected Secret), so the drift stage masks them wherever they appear.
 */
function valuesNotIn(stored: unknown, settings: unknown): string[] {
  if (stored !== null && typeof stored === 'object' && !Array.isArray(stored)) {
    const own = settings !== null && typeof settings === 'object' && !Array.isArray(settings) ? (settings as Record<string, unknown>) : {};
    return Object.entries(stored as Record<string, unknown>).flatMap(([key, value]) => valuesNotIn(value, Object.hasOwn(own, key) ? own[key] : undefined));
  }
  if (settings !== undefined || stored === null || stored === undefined) return [];
  const text = typeof stored === 'string' ? stored : JSON.stringify(stored);
  return text === '' ? [] : [text];
}
