/**
 * The base of every error clusterext raises on purpose. `code` is stable (tests and scripts match
 * on it), `data` carries the structured facts, and the message is a whole sentence that names the
 * object in quotes and says what to do. Messages must never contain protected settings,
 * kubeconfigs or git credentials: put references (secret names, digests) in them, never values.
 */
export class ClusterextError extends Error {
  readonly code: string;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterextError';
    this.code = code;
    this.data = data;
  }
}

/**
 * Thrown by commands to end the process with a given exit code after printing `message` (when not
 * empty). Only the CLI entry point turns it into `process.exit`.
 */
export class ExitError extends ClusterextError {
  readonly exitCode: number;

  constructor(exitCode: number, message = '', data: Record<string, unknown> = {}) {
    super('Exit', message, data);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}
