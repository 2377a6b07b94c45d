import { ClusterextError } from '../errors/clusterext-error.js';

export interface HelmErrorData {
  /** `install`, `upgrade`, `rollback` or `uninstall`. */
  operation: string;
  release: string;
  namespace: string;
  /** The helm arguments, with temporary file paths replaced by `<values>` / `<kubeconfig>`. */
  args: string[];
  /** -1 when helm was killed or did not start. */
  exitCode: number;
  timedOut: boolean;
  /** The end of helm's stderr, scrubbed of protected values and kubeconfig credentials. */
  stderr: string;
}

/** A helm command failed. Message and data never hold values, protected settings or credentials. */
export class HelmError extends ClusterextError {
  declare readonly data: Readonly<HelmErrorData>;

  constructor(data: HelmErrorData) {
    const how = data.timedOut ? 'timed out' : `failed with exit code ${data.exitCode}`;
    const detail = data.stderr ? `: ${data.stderr}` : '.';
    super('HelmFailed', `helm ${data.operation} of release "${data.namespace}/${data.release}" ${how}${detail}`, { ...data });
    this.name = 'HelmError';
  }
}
