import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { HelmPort, HelmTarget, RollbackRequest, UninstallRequest, UpgradeInstallRequest, WaitStrategy } from '../reconcile/release-ports.js';
import { classifyHelmFailure } from './classify-helm-failure.js';
import { HelmError } from './helm-error.js';
import { mergeValues } from './merge-values.js';
import { kubeconfigSecrets, leafStrings } from './scrub-secrets.js';
import { summarizeHelmOutput } from './summarize-helm-output.js';

export interface HelmHelperOptions {
  /** The clusterext-helm-helper binary (controller/helm/helper, built by controller/local/helm-helper-binary.ts). */
  helperPath: string;
  /** Extra environment for the helper, e.g. HELM_CACHE_HOME / HELM_CONFIG_HOME / HELM_DATA_HOME. */
  env?: Record<string, string>;
  /** `--history-max`; helm's default is 10. */
  historyMax?: number;
}

/**
 * Time the helper is given beyond an operation's own timeout before it counts as hung: it is then
 * killed, every operation under way fails with reason HelperFailed, and the next one starts a new
 * helper (the releases they left pending are unlocked after the lock timeout, as after a killed helm).
 */
const HELPER_GRACE_MS = 60_000;

interface HelperRequest {
  op: 'upgradeInstall' | 'rollback' | 'uninstall' | 'prepare';
  kubeconfig: string;
  kubeContext?: string;
  impersonateUser?: string;
  release: string;
  namespace: string;
  chartRepository?: string;
  chartName?: string;
  version?: string;
  valuesJson?: string;
  labels?: Record<string, string>;
  createNamespace?: boolean;
  timeoutSeconds: number;
  wait?: WaitStrategy;
  waitForJobs?: boolean;
  historyMax?: number;
  toRevision?: number;
}

interface Pending {
  /** The helper process holding the operation: its death fails exactly the operations it held. */
  child: ChildProcess;
  settle(outcome: Outcome): void;
}

/**
 * The helm adapter on one long-lived helper process that runs Helm 4 operations with the Helm SDK
 * (issue 12): the same HelmPort as HelmCli, the same release storage, so `helm list`, `history` and
 * `rollback` see the same releases. It only acts; every decision stays with the reconciler. The
 * kubeconfig and the values (protected values merged in) travel in the request on the helper's
 * stdin, never on a command line or in its environment; its failures are summarized and scrubbed
 * exactly like helm's stderr.
 */
export class HelmHelper implements HelmPort {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private started = 0;
  /** The clusters each helper process has prepared (a new process starts with none). */
  private readonly prepared = new WeakMap<ChildProcess, Set<string>>();

  constructor(private readonly options: HelmHelperOptions) {}

  /** The running helper's pid, if one runs (the bench reads its CPU from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How many helper processes were started (1 unless one died or hung); the bench reports it. */
  get spawned(): number {
    return this.started;
  }

  async upgradeInstall(req: UpgradeInstallRequest): Promise<void> {
    const values = req.protectedValues ? mergeValues(req.values, req.protectedValues) : req.values;
    await this.run(
      {
        ...target(req),
        op: 'upgradeInstall',
        release: req.release,
        namespace: req.namespace,
        chartRepository: req.chart.repository,
        chartName: req.chart.name,
        version: req.version,
        // JSON is YAML: the helper reads it as helm reads a --values file.
        valuesJson: JSON.stringify(values),
        labels: req.labels,
        createNamespace: req.createNamespace,
        ...this.waitAndTimeout(req.timeoutMs, req.wait),
        ...(this.options.historyMax !== undefined ? { historyMax: this.options.historyMax } : {}),
      },
      { operation: 'upgrade --install', secrets: req.protectedValues ? leafStrings(req.protectedValues) : [], timeoutMs: req.timeoutMs },
    );
  }

  async rollback(req: RollbackRequest): Promise<void> {
    await this.run(
      { ...target(req), op: 'rollback', release: req.release, namespace: req.namespace, toRevision: req.toRevision, ...this.waitAndTimeout(req.timeoutMs, req.wait), ...(this.options.historyMax !== undefined ? { historyMax: this.options.historyMax } : {}) },
      { operation: 'rollback', secrets: [], timeoutMs: req.timeoutMs },
    );
  }

  async uninstall(req: UninstallRequest): Promise<void> {
    // Already gone is success and dependents go first (--ignore-not-found, --cascade foreground),
    // as with the helm CLI: the helper does both.
    const { waitForJobs: _jobs, ...wait } = this.waitAndTimeout(req.timeoutMs, req.wait);
    await this.run({ ...target(req), op: 'uninstall', release: req.release, namespace: req.namespace, ...wait }, { operation: 'uninstall', secrets: [], timeoutMs: req.timeoutMs });
  }

