import { spawn, type ChildProcess } from 'node:child_process';
import type { Exec, ExecResult } from './exec.js';

/** How many processes an Exec has started; the bench reads it to check "0 helm processes at steady state". */
export interface ProcessCounter {
  readonly spawned: number;
}

const KILL_GRACE_MS = 5_000;

/**
 * The real Exec, on node:child_process, with a counter of the processes it started and a way to
 * cancel those still running: `terminateAll` sends SIGTERM (helm then marks an interrupted install
 * or upgrade failed, which the next reconcile remediates), and SIGKILL after a grace period.
 */
export function createNodeExec(): { exec: Exec; counter: ProcessCounter; terminateAll(): void } {
  let spawned = 0;
  const running = new Set<ChildProcess>();
  const terminate = (child: ChildProcess) => {
    child.kill('SIGTERM');
    return setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  };
  const exec: Exec = (cmd, args, opts = {}) =>
    new Promise<ExecResult>((resolve) => {
      spawned += 1;
      const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe', ...(opts.fds ?? [])] });
      // The first three are pipes, as asked just above.
      const [stdin, stdoutPipe, stderrPipe] = [child.stdin!, child.stdout!, child.stderr!];
      running.add(child);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              killTimer = terminate(child);
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
        running.delete(child);
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), ...(timedOut ? { timedOut } : {}) });
      });
      stdin.end(opts.input ?? '');
    });
  return {
    exec,
    terminateAll: () => {
      for (const child of running) terminate(child).unref();
    },
    counter: {
      get spawned() {
        return spawned;
      },
    },
  };
}
