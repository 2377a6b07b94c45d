import { describe, expect, it } from 'vitest';
import { ClusterextError } from '../errors/clusterext-error.js';
import { FakeReleaseWorld } from '../../test/support/fake-release-world.js';
import { DIGEST_A, DIGEST_B, REACHABLE, UNREACHABLE, desiredRelease } from '../../test/support/release-fixtures.js';
import { findCondition } from '../status/condition.js';
import type { ExtensionStatus } from '../status/extension-status.js';
import type { Clock } from './clock.js';
import type { ReleaseObject } from './object-readiness.js';
import { reconcileRelease, type ReconcileReleaseInput, type ReconcileReleaseResult } from './reconcile-release.js';

const CANARY = 'canary-protected-value';
const POLICY = { retry: { maxRetries: 2, baseDelayMs: 10_000, maxDelayMs: 60_000 } };

/** A clock the test moves by hand. */
function manualClock(start = '2025-01-01T00:00:00.000Z'): Clock & { advance(ms: number): void } {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

function harness(overrides: Partial<ReconcileReleaseInput> = {}) {
  const world = new FakeReleaseWorld('monitor', 'monitoring');
  const clock = manualClock();
  let status: ExtensionStatus | undefined;
  let input: ReconcileReleaseInput = {
    desired: desiredRelease(),
    cluster: REACHABLE,
    requirements: { met: true },
    generation: 1,
    sourceRevision: 'rev-1',
    protectedValues: { data: { token: CANARY } },
    target: { kubeconfig: 'kubeconfig-content' },
    policy: POLICY,
    ...overrides,
  };
  const identities: string[] = [];
  /** In-progress statuses written before helm ran, with the number of helm calls made by then. */
  const progressWrites: { status: ExtensionStatus; callsBefore: number }[] = [];
  const objects = { list: [] as ReleaseObject[], reads: 0 };
  return {
    objects,
    world,
    clock,
    identities,
    progressWrites,
    get status() {
      return status;
    },
    set(next: Partial<ReconcileReleaseInput>) {
      input = { ...input, ...next };
    },
    /** One reconcile; the status is "written" when the result says so. */
    async run(): Promise<ReconcileReleaseResult> {
      const result = await reconcileRelease(
        { ...input, ...(status ? { previousStatus: status } : {}) },
        {
          helm: world.helm,
          storage: world.storage,
          clock,
          releaseObjects: async () => {
            objects.reads += 1;
            return objects.list;
          },
          writeStatus: async (written) => {
            progressWrites.push({ status: written, callsBefore: world.calls.length });
            status = written;
          },
          ...(input.desired.scope === 'namespace' ? { impersonation: async () => (identities.push('x'), 'system:serviceaccount:team:clusterext') } : {}),
        },
      );
      if (result.writeStatus) status = result.status;
      return result;
    },
  };
}

const ready = (s: ExtensionStatus | undefined) => findCondition(s?.conditions ?? [], 'Ready');

describe('reconcileRelease', () => {
  it('installs an absent release with the managed-by and digest labels and the protected values', async () => {
    const h = harness();
    const result = await h.run();
    expect(result.action).toMatchObject({ action: 'install', reason: 'ReleaseAbsent' });
    expect(h.world.calls).toHaveLength(1);
    const call = h.world.calls[0]!;
    expect(call.op === 'upgradeInstall' && call.req).toMatchObject({
      release: 'monitor',
      namespace: 'monitoring',
      createNamespace: true,
      version: '1.2.0',
      values: { data: { greeting: 'hi' } },
      protectedValues: { data: { token: CANARY } },
      labels: { 'clusterext.io/managed-by': 'clusterext', 'clusterext.io/config-digest': DIGEST_A.slice(0, 40) },
      kubeconfig: 'kubeconfig-content',
    });
    expect(result.after.kind).toBe('in-sync');
    expect(result.status).toMatchObject({
      provisioningState: 'Succeeded',
      installedVersion: '1.2.0',
      desiredVersion: '1.2.0',
      release: { name: 'monitor', namespace: 'monitoring', revision: 1, status: 'deployed' },
      lastAppliedRevision: 'rev-1',
      lastAttemptedRevision: 'rev-1',
      configDigest: DIGEST_A,
      observedGeneration: 1,
    });
    expect(ready(result.status)).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    expect(result.events).toEqual([{ type: 'Normal', reason: 'InstallSucceeded', message: expect.stringContaining('"monitoring/monitor"') }]);
    expect(result.writeStatus).toBe(true);
    expect(JSON.stringify(result)).not.toContain(CANARY);
  });

  it('does no needless work: an in-sync release costs one storage read, no helm call and no status write', async () => {
    const h = harness();
    await h.run();
    const callsBefore = h.world.calls.length;
    const readsBefore = h.world.reads;
    const writesBefore = h.progressWrites.length;
    h.clock.advance(3_600_000);
    const result = await h.run();
    expect(h.progressWrites.length).toBe(writesBefore);
    expect(result).toMatchObject({ result: 'unchanged', writeStatus: false, events: [], action: { action: 'none', reason: 'InSync' } });
    expect(result.requeueAfterMs).toBeUndefined();
    expect(h.world.calls.length).toBe(callsBefore);
    expect(h.world.reads - readsBefore).toBe(1);
  });

  it('writes Installing, Reconciling and the start time once, before helm runs, and the result after', async () => {
    const h = harness({ desired: desiredRelease({ timeoutMs: 90_000 }) });
    const result = await h.run();
    expect(h.progressWrites).toHaveLength(1);
    const [{ status: progress, callsBefore }] = h.progressWrites as [{ status: ExtensionStatus; callsBefore: number }];
    expect(callsBefore).toBe(0);
    expect(progress).toMatchObject({ provisioningState: 'Installing', lastOperation: { action: 'install', startTime: '2025-01-01T00:00:00.000Z', timeout: '90s' } });
    expect(findCondition(progress.conditions, 'Reconciling')).toMatchObject({ status: 'True', message: expect.stringContaining('Installing release "monitoring/monitor" with chart version 1.2.0; waiting up to 90s') });
    expect(ready(progress)?.status).toBe('Unknown');
    const call = h.world.calls[0]!;
    expect(call.op === 'upgradeInstall' && call.req.timeoutMs).toBe(90_000);
    // The result is written over the in-progress status, and keeps the operation's record.
    expect(result.writeStatus).toBe(true);
    expect(result.status).toMatchObject({ provisioningState: 'Succeeded', lastOperation: { action: 'install' } });
    expect(findCondition(result.status.conditions, 'Reconciling')?.status).toBe('False');

    h.set({ desired: desiredRelease({ configDigest: DIGEST_B, version: { kind: 'pinned', version: '1.3.0' } }) });
    h.clock.advance(60_000);
    await h.run();
    expect(h.progressWrites.map((w) => [w.status.provisioningState, w.status.lastOperation?.action, w.status.lastOperation?.timeout, w.callsBefore])).toEqual([
      ['Installing', 'install', '90s', 0],
      ['Upgrading', 'upgrade', '5m', 1],
    ]);
    await h.run();
    expect(h.progressWrites).toHaveLength(2);
  });

  it('writes the status, but runs no helm, when only the generation changed', async () => {
    const h = harness();
    await h.run();
    h.set({ generation: 2 });
    const result = await h.run();
    expect(result.action.action).toBe('none');
    expect(result.writeStatus).toBe(true);
    expect(result.status.observedGeneration).toBe(2);
    expect(h.world.calls).toHaveLength(1);
  });

  it('upgrades when the desired digest changes and records the new applied revision', async () => {
    const h = harness();
    await h.run();
    h.set({ desired: desiredRelease({ configDigest: DIGEST_B, version: { kind: 'pinned', version: '1.3.0' } }), sourceRevision: 'rev-2', generation: 2 });
    const result = await h.run();
    expect(result.action.action).toBe('upgrade');
    expect(result.status).toMatchObject({ installedVersion: '1.3.0', lastAppliedRevision: 'rev-2', configDigest: DIGEST_B, release: { revision: 2 } });
    expect(ready(result.status)).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
  });

  it('rolls back a failed upgrade, retries with backoff and stalls when the retries are used up', async () => {
    const h = harness();
    await h.run();
    h.set({ desired: desiredRelease({ configDigest: DIGEST_B, version: { kind: 'pinned', version: '1.3.0' } }), sourceRevision: 'rev-2' });

    h.world.failNext = 'timed out waiting for the condition';
    const failed = await h.run();
    expect(failed.action.action).toBe('upgrade');
    expect(failed.status).toMatchObject({ provisioningState: 'Failed', failures: 1, lastAttemptedConfigDigest: DIGEST_B, lastAttemptedRevision: 'rev-2', lastAppliedRevision: 'rev-1', configDigest: DIGEST_A });
    expect(ready(failed.status)).toMatchObject({ status: 'False', reason: 'UpgradeFailed', message: expect.stringContaining('timed out waiting for the condition') });
    expect(findCondition(failed.status.conditions, 'Reconciling')?.status).toBe('True');
    expect(failed.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'UpgradeFailed' })]);
    expect(failed.requeueAfterMs).toBe(0);

    const rollback = await h.run();
    expect(rollback.action).toMatchObject({ action: 'rollback', toRevision: 1 });
    expect(h.world.latest).toMatchObject({ revision: 3, status: 'deployed', chartVersion: '1.2.0' });
    expect(ready(rollback.status)?.reason).toBe('RollbackSucceeded');
    expect(rollback.requeueAfterMs).toBe(10_000);

    const calls = h.world.calls.length;
    const waiting = await h.run();
    expect(waiting.action).toMatchObject({ action: 'wait', reason: 'RetryBackoff' });
    expect(h.world.calls.length).toBe(calls);

    h.clock.advance(10_000);
    h.world.failNext = 'still broken';
    const second = await h.run();
    expect(second.action.action).toBe('upgrade');
    expect(second.status.failures).toBe(2);
    // The last failure is still remediated: the release goes back to what worked.
    expect((await h.run()).action.action).toBe('rollback');

    const stalled = await h.run();
    expect(stalled.action).toMatchObject({ action: 'wait', reason: 'RetriesExhausted' });
    expect(stalled.status.provisioningState).toBe('Failed');
    expect(findCondition(stalled.status.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExhausted' });
    expect(ready(stalled.status)).toMatchObject({ status: 'False', reason: 'RetriesExhausted' });
    // The long backoff: 5 minutes after the second (last quick) failure, at 00:00:10.
    expect(ready(stalled.status)?.message).toContain('the next attempt is at 2025-01-01T00:05:10.000Z');
    expect(stalled.requeueAfterMs).toBe(300_000);
    h.clock.advance(60_000);
    const callsWhenStalled = h.world.calls.length;
    expect((await h.run()).result).toBe('unchanged');
    expect(h.world.calls.length).toBe(callsWhenStalled);

    // Stalled is not forever: when the long backoff is over the upgrade is tried again, and a
    // failure is remediated at once, then waits twice as long.
    h.clock.advance(240_000);
    h.world.failNext = 'chart repository still down';
    expect((await h.run()).action.action).toBe('upgrade');
    expect((await h.run()).action.action).toBe('rollback');
    const longer = await h.run();
    expect(longer.action).toMatchObject({ action: 'wait', reason: 'RetriesExhausted', requeueAfterMs: 600_000 });
    expect(longer.status.failures).toBe(3);

    // An operator asks for an attempt now: it runs past the backoff, and the request is recorded.
    h.set({ requestedAt: '2025-01-01T00:06:00Z' });
    const requested = await h.run();
    expect(requested.action.action).toBe('upgrade');
    expect(requested.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.3.0', lastHandledReconcileAt: '2025-01-01T00:06:00Z' });
    expect(requested.status.failures).toBeUndefined();
    expect((await h.run()).result).toBe('unchanged');

    // A new desired configuration earns a fresh set of attempts.
    h.set({ desired: desiredRelease({ configDigest: 'c'.repeat(64), version: { kind: 'pinned', version: '1.3.1' } }), sourceRevision: 'rev-3' });
    const fixed = await h.run();
    expect(fixed.action.action).toBe('upgrade');
    expect(fixed.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.3.1' });
    expect(fixed.status.failures).toBeUndefined();
    expect(findCondition(fixed.status.conditions, 'Stalled')?.status).toBe('False');
  });

  it('names the objects that were not ready when an upgrade fails, through the rollback to Stalled', async () => {
    const h = harness();
    await h.run();
    expect(h.objects.reads).toBe(0);
    h.objects.list = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        namespace: 'monitoring',
        live: { spec: { replicas: 1 }, status: { replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }] } },
      },
      { apiVersion: 'batch/v1', kind: 'Job', name: 'ok', namespace: 'monitoring', live: { status: { conditions: [{ type: 'Complete', status: 'True' }] } } },
    ];
    h.set({ desired: desiredRelease({ configDigest: DIGEST_B, version: { kind: 'pinned', version: '1.3.0' } }), policy: { retry: { maxRetries: 1, baseDelayMs: 10_000, maxDelayMs: 60_000 } } });
    h.world.failNext = 'UPGRADE FAILED: context deadline exceeded';
    const failed = await h.run();
    const named = 'Not ready: Deployment "monitoring/web" has 0 of 1 replicas available (Available=False, MinimumReplicasUnavailable: Deployment does not have minimum availability).';
    expect(ready(failed.status)).toMatchObject({ status: 'False', reason: 'UpgradeFailed', message: expect.stringContaining(named) });
    expect(ready(failed.status)?.message).not.toContain('"monitoring/ok"');
    expect(h.objects.reads).toBe(1);
    expect((await h.run()).action.action).toBe('rollback');
    const stalled = await h.run();
    expect(findCondition(stalled.status.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExhausted', message: expect.stringContaining(named) });
    // Rollback succeeded and a settled release reads no objects.
    expect(h.objects.reads).toBe(1);
  });

  it("keeps helm's error alone when every object is ready or they cannot be read", async () => {
    const h = harness();
    h.world.failNext = 'INSTALL FAILED: boom';
    const failed = await h.run();
    expect(ready(failed.status)?.message).toContain('The install of release "monitoring/monitor" failed: helm failed: INSTALL FAILED: boom');
    expect(ready(failed.status)?.message).not.toContain('Not ready');
  });

  it('uninstalls a failed first install before installing again', async () => {
    const h = harness();
    h.world.failNext = 'broken chart';
    expect((await h.run()).status).toMatchObject({ provisioningState: 'Failed', failures: 1 });
    const remediation = await h.run();
    expect(remediation.action).toMatchObject({ action: 'uninstall', reason: 'RemediateFailedInstall' });
    expect(h.world.latest).toBeUndefined();
    h.clock.advance(10_000);
    expect((await h.run()).status).toMatchObject({ provisioningState: 'Succeeded' });
  });

  it('unlocks a release stuck in pending-upgrade, then rolls it back', async () => {
    const h = harness();
    await h.run();
    h.world.seed({ status: 'pending-upgrade', labels: { 'clusterext.io/managed-by': 'clusterext' }, lastDeployed: '2025-01-01T00:00:00.000Z' });
    const young = await h.run();
    expect(young.action).toMatchObject({ action: 'wait', reason: 'ReleaseLocked' });
    expect(ready(young.status)?.reason).toBe('ReleaseLocked');

    h.clock.advance(11 * 60_000);
    const unlock = await h.run();
    expect(unlock.action).toMatchObject({ action: 'unlock', revision: 2 });
    expect(h.world.calls.at(-1)).toEqual({ op: 'markFailed', revision: 2 });
    expect(unlock.after.kind).toBe('failed');
    expect(unlock.requeueAfterMs).toBe(0);
    expect((await h.run()).action).toMatchObject({ action: 'rollback', toRevision: 1 });
    expect((await h.run()).after.kind).toBe('in-sync');
  });

  it('reports a release it does not manage once, and never touches it', async () => {
    const h = harness();
    h.world.seed({ labels: {} });
    const first = await h.run();
    expect(first.action).toMatchObject({ action: 'none', reason: 'ReleaseNotManaged' });
    expect(findCondition(first.status.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'ReleaseNotManaged' });
    expect(first.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'ReleaseNotManaged' })]);
    const again = await h.run();
    expect(again).toMatchObject({ result: 'unchanged', events: [] });
    h.set({ uninstallRequested: true });
    expect((await h.run()).action.reason).toBe('ReleaseNotManaged');
    expect(h.world.calls).toEqual([]);
  });

  it('is Pending while the cluster is unreachable, without reading it, and Failed after the pending timeout', async () => {
    const h = harness({ cluster: UNREACHABLE });
    const pending = await h.run();
    expect(h.world.reads).toBe(0);
    expect(pending.action).toMatchObject({ action: 'wait', reason: 'ClusterUnreachable' });
    expect(pending.status).toMatchObject({ provisioningState: 'Pending', pendingSince: '2025-01-01T00:00:00.000Z' });
    expect(ready(pending.status)).toMatchObject({ status: 'False', reason: 'ClusterUnreachable', message: expect.stringContaining('ECONNREFUSED') });

    h.clock.advance(47 * 3_600_000);
    expect((await h.run()).status.provisioningState).toBe('Pending');
    h.clock.advance(1 * 3_600_000);
    const timedOut = await h.run();
    expect(timedOut.status.provisioningState).toBe('Failed');
    expect(findCondition(timedOut.status.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'PendingTimeout' });

    h.set({ cluster: REACHABLE });
    const recovered = await h.run();
    expect(recovered.action.action).toBe('install');
    expect(recovered.status.provisioningState).toBe('Succeeded');
    expect(recovered.status.pendingSince).toBeUndefined();
  });

  it('keeps a settled extension Succeeded while its cluster is unreachable', async () => {
    const h = harness();
    await h.run();
    h.set({ cluster: UNREACHABLE });
    const result = await h.run();
    expect(result.status).toMatchObject({ provisioningState: 'Succeeded', installedVersion: '1.2.0', release: { revision: 1 } });
    expect(ready(result.status)?.status).toBe('False');
  });

  it('treats a storage read that fails as an unreachable cluster', async () => {
    const h = harness();
    h.world.storage.readLatest = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    };
    const result = await h.run();
    expect(result.before).toMatchObject({ kind: 'unreachable' });
    expect(result.status.provisioningState).toBe('Pending');
    expect(h.world.calls).toEqual([]);
  });

  it('uninstalls when the Extension is removed', async () => {
    const h = harness();
    await h.run();
    h.set({ uninstallRequested: true });
    const result = await h.run();
    expect(result.action).toMatchObject({ action: 'uninstall', reason: 'ExtensionRemoved' });
    expect(result.after.kind).toBe('removed');
    expect(result.status.provisioningState).toBe('Deleting');
    expect(result.events).toEqual([expect.objectContaining({ type: 'Normal', reason: 'UninstallSucceeded' })]);
  });

  it('impersonates the namespace identity for a namespace-scoped instance, only when helm runs', async () => {
    const h = harness({ desired: desiredRelease({ scope: 'namespace', namespace: 'team' }) });
    await h.run();
    const call = h.world.calls[0]!;
    expect(call.op === 'upgradeInstall' && call.req).toMatchObject({ createNamespace: false, impersonateUser: 'system:serviceaccount:team:clusterext' });
    await h.run();
    expect(h.identities).toHaveLength(1);
  });

  it('blocks an install on unmet requirements and says why', async () => {
    const h = harness({ requirements: { met: false, unmet: [{ kind: 'kubernetesVersion', required: '>=1.40.0', actual: 'v1.34.4' }] } });
    const result = await h.run();
    expect(h.world.calls).toEqual([]);
    expect(ready(result.status)).toMatchObject({ status: 'False', reason: 'RequirementsNotMet', message: expect.stringContaining('>=1.40.0') });
    expect(result.status.provisioningState).toBe('Failed');
  });
});

