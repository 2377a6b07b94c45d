import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../controller/local/project-root.js';

/** The built CLI (`npm run build`), as users run it. */
export const builtCli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Added to the environment (process.env with NO_COLOR empty). */
  env?: Record<string, string>;
  /** Killed (SIGKILL) after this long. */
  timeoutMs: number;
  /** Receives stdout and stderr once the CLI exits: what a file proves no secret ever reached. */
  printed: string[];
  /** Sends SIGINT once, when stdout first satisfies this (a watch that has shown enough). */
  signalWhen?: (stdout: string) => boolean;
}

/**
 * Runs the built CLI asynchronously, so that a controller, git server or chart repository in the
 * test's own process keeps serving while it runs.
 */
export function runBuiltCli(args: string[], options: CliRunOptions): Promise<CliRun> {
  const child = spawn(process.execPath, [builtCli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '', ...options.env } });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (!signalled && options.signalWhen?.(stdout)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      options.printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}
