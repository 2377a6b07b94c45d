import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from './project-root.js';

export interface SupervisedProcessOptions {
  command: string;
  args: readonly string[];
  /** Standard output and error go here (appended), so a failed start can show its tail. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SupervisedProcess {
  /** The watchdog's pid, which is also the process group of the watchdog and the server. */
  readonly pid: number;
  /** The server's own pid (the watchdog's child), while it runs. */
  serverPid(): number | undefined;
  /** Resolves with the exit code (null when killed by a signal) once the server is gone. */
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL to the whole group after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** The watchdog script that ties a server's life to its Node parent (see the script's header). */
export function watchdogScriptPath(): string {
  return join(projectRoot(), 'controller', 'local', 'watchdog.sh');
}

/**
 * Starts a long-running server (etcd, kube-apiserver) under the watchdog so it can never outlive
 * this Node process: normal stop, an exception, Ctrl-C, or a SIGKILL of a test worker all end it.
 * The watchdog runs in its own process group, so a terminal's Ctrl-C reaches Node only and Node
 * stops the servers in order.
 */
export function startSupervisedProcess(options: SupervisedProcessOptions): SupervisedProcess {
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('sh', [watchdogScriptPath(), options.command, ...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', log, log],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  // Nothing is ever written: the pipe exists so that its end-of-file tells the watchdog Node is gone.
  child.stdin?.on('error', () => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start "${options.command}".`);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      done = true;
      child.stdin?.destroy();
      resolve(code);
    });
    child.on('error', () => {
      done = true;
      resolve(127);
    });
  });
  return {
    pid,
    exited,
    hasExited: () => done,
    serverPid: () => (done ? undefined : childPids(pid).find((p) => !isWatchdogReader(p))),
    async stop(graceMs = 10_000) {
      if (done) return;
      const server = childPids(pid).find((p) => !isWatchdogReader(p));
      signalGroup(pid, 'SIGTERM');
      // Unref'd: a pending grace timer must not keep Node alive for graceMs after the server has exited.
      const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs, undefined, { ref: false }).then(() => true)]);
      if (timedOut) signalGroup(pid, 'SIGKILL');
      await exited;
      // The server may outlive the watchdog by a moment when the group was killed: stop returns
      // once it is gone (or a zombie), so a caller never sees it alive after stop.
      signalGroup(pid, 'SIGKILL');
      for (let waited = 0; server !== undefined && isRunning(server) && waited < 5_000; waited += 20) await sleep(20, undefined, { ref: false });
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already empty
  }
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The watchdog's second child is a subshell (also `sh`) reading its standard input. */
function isWatchdogReader(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sh';
  } catch {
    return true;
  }
}

/** The process exists and is not a zombie. */
function isRunning(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
