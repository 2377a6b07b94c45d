import { pino } from 'pino';

/**
 * The logger seam: pino's shape, so entry points pass a real pino logger and tests a silent one.
 * Log fields are names, revisions, counts and reasons; never values, kubeconfigs or credentials.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  return pino({ level: options.level ?? 'info', base: { component: 'clusterext' }, redact: { paths: ['*.password', '*.token', '*.kubeconfig', '*.values', '*.protectedValues'], censor: '[REDACTED]' } });
}

export const silentLogger: Logger = pino({ level: 'silent' });
