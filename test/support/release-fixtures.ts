import type { DesiredRelease } from '../../controller/plan/desired-release.js';
import type { ClusterFacts } from '../../controller/reconcile/cluster-facts.js';
import type { ObservedRelease } from '../../controller/reconcile/observed-release.js';
import { releaseLabels } from '../../controller/reconcile/release-labels.js';

export const DIGEST_A = 'a'.repeat(64);
export const DIGEST_B = 'b'.repeat(64);

/** A desired release of chart `config-values` 1.2.0 on cluster `c1`, as the plan stage builds it. */
export function desiredRelease(overrides: Partial<DesiredRelease> = {}): DesiredRelease {
  return {
    cluster: 'c1',
    extension: 'monitor',
    releaseName: 'monitor',
    namespace: 'monitoring',
    scope: 'cluster',
    extensionType: 'monitoring-agent',
    chart: { repository: 'https://charts.example.com', name: 'config-values' },
    version: { kind: 'pinned', version: '1.2.0' },
    autoUpgradeMinorVersion: false,
    releaseTrain: 'stable',
    values: { data: { greeting: 'hi' } },
    driftDetection: 'warn',
    origin: { kind: 'explicit' },
    configDigest: DIGEST_A,
    ...overrides,
  };
}

/** The deployed, clusterext-managed release that `desiredRelease()` describes. */
export function observedRelease(overrides: Partial<ObservedRelease> = {}): ObservedRelease {
  return {
    name: 'monitor',
    namespace: 'monitoring',
    revision: 3,
    status: 'deployed',
    chartName: 'config-values',
    chartVersion: '1.2.0',
    labels: releaseLabels({ configDigest: DIGEST_A }),
    lastDeployed: '2025-01-01T00:00:00.000Z',
    previousDeployedRevision: 2,
    ...overrides,
  };
}

export const REACHABLE: ClusterFacts = { reachable: true, kubernetesVersion: 'v1.34.4', architectures: ['amd64'], nodeCount: 1 };
export const UNREACHABLE: ClusterFacts = { reachable: false, reason: 'ConnectionRefused', message: 'connect ECONNREFUSED 127.0.0.1:6443' };
