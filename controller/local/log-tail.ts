import { readFileSync } from 'node:fs';

/** The last lines of a server's log, for the message of a failed start; empty when unreadable. */
export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
