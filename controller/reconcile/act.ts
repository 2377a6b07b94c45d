import { ClusterextError } from '../errors/clusterext-error.js';
import type { DesiredRelease } from '../plan/desired-release.js';
import type { ReleaseAction } from './decide-action.js';
import { releaseLabels } from './release-labels.js';
import type { HelmPort, HelmTarget, ReleaseNamespacePort, ReleaseStoragePort, WaitStrategy } from './release-ports.js';

export interface ActRequest {
  desired: DesiredRelease;
  /** Nested protected settings; handed to helm only. */
  protectedValues?: Record<string, unknown>;
  target: HelmTarget;
  timeoutMs: number;
  wait?: WaitStrategy;
}

export interface ActPorts {
  helm: HelmPort;
  storage: Pick<ReleaseStoragePort, 'markFailed'>;
  /**
   * For namespace-scoped instances: makes sure the namespace's service account exists and returns
   * the user helm impersonates. Called only when a helm operation runs, so a settled release costs
   * no API requests for it.
   */
  impersonation?: () => Promise<string>;
  /** For cluster-scoped instances: the release namespace, created before the first install and deleted after the Extension's uninstall. */
  namespace?: ReleaseNamespacePort;
}

/** What `act` did, for events; `performed: false` for `wait` and `none`. */
export interface ActResult {
  performed: boolean;
}

/**
 * Carries out one decided action with exactly one helm call (or one storage write for `unlock`).
 * Decides nothing: the action says what to do; errors propagate to the caller unchanged.
 */
export async function act(action: ReleaseAction, request: ActRequest, ports: ActPorts): Promise<ActResult> {
  const { desired } = request;
  const base = async () => ({
    ...request.target,
    ...(ports.impersonation ? { impersonateUser: await ports.impersonation() } : {}),
    release: desired.releaseName,
    namespace: desired.namespace,
    timeoutMs: request.timeoutMs,
    ...(request.wait ? { wait: request.wait } : {}),
  });
  switch (action.action) {
    case 'install':
    case 'upgrade': {
      if (desired.version.kind === 'unresolved') {
        throw new ClusterextError('VersionUnresolved', `Release "${desired.namespace}/${desired.releaseName}" cannot be ${action.action === 'install' ? 'installed' : 'upgraded'} without a resolved chart version; resolve the release train's versions first.`, { release: desired.releaseName, namespace: desired.namespace });
      }
      if (action.action === 'install' && desired.scope === 'cluster') await ports.namespace?.claim();
      await ports.helm.upgradeInstall({
        ...(await base()),
        // Only cluster-scoped instances may create their namespace: a namespace-scoped one runs
        // impersonated as a service account of that namespace, which must exist already.
        createNamespace: desired.scope === 'cluster',
        chart: desired.chart,
        version: desired.version.version,
        values: desired.values,
        ...(request.protectedValues ? { protectedValues: request.protectedValues } : {}),
        labels: releaseLabels(desired),
      });
      return { performed: true };
    }
    case 'rollback':
      await ports.helm.rollback({ ...(await base()), toRevision: action.toRevision });
      return { performed: true };
    case 'uninstall':
      await ports.helm.uninstall(await base());
      // Only when the Extension is gone: a failed install is uninstalled to be installed again.
      if (action.reason === 'ExtensionRemoved') await ports.namespace?.remove(request.timeoutMs);
      return { performed: true };
    case 'unlock':
      await ports.storage.markFailed(action.revision);
      return { performed: true };
    case 'wait':
    case 'none':
      return { performed: false };
  }
}
