export interface ExecOptions {
  /** Added to (not replacing) the environment the process inherits. */
  env?: Record<string, string>;
  /** Killed (SIGTERM, then SIGKILL) after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed. */
  input?: string;
  /**
   * Open file descriptors of this process handed to the child as its fd 3, 4, … (which it reads
   * as `/dev/fd/3`, …): how private files without a name reach helm.
   */
  fds?: readonly number[];
}

export interface ExecResult {
  /** The exit code; -1 when the process was killed or could not start. */
  code: number;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

/**
 * Runs one process to completion. Never rejects for a non-zero exit: callers look at `code`. The
 * only seam through which the helm adapter starts processes, so tests pass a recording fake.
 */
export type Exec = (cmd: string, args: string[], opts?: ExecOptions) => Promise<ExecResult>;
