import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalFleet } from '../../controller/local/local-fleet.js';
import { projectRoot } from '../../controller/local/project-root.js';
import { DEFAULT_TEST_HELM_DRIVER, type HelmDriver } from './helm-drivers.js';
import { helmEnv } from './test-fleet.js';

const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');

/** One JSON log line of a controller (pino), with the fields the replica tests read. */
export interface ControllerLogLine {
  msg?: string;
  time?: number;
  action?: string;
  operation?: string;
  extension?: string;
  cluster?: string;
  startedAt?: number;
  endedAt?: number;
}

/**
 * `clusterext controller` processes on the hub of a local fleet, as the replicas of a Deployment
 * run them (built CLI, real helm through `--helm-driver`, the helper unless told otherwise). Each
 * gets its own cache folder and process group, so SIGKILL reaches the controller and the helm (or
 * helm helper) it is running; output is kept for the assertions.
 */
export class ControllerProcesses {
  readonly children: ChildProcess[] = [];
  private readonly output = new Map<ChildProcess, string[]>();

  /** `args` come after `controller --kubeconfig <hub> --cache-dir <own folder> --helm-driver <driver>`. */
  constructor(
    private readonly fleet: LocalFleet,
    private readonly work: string,
    private readonly args: readonly string[],
    private readonly options: { helmDriver?: HelmDriver } = {},
  ) {}

  start(extra: readonly string[] = []): ChildProcess {
    const driver = this.options.helmDriver ?? DEFAULT_TEST_HELM_DRIVER;
    const child = spawn(process.execPath, [cli, 'controller', '--kubeconfig', this.fleet.clusters[0]!.kubeconfigPath, '--cache-dir', join(this.work, `cache-${this.children.length}`), '--helm-driver', driver, ...this.args, ...extra], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: helmEnv(this.fleet),
    });
    this.children.push(child);
    const lines: string[] = [];
    this.output.set(child, lines);
    child.stdout!.on('data', (c: Buffer) => lines.push(c.toString()));
    child.stderr!.on('data', (c: Buffer) => lines.push(c.toString()));
    return child;
  }

  text(child: ChildProcess): string {
    return this.output.get(child)!.join('');
  }

  /** The identity the controller uses in Leases. */
  identity(child: ChildProcess): string {
    return `${hostname()}-${child.pid}`;
  }

  log(child: ChildProcess): ControllerLogLine[] {
    return this.text(child)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ControllerLogLine);
  }

  /** The helm actions a controller logged (one line per completed install, upgrade, …). */
  actions(child: ChildProcess): ControllerLogLine[] {
    return this.log(child).filter((l) => l.action !== undefined && l.action !== 'none' && l.action !== 'wait');
  }

  exited(child: ChildProcess): boolean {
    return child.exitCode !== null || child.signalCode !== null;
  }

  /** Polls `probe` until it gives a value; on timeout the error carries the end of every controller's output. */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Controller output:\n${this.children.map((c) => this.text(c).slice(-3000)).join('\n---\n')}`);
      await sleep(100);
    }
  }

  killAll(): void {
    for (const child of this.children) {
      if (this.exited(child) || !child.pid) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
