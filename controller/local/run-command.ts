import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ClusterextError } from '../errors/clusterext-error.js';

export interface RunCommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the command's standard input, which is then closed. */
  input?: string | Buffer;
  /** Also append the command's output to this file (build logs). */
  logFile?: string;
  /** Resolve with the result instead of throwing when the command exits non-zero. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** User + system CPU time of the command and every descendant it waited for. */
  cpuMs: number;
}

// `times` prints the shell's own and its children's CPU times; the second line covers the command
// and everything it waited for (go build's compilers, helm's plugins), which Node cannot see.
const MEASURE = '"$@"; status=$?; times >&3; exit $status';

/**
 * Runs one command to completion and measures it. Used by the test bed's builders and helpers and
 * by the bench; the controller's own helm adapter has its own exec seam.
 */
export async function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const started = performance.now();
  const child = spawn('sh', ['-c', MEASURE, 'sh', command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const stdout = collect(child.stdout, log);
  const stderr = collect(child.stderr, log);
  const times = collect(child.stdio[3] as Readable);
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  if (timer) clearTimeout(timer);
  await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
  const result: CommandResult = {
    code,
    stdout: await stdout,
    stderr: await stderr,
    wallMs: performance.now() - started,
    cpuMs: childrenCpuMs(await times),
  };
  if (code !== 0 && !options.allowFailure) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
    throw new ClusterextError('CommandFailed', `"${command} ${args[0] ?? ''}" exited with code ${code}:\n${tail}`, {
      command,
      args: [...args],
      code,
    });
  }
  return result;
}

function collect(stream: Readable, log?: NodeJS.WritableStream): Promise<string> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    log?.write(chunk);
  });
  return new Promise((resolve) => stream.on('close', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

/** Parses the second line of `times` output ("0m1.230s 0m0.450s"): children's user and system time. */
export function childrenCpuMs(timesOutput: string): number {
  const line = timesOutput.trim().split('\n')[1] ?? '';
  let total = 0;
  for (const match of line.matchAll(/(\d+)m([\d.]+)s/g)) total += (Number(match[1]) * 60 + Number(match[2])) * 1000;
  return total;
}