/** Lets promises and timers queued so far run, until `done` holds (at most a few hundred turns). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!done()) throw new Error('The condition waited for never held.');
}

/** A sleep that ends only when the test says so (or the watcher is stopped). */
function steppedSleep() {
  const sleepers: (() => void)[] = [];
  return {
    sleepers,
    sleep: (_ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        sleepers.push(resolve);
        signal.addEventListener('abort', () => resolve());
      }),
    /** Ends the one pending sleep, so the watcher looks once. */
    tick() {
      sleepers.shift()!();
    },
  };
}

const unavailableWeb: ReleaseObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  name: 'web',
  namespace: 'monitoring',
  live: { spec: { replicas: 1 }, status: { replicas: 1, updatedReplicas: 1, availableReplicas: 0 } },
};

describe('reconcileRelease while an operation runs', () => {
  it('names the objects not ready yet in the in-progress status, writing only when that changes', async () => {
    const world = new FakeReleaseWorld('monitor', 'monitoring');
    const clock = steppedSleep();
    let finish!: () => void;
    const helm = {
      ...world.helm,
      upgradeInstall: async (req: Parameters<typeof world.helm.upgradeInstall>[0]) => {
        await new Promise<void>((resolve) => (finish = resolve));
        await world.helm.upgradeInstall(req);
      },
    };
    let objects: ReleaseObject[] = [unavailableWeb];
    const writes: ExtensionStatus[] = [];
    const running = reconcileRelease(
      { desired: desiredRelease(), cluster: REACHABLE, requirements: { met: true }, generation: 1, sourceRevision: 'rev-1', target: { kubeconfig: 'k' }, policy: POLICY },
      { helm, storage: world.storage, clock: { now: () => new Date('2025-01-01T00:00:00.000Z'), sleep: clock.sleep }, releaseObjects: async () => objects, writeStatus: async (s) => void writes.push(s) },
    );
    const reconciling = (s: ExtensionStatus | undefined) => findCondition(s?.conditions ?? [], 'Reconciling');
    await until(() => clock.sleepers.length === 1);
    expect(writes).toHaveLength(1);
    expect(reconciling(writes[0])?.message).not.toContain('Not ready');

    clock.tick();
    await until(() => writes.length === 2);
    expect(writes[1]).toMatchObject({ provisioningState: 'Installing', lastOperation: { action: 'install', startTime: writes[0]!.lastOperation!.startTime } });
    expect(reconciling(writes[1])).toMatchObject({
      status: 'True',
      reason: 'Progressing',
      message: 'Installing release "monitoring/monitor" with chart version 1.2.0; waiting up to 5m for its hooks and objects to be ready. Not ready: Deployment "monitoring/web" has 0 of 1 replicas available.',
    });

    // The same objects, still not ready: nothing new to say, no write.
    await until(() => clock.sleepers.length === 1);
    clock.tick();
    await until(() => clock.sleepers.length === 1);
    expect(writes).toHaveLength(2);

    objects = [{ ...unavailableWeb, live: { spec: { replicas: 1 }, status: { replicas: 1, updatedReplicas: 1, availableReplicas: 1 } } }];
    clock.tick();
    await until(() => writes.length === 3);
    expect(reconciling(writes[2])?.message).toBe('Installing release "monitoring/monitor" with chart version 1.2.0; waiting up to 5m for its hooks and objects to be ready.');

    finish();
    const result = await running;
    expect(writes).toHaveLength(3);
    expect(ready(result.status)).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
  });

  it('bounds what the in-progress status names: five objects, then how many more', async () => {
    const world = new FakeReleaseWorld('monitor', 'monitoring');
    const clock = steppedSleep();
    let finish!: () => void;
    const helm = { ...world.helm, upgradeInstall: async (req: Parameters<typeof world.helm.upgradeInstall>[0]) => (await new Promise<void>((resolve) => (finish = resolve)), world.helm.upgradeInstall(req)) };
    const many = Array.from({ length: 8 }, (_, i) => ({ ...unavailableWeb, name: `web-${i}` }));
    const writes: ExtensionStatus[] = [];
    const running = reconcileRelease(
      { desired: desiredRelease(), cluster: REACHABLE, requirements: { met: true }, generation: 1, sourceRevision: 'rev-1', target: { kubeconfig: 'k' }, policy: POLICY },
      { helm, storage: world.storage, clock: { now: () => new Date(), sleep: clock.sleep }, releaseObjects: async () => many, writeStatus: async (s) => void writes.push(s) },
    );
    await until(() => clock.sleepers.length === 1);
    clock.tick();
    await until(() => writes.length === 2);
    const message = findCondition(writes[1]!.conditions, 'Reconciling')!.message;
    expect(message).toContain('Deployment "monitoring/web-4"');
    expect(message).not.toContain('web-5');
    expect(message).toMatch(/; and 3 more\.$/);
    finish();
    await running;
  });

  it('names the objects an uninstall that timed out left behind, read before it started', async () => {
    const world = new FakeReleaseWorld('monitor', 'monitoring');
    const input = { desired: desiredRelease(), cluster: REACHABLE, requirements: { met: true as const }, generation: 1, sourceRevision: 'rev-1', target: { kubeconfig: 'k' }, policy: POLICY };
    const clock = { now: () => new Date('2025-01-01T00:00:00.000Z') };
    const installed = await reconcileRelease(input, { helm: world.helm, storage: world.storage, clock });
    const hook: ReleaseObject = { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', namespace: 'monitoring', hook: { events: ['pre-install'], phase: 'Succeeded' }, live: {} };
    const recorded: ReleaseObject[] = [{ ...unavailableWeb, live: undefined }, { ...unavailableWeb, name: 'gone', live: undefined }, hook];
    const asked: (readonly ReleaseObject[] | undefined)[] = [];
    const helm = {
      ...world.helm,
      uninstall: async () => {
        throw new ClusterextError('HelmFailed', 'helm failed: uninstallation completed with 1 error(s): context deadline exceeded');
      },
    };
    const result = await reconcileRelease(
      { ...input, uninstallRequested: true, previousStatus: installed.status },
      {
        helm,
        storage: world.storage,
        clock,
        releaseObjects: async (known) => {
          asked.push(known);
          // Before the uninstall: Helm's record. After: the live state of those objects again.
          if (!known) return recorded;
          return known.map((o) => (o.name === 'gone' ? o : { ...o, live: { metadata: { deletionTimestamp: '2025-01-01T00:00:00Z' } } }));
        },
      },
    );
    expect(asked).toEqual([undefined, recorded]);
    expect(ready(result.status)).toMatchObject({
      status: 'False',
      reason: 'UninstallFailed',
      message: expect.stringContaining('Not deleted yet: Deployment "monitoring/web" is being deleted. '),
    });
    expect(ready(result.status)?.message).toContain('context deadline exceeded');
    expect(ready(result.status)?.message).not.toContain('gone');
    expect(ready(result.status)?.message).not.toContain('migrate');
  });
});
