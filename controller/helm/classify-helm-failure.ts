/**
 * Why a helm command failed, from a closed list: what status and events say, whatever helm printed.
 * Each reason comes with what to do about it.
 */
export type HelmFailureReason =
  | 'Timeout'
  | 'NotStarted'
  | 'ClusterUnreachable'
  | 'Forbidden'
  | 'OperationInProgress'
  | 'ChartUnavailable'
  | 'RenderFailed'
  | 'Conflict'
  | 'Rejected'
  | 'HelperFailed'
  | 'Unknown';

export const HELM_FAILURE_ADVICE: Readonly<Record<HelmFailureReason, string>> = {
  Timeout: 'helm did not finish in time; check the release objects on the cluster',
  NotStarted: 'helm could not be started; check the controller image',
  ClusterUnreachable: 'the cluster did not answer; check its kubeconfig and network',
  Forbidden: 'the cluster refused the credentials or the permissions; check the kubeconfig and RBAC',
  OperationInProgress: 'another helm operation holds the release',
  ChartUnavailable: 'the chart or version could not be fetched; check the chart repository',
  RenderFailed: 'the chart failed to render with these values; check the settings',
  Conflict: 'an object of the release already exists and belongs to someone else',
  Rejected: 'the API server rejected an object of the release; check the settings',
  HelperFailed: 'the helm helper process stopped or stopped answering; a new one runs the next operation, and a release it left pending is recovered after the stuck-release timeout',
  Unknown: 'see the helm output below',
};

// First match wins: a render error that mentions "not found" is still a render error.
const PATTERNS: readonly [HelmFailureReason, RegExp][] = [
  ['OperationInProgress', /another operation \(install\/upgrade\/rollback\) is in progress/i],
  ['RenderFailed', /execution error at|template: |parse error|error converting YAML|YAML parse error|unable to build kubernetes objects from release manifest/i],
  ['ClusterUnreachable', /kubernetes cluster unreachable|connection refused|no such host|i\/o timeout|network is unreachable|tls: |x509: /i],
  ['Forbidden', /forbidden|unauthorized|must be logged in/i],
  ['ChartUnavailable', /not found in .*repository|chart ".*" (version ".*" )?not found|is not a valid chart repository|failed to fetch|failed to download|no chart version found|no chart name found/i],
  ['Conflict', /invalid ownership metadata|exists and cannot be imported|already exists/i],
  ['Rejected', /is invalid|admission webhook|denied the request|field is immutable|unprocessable/i],
  ['Timeout', /context deadline exceeded|timed out waiting|timeout waiting/i],
];

/** Classifies one failed helm run from how it ended and what it printed. */
export function classifyHelmFailure(run: { exitCode: number; timedOut: boolean; stderr: string }): HelmFailureReason {
  if (run.timedOut) return 'Timeout';
  if (run.exitCode === -1 && run.stderr.trim() === '') return 'NotStarted';
  for (const [reason, pattern] of PATTERNS) if (pattern.test(run.stderr)) return reason;
  return 'Unknown';
}
