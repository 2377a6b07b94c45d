import { describe, expect, it } from 'vitest';
import { describeUnreadyObjects, formatUnreadyObjects, objectReadiness, type ReleaseObject } from './object-readiness.js';

const deployment = (status: Record<string, unknown>, replicas = 1): ReleaseObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  name: 'web',
  namespace: 'apps',
  live: { metadata: { generation: 2 }, spec: { replicas }, status: { observedGeneration: 2, ...status } },
});

const unavailable = { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };

describe('objectReadiness', () => {
  it('calls a Deployment ready only when every replica is updated and available', () => {
    expect(objectReadiness(deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 }))).toEqual({ state: 'current' });
    expect(objectReadiness(deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [unavailable] }))).toEqual({
      state: 'in-progress',
      reason: 'has 0 of 1 replicas available (Available=False, MinimumReplicasUnavailable: Deployment does not have minimum availability)',
    });
    expect(objectReadiness(deployment({ replicas: 3, updatedReplicas: 2, availableReplicas: 2 }, 2))).toEqual({ state: 'in-progress', reason: 'has 1 old replicas still running while its updated replicas are not all available' });
    expect(objectReadiness(deployment({ observedGeneration: 1 }))).toMatchObject({ state: 'in-progress', reason: expect.stringContaining('generation 2') });
  });

  it('calls a Deployment past its progress deadline failed, with the condition message', () => {
    const progressing = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-5d8" has timed out progressing.' };
    expect(objectReadiness(deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [progressing] }))).toEqual({
      state: 'failed',
      reason: 'has 0 of 1 replicas available and stopped progressing (ProgressDeadlineExceeded: ReplicaSet "web-5d8" has timed out progressing)',
    });
  });

  it('waits for StatefulSets and DaemonSets to roll out', () => {
    const sts = (status: Record<string, unknown>): ReleaseObject => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', namespace: 'a', live: { spec: { replicas: 2 }, status } });
    expect(objectReadiness(sts({ readyReplicas: 1 }))).toEqual({ state: 'in-progress', reason: 'has 1 of 2 replicas ready' });
    expect(objectReadiness(sts({ readyReplicas: 2, updatedReplicas: 2, currentRevision: 'db-1', updateRevision: 'db-2' }))).toEqual({ state: 'in-progress', reason: 'is rolling out revision "db-2"' });
    expect(objectReadiness(sts({ readyReplicas: 2, updatedReplicas: 2, currentRevision: 'db-2', updateRevision: 'db-2' }))).toEqual({ state: 'current' });
    const ds = (status: Record<string, unknown>): ReleaseObject => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', namespace: 'a', live: { status } });
    expect(objectReadiness(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }))).toEqual({ state: 'in-progress', reason: 'has 2 of 3 pods available' });
    expect(objectReadiness(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }))).toEqual({ state: 'current' });
  });

  it('needs Jobs complete and CRDs established; a failed Job says why', () => {
    const job = (conditions: unknown[], status: Record<string, unknown> = {}): ReleaseObject => ({ apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', namespace: 'a', live: { status: { conditions, ...status } } });
    expect(objectReadiness(job([{ type: 'Complete', status: 'True' }]))).toEqual({ state: 'current' });
    expect(objectReadiness(job([], { active: 1 }))).toEqual({ state: 'in-progress', reason: 'has not completed (1 active, 0 succeeded, 0 failed pods)' });
    expect(objectReadiness(job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]))).toEqual({
      state: 'failed',
      reason: 'failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    });
    const crd = (conditions: unknown[]): ReleaseObject => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.com', live: { status: { conditions } } });
    expect(objectReadiness(crd([{ type: 'Established', status: 'True' }]))).toEqual({ state: 'current' });
    expect(objectReadiness(crd([{ type: 'NamesAccepted', status: 'False', reason: 'ListKindConflict', message: 'WidgetList is already in use' }]))).toMatchObject({ state: 'failed', reason: expect.stringContaining('ListKindConflict') });
  });

  it('tells a missing object, a failed pod with its container reason, and a LoadBalancer Service without address', () => {
    expect(objectReadiness({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gone', namespace: 'a' })).toEqual({ state: 'in-progress', reason: 'does not exist' });
    const pod: ReleaseObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'p',
      namespace: 'a',
      live: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'app', state: { terminated: { reason: 'Error', exitCode: 1 } } }] } },
    };
    expect(objectReadiness(pod)).toEqual({ state: 'in-progress', reason: 'is Running and not Ready (container "app" Error)' });
    expect(objectReadiness({ apiVersion: 'v1', kind: 'Service', name: 's', namespace: 'a', live: { spec: { type: 'LoadBalancer' }, status: {} } })).toMatchObject({ state: 'in-progress' });
    expect(objectReadiness({ apiVersion: 'v1', kind: 'Service', name: 's', namespace: 'a', live: { spec: { type: 'ClusterIP' }, status: {} } })).toEqual({ state: 'current' });
  });

  it('judges a hook by the phase Helm recorded, and a hook deleted after success as ready', () => {
    const hook = (phase: string | undefined, live?: ReleaseObject['live']): ReleaseObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: 'pre-upgrade-check',
      namespace: 'a',
      hook: { events: ['pre-upgrade'], ...(phase ? { phase } : {}) },
      ...(live ? { live } : {}),
    });
    expect(objectReadiness(hook('Succeeded'))).toEqual({ state: 'current' });
    expect(objectReadiness(hook(undefined))).toEqual({ state: 'current' });
    expect(objectReadiness(hook('Failed'))).toEqual({ state: 'failed', reason: 'failed (Helm recorded its last run as Failed)' });
    expect(objectReadiness(hook('Failed', { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] } }))).toEqual({
      state: 'failed',
      reason: 'failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    });
    expect(describeUnreadyObjects([hook('Failed')])).toEqual(['Job "a/pre-upgrade-check" (pre-upgrade hook) failed (Helm recorded its last run as Failed)']);
  });
});

describe('formatUnreadyObjects', () => {
  it('names each object that is not ready, failed ones first, and nothing when all are ready', () => {
    const ready = deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    const waiting = deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [unavailable] });
    const failedJob: ReleaseObject = { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', namespace: 'apps', live: { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } } };
    expect(formatUnreadyObjects([ready])).toBeUndefined();
    expect(formatUnreadyObjects([ready, waiting, failedJob])).toBe(
      'Not ready: Job "apps/migrate" failed: BackoffLimitExceeded; Deployment "apps/web" has 0 of 1 replicas available (Available=False, MinimumReplicasUnavailable: Deployment does not have minimum availability).',
    );
    const many = Array.from({ length: 7 }, (_, i) => ({ ...waiting, name: `w${i}` }));
    expect(formatUnreadyObjects(many, 2)).toMatch(/"apps\/w1" .*; and 5 more\.$/);
  });
});
