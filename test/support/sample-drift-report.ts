import { buildDriftReport } from '../../controller/drift/build-drift-report.js';
import type { ClusterDrift, DriftCellState, DriftReport, ExtensionDrift } from '../../controller/drift/drift-report.js';

/** Text a hostile manifest author or cluster could put in a name or a live value. */
export const HOSTILE_DRIFT_NAME = 'web<script>alert(1)</script>"\'\r\n::error::pwned\u001b[2J|x|';
/** The mask the drift stage puts in place of Secret data and protected values. */
export const MASK = '(masked)';

function cell(cluster: string, extension: string, state: DriftCellState, rest: Partial<ExtensionDrift> = {}): ExtensionDrift {
  return { cluster, extension, releaseName: extension, namespace: extension, state, release: [], objects: [], ...rest };
}

/** A report of these clusters, summarized by the drift stage's own buildDriftReport. */
export function summarize(source: DriftReport['source'], clusters: ClusterDrift[]): DriftReport {
  return buildDriftReport(source, clusters);
}

/**
 * A report with every cell state: dev-eu has an in-sync release, a release with a hand-changed
 * Deployment image and ConfigMap value and a deleted Service, and a drifted Secret (masked);
 * prod-eu has a missing, a failed, a foreign, an orphaned and an errored release; prod-us could
 * not be reached.
 */
export function sampleDriftReport(): DriftReport {
  const digest = 'a'.repeat(64);
  const installed = { chart: 'podinfo', version: '6.9.2', revision: 3, status: 'deployed', configDigest: digest };
  const desired = { chart: 'podinfo', version: '6.9.2', configDigest: digest };
  return summarize({ kind: 'path', ref: 'samples/fleet' }, [
    {
      cluster: 'dev-eu',
      reachable: true,
      extensions: [
        cell('dev-eu', 'monitoring', 'in-sync', { extensionType: 'monitoring', origin: 'policy/monitoring-everywhere', driftDetection: 'warn', desired, installed }),
        cell('dev-eu', 'secrets', 'drifted', {
          desired,
          installed,
          objects: [{ apiVersion: 'v1', kind: 'Secret', namespace: 'secrets', name: 'creds', state: 'changed', fields: [{ path: '/data/password', desired: MASK, live: MASK, masked: true }] }],
        }),
        cell('dev-eu', 'web', 'drifted', {
          extensionType: 'web',
          origin: 'explicit',
          driftDetection: 'warn',
          desired,
          installed,
          objects: [
            { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web-config', state: 'changed', fields: [{ path: '/data/greeting', desired: 'hello', live: 'hello by hand' }] },
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              namespace: 'web',
              name: 'web',
              state: 'changed',
              fields: [
                { path: '/spec/template/spec/containers/0/image', desired: 'ghcr.io/stefanprodan/podinfo:6.9.2', live: 'ghcr.io/stefanprodan/podinfo:6.9.1' },
                { path: '/spec/template/spec/containers/0/resources/limits/cpu', live: '2' },
              ],
            },
            { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'web', state: 'missing', fields: [] },
          ],
        }),
      ],
      policies: [{ policy: 'monitoring-everywhere', compliant: true, instances: 1, nonCompliant: [] }],
    },
    {
      cluster: 'prod-eu',
      reachable: true,
      extensions: [
        cell('prod-eu', 'broken', 'error', { message: 'The manifest of release "broken" in namespace "broken" could not be read: the API server answered 500.' }),
        cell('prod-eu', 'gateway', 'foreign', { release: [{ reason: 'ForeignRelease', message: 'Release "gateway" in namespace "gateway" exists and is not managed by clusterext; remove it or rename the Extension.' }] }),
        cell('prod-eu', 'legacy', 'orphaned', { release: [{ reason: 'OrphanedRelease', message: 'Release "legacy" in namespace "legacy" is managed by clusterext and no longer in git; the controller uninstalls it.' }] }),
        cell('prod-eu', 'monitoring', 'missing', { desired, release: [{ reason: 'ReleaseMissing', message: 'Release "monitoring" in namespace "monitoring" does not exist; the controller installs it.' }] }),
        cell('prod-eu', 'web', 'failed', {
          desired: { ...desired, version: '6.9.3' },
          installed: { ...installed, status: 'failed' },
          release: [
            { reason: 'ReleaseFailed', message: 'Release "web" in namespace "web" is failed; run "clusterext reconcile extension prod-eu.web".' },
            { reason: 'ChartVersionDiffers', message: 'Release "web" runs podinfo 6.9.2; git wants 6.9.3.', desired: '6.9.3', live: '6.9.2' },
          ],
        }),
      ],
      policies: [{ policy: 'monitoring-everywhere', compliant: false, instances: 1, nonCompliant: ['monitoring'] }],
    },
    { cluster: 'prod-us', reachable: false, message: 'ConnectedCluster "prod-us" could not be reached: connect ECONNREFUSED 127.0.0.1:1.', extensions: [], policies: [] },
  ]);
}

/** Every release as git wants it. */
export function cleanDriftReport(): DriftReport {
  const digest = 'b'.repeat(64);
  return summarize({ kind: 'revision', ref: 'main (1a2b3c4)' }, [
    {
      cluster: 'dev-eu',
      reachable: true,
      extensions: [cell('dev-eu', 'monitoring', 'in-sync', { desired: { chart: 'metrics-server', version: '3.13.1', configDigest: digest }, installed: { chart: 'metrics-server', version: '3.13.1', revision: 1, status: 'deployed', configDigest: digest } })],
      policies: [],
    },
  ]);
}

/**
 * A report whose cluster, extension, object names and live values carry hostile text: markup, a
 * script, a CI workflow command, terminal escapes, table pipes, and a resource that would load
 * `networkUrl` if it were ever treated as HTML.
 */
export function hostileDriftReport(networkUrl = 'http://127.0.0.1:9/beacon'): DriftReport {
  const name = `${HOSTILE_DRIFT_NAME}<img src="${networkUrl}">`;
  return summarize({ kind: 'path', ref: `fleet/${HOSTILE_DRIFT_NAME}` }, [
    {
      cluster: name,
      reachable: true,
      extensions: [
        cell(name, name, 'drifted', {
          objects: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              namespace: name,
              name,
              state: 'changed',
              fields: [{ path: `/data/${name}`, desired: `<link rel="stylesheet" href="${networkUrl}">`, live: `</code></td><script src="${networkUrl}"></script>` }],
            },
          ],
        }),
      ],
      policies: [],
    },
    { cluster: `down-${name}`, reachable: false, message: `Cluster ${name} is down.`, extensions: [], policies: [] },
  ]);
}
