import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HelmPort, HelmTarget, RollbackRequest, UninstallRequest, UpgradeInstallRequest, WaitStrategy } from '../reconcile/release-ports.js';
import type { Exec } from './exec.js';
import { HelmError } from './helm-error.js';
import { mergeValues } from './merge-values.js';
import { kubeconfigSecrets, leafStrings, scrubSecrets } from './scrub-secrets.js';

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
const STDERR_LIMIT = 2_000;

/**
 * The helm adapter: one helm process per call, never deciding whether it should run. The
 * kubeconfig and the values (protected values merged in) go to files created with mode 0600 in a
 * private temporary directory that is removed when the call ends, however it ends; nothing of
 * either reaches the command line, errors or logs.
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
      args: (files) => ['rollback', req.release, String(req.toRevision), '--namespace', req.namespace, ...this.historyArgs(), ...commonArgs(req, files.kubeconfig, req.timeoutMs, req.wait)],
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
      args: (files) => ['uninstall', req.release, '--namespace', req.namespace, '--ignore-not-found', ...commonArgs(req, files.kubeconfig, req.timeoutMs, req.wait)],
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
    const dir = await mkdtemp(join(this.options.tempRoot ?? tmpdir(), 'clusterext-helm-'));
    try {
      const kubeconfigPath = join(dir, 'kubeconfig');
      await writeFile(kubeconfigPath, call.target.kubeconfig, { mode: 0o600, flag: 'wx' });
      let valuesPath: string | undefined;
      if (call.values) {
        valuesPath = join(dir, 'values.json');
        // JSON is YAML; it keeps strings like "yes" or "0x10" strings.
        await writeFile(valuesPath, JSON.stringify(call.values), { mode: 0o600, flag: 'wx' });
      }
      const args = call.args({ kubeconfig: kubeconfigPath, ...(valuesPath ? { values: valuesPath } : {}) });
      const result = await this.options.exec(this.options.helmPath, args, {
        ...(this.options.env ? { env: this.options.env } : {}),
        timeoutMs: call.timeoutMs + EXEC_GRACE_MS,
      });
      if (result.code === 0 && !result.timedOut) return;
      const placeholders = (text: string) => text.split(dir).join('<tmp>');
      const secrets = [...call.secrets, ...kubeconfigSecrets(call.target.kubeconfig)];
      throw new HelmError({
        operation: call.operation === 'upgrade' ? 'upgrade --install' : call.operation,
        release: call.release,
        namespace: call.namespace,
        args: args.map((a) => (a === kubeconfigPath ? '<kubeconfig>' : a === valuesPath ? '<values>' : a)),
        exitCode: result.code,
        timedOut: result.timedOut ?? false,
        // Scrub before trimming, so a secret cut at the trim boundary cannot leave a part behind.
        stderr: trimStderr(scrubSecrets(placeholders(result.stderr), secrets)),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
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

/** The end of stderr (where helm puts its `Error:` line), on one line. */
function trimStderr(stderr: string): string {
  const text = stderr.trim().replace(/\s*\n\s*/g, ' ');
  return text.length <= STDERR_LIMIT ? text : `…${text.slice(text.length - STDERR_LIMIT)}`;
}
