import { ClusterextError } from '../../controller/errors/clusterext-error.js';
import type { ObservedRelease } from '../../controller/reconcile/observed-release.js';
import type { HelmPort, ReleaseStoragePort, RollbackRequest, UninstallRequest, UpgradeInstallRequest } from '../../controller/reconcile/release-ports.js';

export type HelmCall =
  | { op: 'upgradeInstall'; req: UpgradeInstallRequest }
  | { op: 'rollback'; req: RollbackRequest }
  | { op: 'uninstall'; req: UninstallRequest }
  | { op: 'markFailed'; revision: number };

/**
 * One release's Helm storage in memory, with a helm that writes revisions into it the way helm
 * does (a new revision per install, upgrade or rollback; earlier deployed ones superseded; a failed
 * operation leaves a failed revision). For unit tests of the reconcile loop; the real helm and
 * storage are covered by test/helm-adapter.test.ts.
 */
export class FakeReleaseWorld {
  revisions: ObservedRelease[] = [];
  calls: HelmCall[] = [];
  reads = 0;
  /** The next helm operation fails with this stderr (and still records a failed revision). */
  failNext: string | undefined;

  constructor(
    readonly name: string,
    readonly namespace: string,
  ) {}

  get latest(): ObservedRelease | undefined {
    return this.revisions.at(-1);
  }

  readonly storage: ReleaseStoragePort = {
    readLatest: async () => {
      this.reads += 1;
      const latest = this.latest;
      if (!latest) return undefined;
      const previous = [...this.revisions].reverse().find((r) => r !== latest && (r.status === 'deployed' || r.status === 'superseded'));
      return structuredClone({ ...latest, ...(previous ? { previousDeployedRevision: previous.revision } : {}) });
    },
    markFailed: async (revision) => {
      this.calls.push({ op: 'markFailed', revision });
      const r = this.revisions.find((x) => x.revision === revision);
      if (r) r.status = 'failed';
    },
  };

  readonly helm: HelmPort = {
    upgradeInstall: async (req) => {
      this.calls.push({ op: 'upgradeInstall', req });
      this.write({ chartName: req.chart.name, chartVersion: req.version, labels: { ...(this.latest?.labels ?? {}), ...req.labels } });
    },
    rollback: async (req) => {
      this.calls.push({ op: 'rollback', req });
      const target = this.revisions.find((r) => r.revision === req.toRevision);
      if (!target) throw new ClusterextError('HelmFailed', `release has no ${req.toRevision} version`);
      this.write({ chartName: target.chartName, chartVersion: target.chartVersion, labels: { ...target.labels } });
    },
    uninstall: async (req) => {
      this.calls.push({ op: 'uninstall', req });
      this.revisions = [];
    },
  };

  /** Puts a release there as someone else (or an earlier clusterext) left it. */
  seed(release: Partial<ObservedRelease>): void {
    this.revisions.push({ name: this.name, namespace: this.namespace, revision: this.revisions.length + 1, status: 'deployed', chartName: 'config-values', chartVersion: '1.0.0', labels: {}, ...release });
  }

  private write(r: Pick<ObservedRelease, 'chartName' | 'chartVersion' | 'labels'>): void {
    const failure = this.failNext;
    this.failNext = undefined;
    if (!failure) for (const old of this.revisions) if (old.status === 'deployed') old.status = 'superseded';
    this.revisions.push({ name: this.name, namespace: this.namespace, revision: (this.latest?.revision ?? 0) + 1, status: failure ? 'failed' : 'deployed', lastDeployed: '2025-01-01T00:00:00.000Z', ...r });
    if (failure) throw new ClusterextError('HelmFailed', `helm failed: ${failure}`);
  }
}
