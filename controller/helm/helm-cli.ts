import { type FileHandle, mkdtemp, open, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HelmPort, HelmTarget, RollbackRequest, UninstallRequest, UpgradeInstallRequest, WaitStrategy } from '../reconcile/release-ports.js';
import type { Exec } from './exec.js';
import { HelmError } from './helm-error.js';
import { mergeValues } from './merge-values.js';
import { classifyHelmFailure } from './classify-helm-failure.js';
import { HELM_TEMP_PREFIX, helmDirsInUse } from './remove-helm-leftovers.js';
import { kubeconfigSecrets, leafStrings } from './scrub-secrets.js';
import { summarizeHelmOutput } from './summarize-helm-output.js';

export interface HelmCliOptions {
  /** The helm 4 binary; entry points resolve it (controller/local/tool-path.ts). */
  helmPath: string;
  exec: Exec;
  /** Extra environment for every helm process, e.g. HELM_CACHE_HOME / HELM_CONFIG_HOME / HELM_DATA_HOME. */
  env?: Record<string, string>;
  /** Where private temporary directories are made; the OS temp dir by default. */
  tempRoot?: string;
  /** `--history-max`; helm's default is 10. */
  historyMax?: number;
}

/** Time helm is given beyond its own `--timeout` before the process is killed. */
const EXEC_GRACE_MS = 60_000;

/**
 * The helm adapter: one helm process per call, never deciding whether it should run. The
 * kubeconfig and the values (protected values merged in) reach helm as open files without a name
 * (written 0600 in a private directory that is removed before helm starts); nothing of either
 * reaches the command line, errors or logs, and helm's output reaches them only classified and
 * summarized (summarizeHelmOutput).
 */
export class HelmCli implements HelmPort {
  constructor(private readonly options: HelmCliOptions) {}

  async upgradeInstall(req: UpgradeInstallRequest): Promise<void> {
    const values = req.protectedValues ? mergeValues(req.values, req.protectedValues) : req.values;
    const oci = req.chart.repository.startsWith('oci://');
    const chartRef = oci ? `${req.chart.repository.replace(/\/+$/, '')}/${req.chart.name}` : req.chart.name;
    await this.run({
      operation: 'upgrade',
      target: req,
      release: req.release,
      namespace: req.namespace,
      values,
      secrets: req.protectedValues ? leafStrings(req.protectedValues) : [],
      timeoutMs: req.timeoutMs,
      args: (files) => [
        'upgrade',
        '--install',
        req.release,
        chartRef,
        ...(oci ? [] : ['--repo', req.chart.repository]),
        // helm's --version is a constraint, but helm 4 takes an index entry whose version string is
        // exactly this one before it falls back to the closest match ("unable to find exact version
        // requested"). The reconciler only passes strings the index lists exactly (resolveVersion),
        // so the fallback never runs: a pin of 1.21.2 against an index of v1.21.2 stalls instead.
        '--version',
        req.version,
        '--namespace',
        req.namespace,
        ...(req.createNamespace ? ['--create-namespace'] : []),
        '--values',
        files.values ?? '',
        ...labelArgs(req.labels),
        ...this.historyArgs(),
        ...commonArgs(req, files.kubeconfig, req.timeoutMs, req.wait),
        ...jobArgs(req.wait),
      ],
    });
  }

  async rollback(req: RollbackRequest): Promise<void> {
    await this.run({
      operation: 'rollback',
      target: req,
      release: req.release,
      namespace: req.namespace,
      secrets: [],
      timeoutMs: req.timeoutMs,
      args: (files) => ['rollback', req.release, String(req.toRevision), '--namespace', req.namespace, ...this.historyArgs(), ...commonArgs(req, files.kubeconfig, req.timeoutMs, req.wait), ...jobArgs(req.wait)],
    });
  }

  async uninstall(req: UninstallRequest): Promise<void> {
    await this.run({
      operation: 'uninstall',
      target: req,
      release: req.release,
      namespace: req.namespace,
      secrets: [],
      timeoutMs: req.timeoutMs,
      // --ignore-not-found: uninstalling what is already gone is success, so a retry after a
      // crash between helm finishing and the status write does not fail.
      // --cascade foreground: the objects' dependents (ReplicaSets, Pods) are deleted before them,
      // so waiting for the objects to be gone waits for the workloads too.
      args: (files) => ['uninstall', req.release, '--namespace', req.namespace, '--ignore-not-found', '--cascade', 'foreground', ...commonArgs(req, files.kubeconfig, req.timeoutMs, req.wait)],
    });
  }

