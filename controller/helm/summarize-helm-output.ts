import { scrubSecrets } from './scrub-secrets.js';

/** How much of helm's stderr is looked at: its error is at the end, and scrubbing is linear in it. */
const STDERR_TAIL = 64 * 1024;
/** Lines of helm's output kept for status and events, from the end. */
export const HELM_OUTPUT_LINES = 4;
/** Characters kept of each line. */
export const HELM_OUTPUT_LINE_LENGTH = 400;

/**
 * What of helm's stderr may go into an error message, status, events and logs: a few non-empty
 * lines from its last `Error:` line (or the last few), scrubbed of `secrets` first (so a cut can never leave part of one behind), with
 * every control character (ESC sequences, CR, NUL) made a space, each line cut to a fixed length,
 * joined on one line so a chart's message cannot start a line of a CI log or a terminal.
 */
export function summarizeHelmOutput(stderr: string, secrets: Iterable<string>): string {
  const tail = stderr.length > STDERR_TAIL ? stderr.slice(stderr.length - STDERR_TAIL) : stderr;
  const lines = scrubSecrets(tail, secrets)
    .split('\n')
    // eslint-disable-next-line no-control-regex
    .map((line) => line.replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, ' ').replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ').replace(/ {2,}/g, ' ').trim())
    .filter((line) => line !== '');
  // helm ends with its `Error:` line and maybe a hint after it; warnings and progress come before.
  const errorLine = lines.findLastIndex((line) => line.startsWith('Error:'));
  const kept = errorLine >= 0 ? lines.slice(errorLine, errorLine + HELM_OUTPUT_LINES) : lines.slice(-HELM_OUTPUT_LINES);
  return kept
    .map((line) => (line.length <= HELM_OUTPUT_LINE_LENGTH ? line : `${line.slice(0, HELM_OUTPUT_LINE_LENGTH)}…`))
    .join(' ');
}
