import { ClusterextError } from '../errors/clusterext-error.js';
import { HELM_FAILURE_ADVICE, type HelmFailureReason } from './classify-helm-failure.js';

export interface HelmErrorData {
  /** `install`, `upgrade`, `rollback` or `uninstall`. */
  operation: string;
  release: string;
  namespace: string;
  /** The helm arguments, with the private files replaced by `<values>` / `<kubeconfig>`. */
  args: string[];
  /** -1 when helm was killed or did not start. */
  exitCode: number;
  timedOut: boolean;
  /** Why it failed, from a closed list, whatever helm printed. */
  reason: HelmFailureReason;
  /**
   * The last lines of helm's stderr on one line, scrubbed of protected values and kubeconfig
   * credentials, without control characters, length-limited (summarizeHelmOutput); never the raw text.
   */
  stderr: string;
}

/** A helm command failed. Message and data never hold values, protected settings or credentials. */
export class HelmError extends ClusterextError {
  declare readonly data: Readonly<HelmErrorData>;

  constructor(data: HelmErrorData) {
    const how = data.timedOut ? 'timed out' : `failed with exit code ${data.exitCode}`;
    const detail = data.stderr ? ` helm said: ${data.stderr}` : '';
    super('HelmFailed', `helm ${data.operation} of release "${data.namespace}/${data.release}" ${how} (${data.reason}: ${HELM_FAILURE_ADVICE[data.reason]}).${detail}`, { ...data });
    this.name = 'HelmError';
  }
}