  private historyArgs(): string[] {
    return this.options.historyMax === undefined ? [] : ['--history-max', String(this.options.historyMax)];
  }

  private async run(call: {
    operation: string;
    target: HelmTarget;
    release: string;
    namespace: string;
    values?: Record<string, unknown>;
    secrets: string[];
    timeoutMs: number;
    args: (files: { kubeconfig: string; values?: string }) => string[];
  }): Promise<void> {
    const root = this.options.tempRoot ?? tmpdir();
    // The pid in the name lets a restarted controller tell its predecessors' leftovers from the
    // files of a controller still running (removeHelmLeftovers).
    const dir = await mkdtemp(join(root, `${HELM_TEMP_PREFIX}${process.pid}-`));
    helmDirsInUse.add(dir);
    const handles: FileHandle[] = [];
    try {
      handles.push(await unlinkedFile(dir, 'kubeconfig', call.target.kubeconfig));
      // JSON is YAML; it keeps strings like "yes" or "0x10" strings.
      if (call.values) handles.push(await unlinkedFile(dir, 'values.json', JSON.stringify(call.values)));
      await rm(dir, { recursive: true, force: true });
      // helm reads the files as its fd 3 and 4: they have no name left, so nothing of them
      // outlives this process and helm, however either ends (a SIGKILL included).
      const kubeconfigPath = '/dev/fd/3';
      const valuesPath = call.values ? '/dev/fd/4' : undefined;
      const args = call.args({ kubeconfig: kubeconfigPath, ...(valuesPath ? { values: valuesPath } : {}) });
      const result = await this.options.exec(this.options.helmPath, args, {
        ...(this.options.env ? { env: this.options.env } : {}),
        timeoutMs: call.timeoutMs + EXEC_GRACE_MS,
        fds: handles.map((h) => h.fd),
      });
      if (result.code === 0 && !result.timedOut) return;
      const secrets = [...call.secrets, ...kubeconfigSecrets(call.target.kubeconfig)];
      const timedOut = result.timedOut ?? false;
      throw new HelmError({
        operation: call.operation === 'upgrade' ? 'upgrade --install' : call.operation,
        release: call.release,
        namespace: call.namespace,
        args: args.map((a) => (a === kubeconfigPath ? '<kubeconfig>' : a === valuesPath ? '<values>' : a)),
        exitCode: result.code,
        timedOut,
        // Classified on the raw text, which goes no further than this line.
        reason: classifyHelmFailure({ exitCode: result.code, timedOut, stderr: result.stderr }),
        stderr: summarizeHelmOutput(result.stderr, secrets),
      });
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await rm(dir, { recursive: true, force: true });
      helmDirsInUse.delete(dir);
    }
  }
}

/** Writes a 0600 file, opens it and removes its name: only the returned handle reaches it. */
async function unlinkedFile(dir: string, name: string, content: string): Promise<FileHandle> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600, flag: 'wx' });
  const handle = await open(path, 'r');
  await unlink(path);
  return handle;
}

function labelArgs(labels: Record<string, string>): string[] {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? [] : ['--labels', pairs.join(',')];
}

function commonArgs(target: HelmTarget, kubeconfigPath: string, timeoutMs: number, wait: WaitStrategy | undefined): string[] {
  return [
    '--kubeconfig',
    kubeconfigPath,
    ...(target.kubeContext ? ['--kube-context', target.kubeContext] : []),
    ...(target.impersonateUser ? ['--kube-as-user', target.impersonateUser] : []),
    '--timeout',
    `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`,
    ...(wait ? [`--wait=${wait}`] : []),
  ];
}

/** Waiting for readiness includes Jobs running to completion, not only their creation. */
function jobArgs(wait: WaitStrategy | undefined): string[] {
  return wait === 'watcher' || wait === 'legacy' ? ['--wait-for-jobs'] : [];
}

