import { describe, expect, it } from 'vitest';
import { classifyHelmFailure, type HelmFailureReason } from './classify-helm-failure.js';

describe('classifyHelmFailure', () => {
  // Lines as helm 4 prints them.
  const cases: [HelmFailureReason, string][] = [
    ['RenderFailed', 'Error: UPGRADE FAILED: execution error at (leaky/templates/leak.yaml:3:29): the value is x'],
    ['ClusterUnreachable', 'Error: kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused'],
    ['Forbidden', 'Error: UPGRADE FAILED: clusterroles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:a:b" cannot create resource'],
    ['OperationInProgress', 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress'],
    ['ChartUnavailable', 'Error: chart "nope" version "1.0.0" not found in http://127.0.0.1:8080 repository'],
    ['Conflict', 'Error: Unable to continue with install: ConfigMap "x" in namespace "a" exists and cannot be imported into the current release: invalid ownership metadata'],
    ['Rejected', 'Error: UPGRADE FAILED: failed to create resource: ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value'],
    ['Timeout', 'Error: UPGRADE FAILED: context deadline exceeded'],
    ['Unknown', 'Error: something new'],
  ];
  for (const [reason, stderr] of cases) {
    it(`classifies "${stderr.slice(0, 60)}…" as ${reason}`, () => {
      expect(classifyHelmFailure({ exitCode: 1, timedOut: false, stderr })).toBe(reason);
    });
  }

  it('classifies a killed process by how it ended, whatever it printed', () => {
    expect(classifyHelmFailure({ exitCode: -1, timedOut: true, stderr: 'Error: is invalid' })).toBe('Timeout');
    expect(classifyHelmFailure({ exitCode: -1, timedOut: false, stderr: '' })).toBe('NotStarted');
  });
});
