import type { ChartRef } from '../manifest/fleet.js';
import type { ObservedRelease } from './observed-release.js';

/** Where helm connects: a kubeconfig (its content; written to a private file per call). */
export interface HelmTarget {
  kubeconfig: string;
  kubeContext?: string;
  /** `--kube-as-user`, for namespace-scoped instances. */
  impersonateUser?: string;
}

/** Helm 4 wait strategies; `hookOnly` (helm's default) waits for hooks only. */
export type WaitStrategy = 'watcher' | 'hookOnly' | 'legacy';

export interface UpgradeInstallRequest extends HelmTarget {
  release: string;
  namespace: string;
  createNamespace: boolean;
  chart: ChartRef;
  version: string;
  values: Record<string, unknown>;
  /** Nested like `values` and merged over them; only ever written to the private values file. */
  protectedValues?: Record<string, unknown>;
  labels: Record<string, string>;
  timeoutMs: number;
  wait?: WaitStrategy;
}

export interface RollbackRequest extends HelmTarget {
  release: string;
  namespace: string;
  toRevision: number;
  timeoutMs: number;
  wait?: WaitStrategy;
}

export interface UninstallRequest extends HelmTarget {
  release: string;
  namespace: string;
  timeoutMs: number;
  wait?: WaitStrategy;
}

/** The helm operations the reconciler may run; the helm adapter implements it. Failures throw. */
export interface HelmPort {
  upgradeInstall(req: UpgradeInstallRequest): Promise<void>;
  rollback(req: RollbackRequest): Promise<void>;
  uninstall(req: UninstallRequest): Promise<void>;
  /**
   * Gets ready to act on a cluster ahead of its first operation (a client, discovery, the server's
   * capabilities), while the controller does other work; resolves when done. Best effort: it never
   * rejects, and an operation that comes first simply pays for it. Absent when there is nothing to
   * prepare.
   */
  prepare?(target: HelmTarget): Promise<void>;
}

/** Reads and repairs Helm's release storage directly (the cluster adapter implements it). */
export interface ReleaseStoragePort {
  /** The latest revision of the release, or undefined when Helm has none. */
  readLatest(): Promise<ObservedRelease | undefined>;
  /** Sets a pending revision's status to failed so it can be rolled back or uninstalled. */
  markFailed(revision: number): Promise<void>;
}

/**
 * The namespace of a cluster-scoped release, when clusterext creates it: created (and marked)
 * before the first install, deleted after the Extension's uninstall (the cluster adapter
 * implements it).
 */
export interface ReleaseNamespacePort {
  /** Creates the namespace for the release unless it exists. */
  claim(): Promise<void>;
  /** Deletes the namespace if it was created for this release and waits until it is gone; true when it deleted it. */
  remove(timeoutMs: number): Promise<boolean>;
}
