import { readFileSync } from 'node:fs';

/**
 * Whether a process with this pid exists and has not exited (EPERM: it exists but belongs to
 * someone else). A zombie (exited, not yet reaped by its parent) counts as gone: it runs nothing
 * and holds nothing but its process-table entry, and waiting for its parent to reap it can take
 * as long as that parent likes.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return processState(pid) !== 'Z';
}

/**
 * The state letter of /proc/<pid>/stat (R, S, D, Z, T, …); undefined when there is no such file
 * (the process is gone, or /proc is not Linux's). The command name in parentheses may itself hold
 * spaces and parentheses, so the state is read after the last ")".
 */
export function processState(pid: number, readStat: (path: string) => string = (path) => readFileSync(path, 'utf8')): string | undefined {
  let stat: string;
  try {
    stat = readStat(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  return /^\s*(\S)/.exec(stat.slice(stat.lastIndexOf(')') + 1))?.[1];
}
