import { describe, expect, it } from 'vitest';
import { DIGEST_B, REACHABLE, UNREACHABLE, desiredRelease, observedRelease } from '../../test/support/release-fixtures.js';
import { determineReleaseState, type ReleaseStateInput } from './release-state.js';

const NOW = new Date('2025-01-01T01:00:00.000Z');

function state(overrides: Partial<ReleaseStateInput>) {
  return determineReleaseState({
    desired: desiredRelease(),
    uninstallRequested: false,
    observed: observedRelease(),
    cluster: REACHABLE,
    requirements: { met: true },
    now: NOW,
    lockTimeoutMs: 10 * 60_000,
    ...overrides,
  });
}

describe('determineReleaseState', () => {
  it('is in sync when the deployed release carries the desired digest, chart and version', () => {
    expect(state({}).kind).toBe('in-sync');
  });

  it('is out of sync on a changed digest, version or chart, listing each difference', () => {
    const s = state({ desired: desiredRelease({ configDigest: DIGEST_B, version: { kind: 'pinned', version: '1.3.0' } }) });
    expect(s.kind).toBe('out-of-sync');
    expect(s.kind === 'out-of-sync' && s.differences.map((d) => d.field)).toEqual(['version', 'config']);
    const chart = state({ observed: observedRelease({ chartName: 'other' }) });
    expect(chart.kind === 'out-of-sync' && chart.differences).toEqual([{ field: 'chart', observed: 'other', desired: 'config-values' }]);
  });

  it('treats a superseded latest revision as out of sync even with a matching digest', () => {
    expect(state({ observed: observedRelease({ status: 'superseded' }) }).kind).toBe('out-of-sync');
  });

  it('is absent without a release, or when only an uninstalled record is kept', () => {
    expect(state({ observed: undefined }).kind).toBe('absent');
    expect(state({ observed: observedRelease({ status: 'uninstalled' }) }).kind).toBe('absent');
  });

  it('is unreachable before anything else when the cluster cannot be read', () => {
    expect(state({ cluster: UNREACHABLE, uninstallRequested: true })).toMatchObject({ kind: 'unreachable', cause: 'ConnectionRefused' });
  });

  it('never claims a release without the managed-by label, also not for uninstall', () => {
    const foreign = observedRelease({ labels: {} });
    expect(state({ observed: foreign }).kind).toBe('not-managed');
    expect(state({ observed: foreign, uninstallRequested: true }).kind).toBe('not-managed');
    expect(state({ observed: observedRelease({ labels: { 'clusterext.io/managed-by': 'someone-else' } }) }).kind).toBe('not-managed');
  });

  it('asks for uninstall when the Extension is gone, and reports removed once the release is gone', () => {
    expect(state({ uninstallRequested: true }).kind).toBe('uninstall-requested');
    expect(state({ uninstallRequested: true, observed: undefined }).kind).toBe('removed');
  });

  it('is locked while pending, and stuck once older than the lock timeout', () => {
    const young = state({ observed: observedRelease({ status: 'pending-upgrade', lastDeployed: '2025-01-01T00:55:00.000Z' }) });
    expect(young).toMatchObject({ kind: 'locked', stuck: false });
    const old = state({ observed: observedRelease({ status: 'pending-install', lastDeployed: '2025-01-01T00:40:00.000Z' }) });
    expect(old).toMatchObject({ kind: 'locked', stuck: true });
    expect(state({ observed: observedRelease({ status: 'pending-rollback', lastDeployed: undefined }) })).toMatchObject({ kind: 'locked', stuck: true });
  });

  it('is failed when the latest revision failed, whatever the digest', () => {
    expect(state({ observed: observedRelease({ status: 'failed' }) }).kind).toBe('failed');
  });

  it('blocks installs on unmet requirements but leaves an in-sync installed release alone', () => {
    const unmet = { met: false as const, unmet: [{ kind: 'architectures' as const, required: ['amd64'], actual: [] }] };
    expect(state({ observed: undefined, requirements: unmet }).kind).toBe('requirements-not-met');
    expect(state({ requirements: unmet }).kind).toBe('in-sync');
    expect(state({ requirements: unmet, desired: desiredRelease({ configDigest: DIGEST_B }) }).kind).toBe('requirements-not-met');
  });

  it('cannot act on an unresolved version', () => {
    const desired = desiredRelease({ version: { kind: 'unresolved', train: 'stable', constraint: '1.x', reason: 'The index is unreachable.' } });
    expect(state({ desired, observed: undefined })).toMatchObject({ kind: 'version-unresolved', reason: 'The index is unreachable.' });
    expect(state({ desired }).kind).toBe('version-unresolved');
  });
});