  /**
   * Has the helper build its client, discovery and capabilities of a cluster now, once per cluster
   * and helper process, so the first operation there does not pay for them. Never rejects: a
   * failure is left for the first operation to meet.
   */
  async prepare(t: HelmTarget): Promise<void> {
    const key = `${t.kubeconfig}\u0000${t.kubeContext ?? ''}\u0000${t.impersonateUser ?? ''}`;
    const child = this.ensureChild();
    const prepared = this.prepared.get(child) ?? new Set<string>();
    this.prepared.set(child, prepared);
    if (prepared.has(key)) return;
    prepared.add(key);
    await this.run({ ...target(t), op: 'prepare', release: '', namespace: '', timeoutSeconds: 60 }, { operation: 'prepare', secrets: [], timeoutMs: 60_000 }).catch(() => undefined);
  }

  /**
   * Signals the helper. SIGTERM: it cancels its installs and upgrades (Helm records them failed)
   * and exits once they answered; SIGKILL: operations under way fail with HelperFailed and leave
   * their releases pending, recovered after the stuck-release timeout.
   */
  close(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child?.kill(signal);
  }

  /**
   * Ends the helper: no new operation, those under way finish; resolves once it exited. Callers
   * drain their operations first; a helper still busy after `graceMs` is killed. (stdin closing
   * without the stop request is how the helper learns that its controller was killed: it then
   * cancels what is under way instead.)
   */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end(`${JSON.stringify({ id: 0, op: 'stop' })}\n`);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private waitAndTimeout(timeoutMs: number, wait: WaitStrategy | undefined): Pick<HelperRequest, 'timeoutSeconds' | 'wait' | 'waitForJobs'> {
    return {
      timeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
      ...(wait ? { wait } : {}),
      // Waiting for readiness includes Jobs running to completion, not only their creation.
      ...(wait === 'watcher' || wait === 'legacy' ? { waitForJobs: true } : {}),
    };
  }

  private run(request: HelperRequest, call: { operation: string; secrets: string[]; timeoutMs: number }): Promise<void> {
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      // No answer well past helm's own timeout: the helper is hung. Killing it fails this and every
      // other operation it holds (see died() in ensureChild).
      const timer = setTimeout(() => child.kill('SIGKILL'), call.timeoutMs + HELPER_GRACE_MS);
      this.pending.set(id, {
        child,
        settle: (outcome) => {
          clearTimeout(timer);
          if (outcome.ok) return resolve();
          reject(
            new HelmError({
              operation: call.operation,
              release: request.release,
              namespace: request.namespace,
              args: [call.operation, request.release, '--namespace', request.namespace],
              exitCode: outcome.exitCode,
              timedOut: false,
              // Classified on the raw text, which goes no further than this line.
              reason: outcome.exitCode === -1 ? 'HelperFailed' : classifyHelmFailure({ exitCode: outcome.exitCode, timedOut: false, stderr: outcome.text }),
              stderr: summarizeHelmOutput(outcome.text, [...call.secrets, ...kubeconfigSecrets(request.kubeconfig)]),
            }),
          );
        },
      });
      child.stdin!.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }

  private settle(id: number, outcome: Outcome): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.settle(outcome);
  }

  private ensureChild(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    this.started += 1;
    const child = spawn(this.options.helperPath, [], { env: { ...process.env, ...this.options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderrTail = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderrTail = (stderrTail + c.toString('utf8')).slice(-4000);
    });
    child.stdin!.on('error', () => {
      // the helper died; 'exit' fails what it held
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let answer: { id?: number; ok?: boolean; error?: string };
      try {
        answer = JSON.parse(line) as typeof answer;
      } catch {
        return;
      }
      if (typeof answer.id !== 'number') return;
      this.settle(answer.id, answer.ok ? { ok: true } : { ok: false, exitCode: 1, text: `Error: ${answer.error ?? 'the helm helper gave no reason'}` });
    });
    const died = (how: string) => {
      if (this.child === child) this.child = undefined;
      for (const [id, pending] of this.pending) {
        if (pending.child === child) this.settle(id, { ok: false, exitCode: -1, text: `Error: the helm helper process ${how} before it answered. ${stderrTail}` });
      }
    };
    child.on('error', (err) => died(`could not run (${err.message})`));
    child.on('exit', (code, signal) => died(signal ? `was ended by ${signal}` : `exited with code ${code}`));
    return child;
  }
}

type Outcome = { ok: true } | { ok: false; exitCode: number; text: string };

function target(t: HelmTarget): Pick<HelperRequest, 'kubeconfig' | 'kubeContext' | 'impersonateUser'> {
  return { kubeconfig: t.kubeconfig, ...(t.kubeContext ? { kubeContext: t.kubeContext } : {}), ...(t.impersonateUser ? { impersonateUser: t.impersonateUser } : {}) };
}
