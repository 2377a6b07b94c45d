import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpgradeInstallRequest } from '../reconcile/release-ports.js';
import type { Exec, ExecResult } from './exec.js';
import { HelmCli } from './helm-cli.js';
import { HelmError } from './helm-error.js';

const CANARY = 'canary-do-not-leak-91';
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: {server: "https://127.0.0.1:6443"}
users:
  - name: u
    user: {token: "token-0123456789abcdef0123456789abcdef"}
contexts:
  - name: c
    context: {cluster: c, user: u}
current-context: c
`;

interface Seen {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  files: Record<string, { mode: number; links: number; content: string }>;
  /** What the temporary root held while helm ran. */
  tempEntries: string[];
}

/** A fake Exec that records each call, including the private files as they exist during it. */
function fakeExec(tempRoot: () => string, result: Partial<ExecResult> | (() => never) = {}): { exec: Exec; seen: Seen[] } {
  const seen: Seen[] = [];
  const exec: Exec = async (cmd, args, opts) => {
    const files: Seen['files'] = {};
    for (const flag of ['--values', '--kubeconfig']) {
      const i = args.indexOf(flag);
      if (i >= 0) {
        // The child would get opts.fds[0] as its fd 3, [1] as 4: read them where this process has them.
        const childFd = Number(/^\/dev\/fd\/(\d+)$/.exec(args[i + 1]!)?.[1]);
        const path = `/proc/self/fd/${opts!.fds![childFd - 3]!}`;
        const stat = statSync(path);
        files[flag] = { mode: stat.mode & 0o777, links: stat.nlink, content: readFileSync(path, 'utf8') };
      }
    }
    seen.push({ cmd, args, ...(opts?.env ? { env: opts.env } : {}), ...(opts?.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), files, tempEntries: readdirSync(tempRoot()) });
    if (typeof result === 'function') result();
    return { code: 0, stdout: '', stderr: '', ...result };
  };
  return { exec, seen };
}

describe('HelmCli', () => {
  let tempRoot: string;
  beforeEach(() => {
    tempRoot = mkdtempSync(join(tmpdir(), 'helm-cli-test-'));
  });
  afterEach(() => rmSync(tempRoot, { recursive: true, force: true }));

  const request = (overrides: Partial<UpgradeInstallRequest> = {}): UpgradeInstallRequest => ({
    kubeconfig: KUBECONFIG,
    release: 'monitor',
    namespace: 'monitoring',
    createNamespace: true,
    chart: { repository: 'https://charts.example.com/stable', name: 'agent' },
    version: '1.2.3',
    values: { a: { b: 1, keep: 'x' } },
    protectedValues: { a: { b: CANARY } },
    labels: { 'clusterext.io/managed-by': 'clusterext', 'clusterext.io/config-digest': 'abc' },
    timeoutMs: 120_000,
    ...overrides,
  });

  it('runs one helm upgrade --install with Helm 4 flags and private files that are gone afterwards', async () => {
    const { exec, seen } = fakeExec(() => tempRoot);
    const helm = new HelmCli({ helmPath: '/opt/helm', exec, env: { HELM_CACHE_HOME: '/c' }, tempRoot });
    await helm.upgradeInstall(request({ kubeContext: 'ctx', impersonateUser: 'system:serviceaccount:ns:sa', wait: 'watcher' }));
    expect(seen).toHaveLength(1);
    const call = seen[0]!;
    expect(call.cmd).toBe('/opt/helm');
    expect(call.env).toEqual({ HELM_CACHE_HOME: '/c' });
    expect(call.timeoutMs).toBe(180_000);
    const values = call.args[call.args.indexOf('--values') + 1]!;
    const kubeconfig = call.args[call.args.indexOf('--kubeconfig') + 1]!;
    expect(call.args).toEqual([
      'upgrade', '--install', 'monitor', 'agent', '--repo', 'https://charts.example.com/stable', '--version', '1.2.3',
      '--namespace', 'monitoring', '--create-namespace', '--values', values,
      '--labels', 'clusterext.io/config-digest=abc,clusterext.io/managed-by=clusterext',
      '--kubeconfig', kubeconfig, '--kube-context', 'ctx', '--kube-as-user', 'system:serviceaccount:ns:sa', '--timeout', '120s', '--wait=watcher', '--wait-for-jobs',
    ]);
    expect([values, kubeconfig].sort()).toEqual(['/dev/fd/3', '/dev/fd/4']);
    // Both reach helm as open files without a name: nothing is left on disk while helm runs.
    expect(call.files['--values']).toEqual({ mode: 0o600, links: 0, content: JSON.stringify({ a: { b: CANARY, keep: 'x' } }) });
    expect(call.files['--kubeconfig']).toEqual({ mode: 0o600, links: 0, content: KUBECONFIG });
    expect(call.tempEntries).toEqual([]);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it('references an oci:// chart by URL, without --repo', async () => {
    const { exec, seen } = fakeExec(() => tempRoot);
    await new HelmCli({ helmPath: 'helm', exec, tempRoot }).upgradeInstall(request({ chart: { repository: 'oci://registry.example.com/charts/', name: 'agent' }, createNamespace: false }));
    expect(seen[0]!.args.slice(0, 6)).toEqual(['upgrade', '--install', 'monitor', 'oci://registry.example.com/charts/agent', '--version', '1.2.3']);
    expect(seen[0]!.args).not.toContain('--repo');
    expect(seen[0]!.args).not.toContain('--create-namespace');
  });

  it('throws a classified HelmError whose helm output is scrubbed, one line, and short', async () => {
    const { exec } = fakeExec(() => tempRoot);
    const b64 = Buffer.from(`x${CANARY}`).toString('base64');
    const failing: Exec = async (cmd, args, opts) => {
      await exec(cmd, args, opts);
      return {
        code: 1,
        stdout: `NOTES: ${CANARY}`,
        stderr: [
          ...Array.from({ length: 50 }, (_, i) => `noise line ${i}`),
          `Error: UPGRADE FAILED: template: x/templates/a.yaml:3:4: executing: error calling fail: value "${CANARY}" rejected`,
          `data ${b64} \u001b[31mred\u001b[0m \r::error::injected`,
          `token token-0123456789abcdef0123456789abcdef ${'long '.repeat(200)}`,
          '',
        ].join('\n'),
      };
    };
    const error = await new HelmCli({ helmPath: 'helm', exec: failing, tempRoot }).upgradeInstall(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelmError);
    const e = error as HelmError;
    expect(e.data).toMatchObject({ operation: 'upgrade --install', release: 'monitor', namespace: 'monitoring', exitCode: 1, timedOut: false, reason: 'RenderFailed' });
    expect(e.data.args).toContain('<values>');
    expect(e.data.args).toContain('<kubeconfig>');
    const everything = `${e.message} ${JSON.stringify(e.data)}`;
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(b64.slice(4, 20));
    expect(everything).not.toContain('token-0123456789abcdef');
    expect(e.message).toContain('UPGRADE FAILED');
    expect(e.message).toContain('(RenderFailed: the chart failed to render');
    expect(e.message).not.toContain('noise line 40');
    expect(e.message).not.toMatch(/[\n\r\u001b]/); // eslint-disable-line no-control-regex
    expect(e.data.stderr.length).toBeLessThan(4 * 410);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it('removes the private files when the exec itself throws', async () => {
    const { exec, seen } = fakeExec(() => tempRoot, () => {
      throw new Error('spawn failed');
    });
    await expect(new HelmCli({ helmPath: 'helm', exec, tempRoot }).upgradeInstall(request())).rejects.toThrow('spawn failed');
    expect(seen).toHaveLength(1);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it('reports a timeout as such', async () => {
    const { exec } = fakeExec(() => tempRoot, { code: -1, timedOut: true });
    await expect(new HelmCli({ helmPath: 'helm', exec, tempRoot }).upgradeInstall(request())).rejects.toMatchObject({ data: { timedOut: true, reason: 'Timeout' }, message: expect.stringContaining('timed out') });
  });

  it('rolls back and uninstalls with one helm call each and no values file', async () => {
    const { exec, seen } = fakeExec(() => tempRoot);
    const helm = new HelmCli({ helmPath: 'helm', exec, tempRoot, historyMax: 5 });
    await helm.rollback({ kubeconfig: KUBECONFIG, release: 'monitor', namespace: 'monitoring', toRevision: 3, timeoutMs: 60_000 });
    await helm.uninstall({ kubeconfig: KUBECONFIG, release: 'monitor', namespace: 'monitoring', timeoutMs: 60_000 });
    expect(seen.map((s) => s.args.slice(0, 3))).toEqual([['rollback', 'monitor', '3'], ['uninstall', 'monitor', '--namespace']]);
    expect(seen[0]!.args).toEqual(expect.arrayContaining(['--history-max', '5', '--namespace', 'monitoring', '--timeout', '60s']));
    expect(seen[1]!.args).toEqual(expect.arrayContaining(['--ignore-not-found', '--cascade', 'foreground']));
    // Without a wait strategy there is no --wait-for-jobs (helm refuses it alone).
    expect(seen[0]!.args).not.toContain('--wait-for-jobs');
    expect(seen.every((s) => s.files['--values'] === undefined)).toBe(true);
    expect(readdirSync(tempRoot)).toEqual([]);
  });
});
