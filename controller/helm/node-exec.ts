import { spawn } from 'node:child_process';
import type { Exec, ExecResult } from './exec.js';

/** How many processes an Exec has started; the bench reads it to check "0 helm processes at steady state". */
export interface ProcessCounter {
  readonly spawned: number;
}

const KILL_GRACE_MS = 5_000;

/** The real Exec, on node:child_process, with a counter of the processes it started. */
export function createNodeExec(): { exec: Exec; counter: ProcessCounter } {
  let spawned = 0;
  const exec: Exec = (cmd, args, opts = {}) =>
    new Promise<ExecResult>((resolve) => {
      spawned += 1;
      const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe', ...(opts.fds ?? [])] });
      // The first three are pipes, as asked just above.
      const [stdin, stdoutPipe, stderrPipe] = [child.stdin!, child.stdout!, child.stderr!];
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              child.kill('SIGTERM');
              killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
            }, opts.timeoutMs);
      stdoutPipe.on('data', (c: Buffer) => stdout.push(c));
      stderrPipe.on('data', (c: Buffer) => stderr.push(c));
      stdin.on('error', () => {
        // the process may exit before reading its input; its exit code tells what happened
      });
      child.on('error', (err) => {
        stderr.push(Buffer.from(`${err.message}\n`));
      });
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), ...(timedOut ? { timedOut } : {}) });
      });
      stdin.end(opts.input ?? '');
    });
  return {
    exec,
    counter: {
      get spawned() {
        return spawned;
      },
    },
  };
}
