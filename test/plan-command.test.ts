import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

/**
 * `clusterext plan` end to end: the built CLI, real git repositories made with the git CLI, and a
 * Helm repository index served over HTTP on loopback.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'controller', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Asynchronous, so the index server in this process keeps answering while the CLI runs. */
function runCli(args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.test' };
function git(repo: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: GIT_ENV, encoding: 'utf8' }).trim();
}

const doc = (kind: string, name: string, spec: object, labels?: Record<string, string>) =>
  stringify({ apiVersion: 'clusterext.io/v1alpha1', kind, metadata: { name, ...(labels ? { labels } : {}) }, spec });

interface FleetText {
  repository: string;
  monitorVersion?: string;
  extensions: { cluster: string; name: string; type: string; spec?: object }[];
}

/** A small fleet as YAML files: three types, two clusters, the given Extensions, a DeployIfNotExists policy. */
function fleetFiles(text: FleetText): Record<string, string> {
  const type = (name: string) =>
    doc('ExtensionType', name, {
      chart: { repository: text.repository, name },
      scopes: ['cluster'],
      defaultReleaseNamespace: `${name}-system`,
      releaseTrains: { stable: {}, preview: { includePrereleases: true } },
    });
  const clusters = [doc('ConnectedCluster', 'prod-eu', { kubeconfigSecretRef: { name: 'kc-prod-eu', key: 'kubeconfig' } }, { env: 'prod' }), doc('ConnectedCluster', 'dev-eu', { kubeconfigSecretRef: { name: 'kc-dev-eu', key: 'kubeconfig' } }, { env: 'dev' })];
  const extensions = text.extensions.map((e) => doc('Extension', e.name, { clusterName: e.cluster, extensionType: e.type, scope: 'cluster', ...e.spec }));
  const policy = doc('ExtensionPolicy', 'mesh-in-prod', { clusterSelector: { matchLabels: { env: 'prod' } }, effect: 'DeployIfNotExists', extension: { name: 'mesh', extensionType: 'mesh', scope: 'cluster' } });
  return {
    'fleet/types.yaml': [type('monitor'), type('mesh'), type('agent')].join('---\n'),
    'fleet/clusters.yaml': clusters.join('---\n'),
    'fleet/extensions.yaml': extensions.join('---\n'),
    'fleet/policies.yaml': policy,
  };
}

/** A repository with one commit per fleet; returns the commit shas in order. */
function makeRepo(dir: string, revisions: Record<string, string>[]): string[] {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  return revisions.map((files, i) => {
    rmSync(join(dir, 'fleet'), { recursive: true, force: true });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `revision ${i}`);
    return git(dir, 'rev-parse', 'HEAD');
  });
}

const pinned = (version: string) => ({ autoUpgradeMinorVersion: false, version });
const squash = (text: string) => text.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));

describe('clusterext plan', () => {
  let work: string;
  let server: Server;
  let indexRequests: string[];
  let chartsUrl: string;

  beforeAll(async () => {
    // The CLI under test is the built one; a build error elsewhere in the tree must not hide it.
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
    } catch (err) {
      if (!existsSync(cli)) throw err;
    }
    work = mkdtempSync(join(tmpdir(), 'clusterext-plan-test-'));
    indexRequests = [];
    server = createServer((req, res) => {
      indexRequests.push(req.url ?? '');
      if (req.url === '/stalls/index.yaml') {
        res.writeHead(200, { 'content-type': 'application/x-yaml' });
        res.write('apiVersion: v1\nentries:\n'); // and then nothing
        return;
      }
      if (req.url === '/huge/index.yaml') {
        res.writeHead(200, { 'content-type': 'application/x-yaml' }).end(`apiVersion: v1\n${'# padding\n'.repeat(20_000)}`);
        return;
      }
      if (req.url !== '/charts/index.yaml') {
        res.writeHead(404).end();
        return;
      }
      const entry = (name: string, version: string) => ({ apiVersion: 'v2', name, version, urls: [`${name}-${version}.tgz`] });
      const index = {
        apiVersion: 'v1',
        entries: {
          monitor: ['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0-rc.1', '1.0.029903'].map((v) => entry('monitor', v)),
          mesh: ['0.9.0', '1.0.0'].map((v) => entry('mesh', v)),
        },
      };
      res.writeHead(200, { 'content-type': 'application/x-yaml' }).end(stringify(index));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    chartsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
    rmSync(work, { recursive: true, force: true });
  });

  describe('offline', () => {
    let repo: string;
    let base: string;
    let head: string;

    beforeAll(() => {
      repo = join(work, 'offline');
      [base, head] = makeRepo(repo, [
        fleetFiles({
          repository: 'https://charts.invalid/charts',
          extensions: [
            { cluster: 'prod-eu', name: 'monitor', type: 'monitor', spec: { ...pinned('1.0.0'), configurationSettings: { 'log.level': 'info' } } },
            { cluster: 'dev-eu', name: 'monitor', type: 'monitor', spec: pinned('1.2.0') },
            { cluster: 'dev-eu', name: 'legacy', type: 'mesh', spec: pinned('0.9.0') },
            { cluster: 'dev-eu', name: 'old-agent', type: 'agent', spec: pinned('3.1.0') },
          ],
        }),
        fleetFiles({
          repository: 'https://charts.invalid/charts',
          extensions: [
            { cluster: 'prod-eu', name: 'monitor', type: 'monitor', spec: { ...pinned('2.0.0'), configurationSettings: { 'log.level': 'debug' } } },
            { cluster: 'dev-eu', name: 'monitor', type: 'monitor', spec: { ...pinned('1.2.0'), releaseNamespace: 'observability' } },
          ],
        }),
      ]) as [string, string];
    });

    it('prints every change per cluster with its reason and a summary, and exits 2 with --detailed-exitcode', async () => {
      const run = await runCli(['plan', '--base', base, '--head', 'main', '--offline', '--detailed-exitcode', 'fleet'], repo);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(2);
      const lines = squash(run.stdout);
      expect(lines).toContain('cluster dev-eu');
      expect(lines).toContain('- uninstall legacy 0.9.0 from mesh-system');
      expect(lines).toContain('- uninstall old-agent 3.1.0 from agent-system');
      expect(lines).toContain('-/+ namespace moved monitor monitor-system → observability (reinstall)');
      expect(lines).toContain('cluster prod-eu');
      expect(lines).toContain('! major upgrade monitor 1.0.0 → 2.0.0');
      expect(lines).toContain('~ log.level: "info" → "debug"');
      // mesh comes from the policy on prod-eu in both revisions, offline: train and constraint, no change.
      expect(run.stdout).not.toContain('install mesh');
      // 2 of dev-eu's 3 releases go: over the default 50% threshold, said before any cluster.
      const blast = lines.findIndex((l) => l.startsWith('! Blast radius:'));
      expect(lines[blast]).toContain('2 of the 3 releases on cluster "dev-eu"');
      expect(blast).toBeLessThan(lines.indexOf('cluster dev-eu'));
      expect(lines.filter((l) => l !== '').at(-1)).toBe('Plan: 0 to install, 1 to upgrade (1 major), 2 to uninstall, 1 to reinstall (namespace moved), 1 to change settings.');
    });

    it('says "No changes." and exits 0 when nothing changes', async () => {
      const run = await runCli(['plan', '--base', head, '--head', 'main', '--offline', '--detailed-exitcode', 'fleet'], repo);
      expect(run.code).toBe(0);
      expect(squash(run.stdout).filter((l) => l !== '').at(-1)).toMatch(/^No changes\./);
    });

    it('exits 0 with changes when --detailed-exitcode is not given', async () => {
      const run = await runCli(['plan', '--base', base, '--head', head, '--offline', 'fleet'], repo);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('major upgrade');
    });

    it('writes a deterministic, versioned JSON plan', async () => {
      const args = ['plan', '--base', base, '--head', head, '--offline', '--format', 'json', 'fleet'];
      const [one, two] = await Promise.all([runCli(args, repo), runCli(args, repo)]);
      expect(one.stdout).toBe(two.stdout);
      const plan = JSON.parse(one.stdout) as { formatVersion: string; offline: boolean; clusters: { cluster: string; changes: { action: string }[] }[] };
      expect(plan.formatVersion).toBe('1');
      expect(plan.offline).toBe(true);
      expect(plan.clusters.map((c) => [c.cluster, c.changes.map((x) => x.action)])).toEqual([
        ['dev-eu', ['uninstall', 'namespace-moved', 'uninstall']],
        ['prod-eu', ['major-upgrade', 'settings-changed']],
      ]);
    });

    it('writes markdown for a PR comment', async () => {
      const run = await runCli(['plan', '--base', base, '--head', head, '--offline', '--format', 'markdown', 'fleet'], repo);
      expect(run.stdout.split('\n')[0]).toMatch(/^## clusterext plan /);
      expect(run.stdout).toContain('> [!CAUTION]');
      expect(run.stdout).toContain('### Cluster `prod-eu`');
      expect(run.stdout).toContain('<details><summary>Settings of <code>monitor</code>');
    });

    it('writes GitHub annotations on the manifest lines, and the markdown plan to the job summary', async () => {
      const summary = join(work, 'step-summary.md');
      writeFileSync(summary, '# earlier step\n');
      const run = await new Promise<Run>((done) => {
        execFile(process.execPath, [cli, 'plan', '--base', base, '--head', head, '--offline', '--format', 'github', '--detailed-exitcode', 'fleet'], { cwd: repo, env: { ...process.env, GITHUB_STEP_SUMMARY: summary } }, (error, stdout, stderr) =>
          done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
      });
      expect(run.code, run.stderr).toBe(2);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines.every((l) => /^::(notice|warning) /.test(l))).toBe(true);
      const extensions = git(repo, 'show', `${head}:fleet/extensions.yaml`).split('\n');
      const major = /^::warning file=fleet\/extensions\.yaml,line=(\d+),title=prod-eu\/monitor%3A major upgrade::/m.exec(run.stdout);
      expect(major, run.stdout).not.toBeNull();
      expect(extensions.slice(Number(major![1]) - 1, Number(major![1]) + 4).join('\n')).toContain('name: monitor');
      expect(run.stdout).toMatch(/^::warning file=fleet\/extensions\.yaml,title=dev-eu\/legacy%3A uninstall::/m);
      expect(lines.at(-1)).toMatch(/^::notice title=clusterext plan::Plan: /);
      const written = readFileSync(summary, 'utf8');
      expect(written.startsWith('# earlier step\n## clusterext plan ')).toBe(true);
      expect(written).toContain('### Cluster `prod-eu`');
    });

    it('prints ::error annotations at the repository path for an invalid head with --format github', async () => {
      const invalidRepo = join(work, 'invalid-github');
      const files = fleetFiles({ repository: 'https://charts.invalid/charts', extensions: [{ cluster: 'prod-eu', name: 'monitor', type: 'monitor', spec: pinned('1.0.0') }] });
      const broken = { ...files, 'fleet/extensions.yaml': files['fleet/extensions.yaml']!.replace('version: 1.0.0', 'version: 1.0.029903') };
      const [good, bad] = makeRepo(invalidRepo, [files, broken]) as [string, string];
      const run = await runCli(['plan', '--base', good, '--head', bad, '--offline', '--format', 'github', 'fleet'], invalidRepo);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^::error file=fleet\/extensions\.yaml,line=\d+,col=\d+,title=InvalidSemver::.*029903/m);
    });

    it('prints the diagnostics of an invalid head and exits 1', async () => {
      const invalidRepo = join(work, 'invalid');
      const files = fleetFiles({ repository: 'https://charts.invalid/charts', extensions: [{ cluster: 'prod-eu', name: 'monitor', type: 'monitor', spec: pinned('1.0.0') }] });
      const broken = { ...files, 'fleet/extensions.yaml': files['fleet/extensions.yaml']!.replace('version: 1.0.0', 'version: 1.0.029903') };
      const [good, bad] = makeRepo(invalidRepo, [files, broken]) as [string, string];
      expect(broken['fleet/extensions.yaml']).toContain('1.0.029903');
      const run = await runCli(['plan', '--base', good, '--head', bad, '--offline', '--detailed-exitcode', 'fleet'], invalidRepo);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('extensions.yaml');
      expect(run.stdout).toContain('029903');
      expect(run.stderr).toContain('is invalid');
      expect(run.stdout).not.toContain('Plan:');
    });

    it('exits 1 with a whole-sentence error for a revision that does not exist', async () => {
      const run = await runCli(['plan', '--base', 'no-such-branch', '--head', 'main', '--offline', '--detailed-exitcode', 'fleet'], repo);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('no-such-branch');
    });
  });

  describe('with a chart repository index', () => {
    let repo: string;
    let base: string;
    let head: string;

    beforeAll(() => {
      repo = join(work, 'online');
      [base, head] = makeRepo(repo, [
        fleetFiles({ repository: chartsUrl, extensions: [{ cluster: 'prod-eu', name: 'monitor', type: 'monitor', spec: pinned('1.0.0') }] }),
        fleetFiles({ repository: chartsUrl, extensions: [{ cluster: 'prod-eu', name: 'monitor', type: 'monitor' }, { cluster: 'dev-eu', name: 'monitor', type: 'monitor' }] }),
      ]) as [string, string];
    });

    it('resolves versions from the index, reads it once, and lists invalid versions as ignored', async () => {
      indexRequests.length = 0;
      const run = await runCli(['plan', '--base', base, '--head', head, '--detailed-exitcode', 'fleet'], repo);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(2);
      const lines = squash(run.stdout);
      // Pinned 1.0.0 → auto: newest of stable within 1.x (2.x is another major, rc is a prerelease).
      expect(lines).toContain('~ upgrade monitor 1.0.0 → 1.2.0');
      // A fresh install takes the newest of the train.
      expect(lines).toContain('+ install monitor 2.0.0 in monitor-system');
      expect(lines).toContainEqual(expect.stringMatching(/monitor 1\.0\.029903: .*leading zero/));
      expect(indexRequests).toEqual(['/charts/index.yaml']);
    });

    it('lists ignored versions in JSON', async () => {
      const run = await runCli(['plan', '--base', base, '--head', head, '--format', 'json', 'fleet'], repo);
      const plan = JSON.parse(run.stdout) as { ignoredVersions: { version: string; reason: string; chart: { name: string } }[] };
      expect(plan.ignoredVersions).toEqual([expect.objectContaining({ version: '1.0.029903', chart: expect.objectContaining({ name: 'monitor' }), reason: expect.stringContaining('1.0.29903') })]);
    });

    it('plans with unresolved versions and a warning when the index is unreachable', async () => {
      const closed = createServer();
      await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
      const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/charts`;
      await new Promise<void>((ok) => closed.close(() => ok()));
      const deadRepo = join(work, 'unreachable');
      const [b, h] = makeRepo(deadRepo, [
        fleetFiles({ repository: deadUrl, extensions: [] }),
        fleetFiles({ repository: deadUrl, extensions: [{ cluster: 'dev-eu', name: 'monitor', type: 'monitor' }] }),
      ]) as [string, string];
      const run = await runCli(['plan', '--base', b, '--head', h, '--detailed-exitcode', 'fleet'], deadRepo);
      expect(run.code).toBe(2);
      expect(run.stdout).toContain(`The chart index "${deadUrl}/index.yaml" is unreachable`);
      expect(squash(run.stdout)).toContainEqual(expect.stringMatching(/^\+ install monitor stable newest \(unresolved\) in monitor-system \[unresolved-version\]$/));
    });

    it('bounds a chart index that stalls or is too large: a warning naming the index and the bound, versions unresolved', async () => {
      const host = chartsUrl.replace(/\/charts$/, '');
      for (const [path, flags, why] of [
        ['stalls', ['--chart-index-timeout', '1s'], 'was not read completely within 1 s'],
        ['huge', ['--chart-index-max-bytes', '64Ki'], 'sent more than 65536 bytes, more than the limit of 65536 bytes'],
      ] as const) {
        const hostileRepo = join(work, `hostile-${path}`);
        const [b, h] = makeRepo(hostileRepo, [
          fleetFiles({ repository: `${host}/${path}`, extensions: [] }),
          fleetFiles({ repository: `${host}/${path}`, extensions: [{ cluster: 'dev-eu', name: 'monitor', type: 'monitor' }] }),
        ]) as [string, string];
        const started = Date.now();
        const run = await runCli(['plan', '--base', b, '--head', h, '--detailed-exitcode', ...flags, 'fleet'], hostileRepo);
        expect(Date.now() - started).toBeLessThan(15_000);
        expect(run.stderr).toBe('');
        expect(run.code).toBe(2);
        expect(run.stdout).toContain(`The chart index "${host}/${path}/index.yaml" ${why}`);
        expect(squash(run.stdout)).toContainEqual(expect.stringMatching(/^\+ install monitor stable newest \(unresolved\) in monitor-system \[unresolved-version\]$/));
      }
    });
  });

  it('takes --max-setting-depth like validate: a deeper settings key fails the head with a located error', async () => {
    const deepRepo = join(work, 'deep-setting');
    const spec = { ...pinned('1.0.0'), configurationSettings: { 'a.b.c.d': 1 } };
    const [b, h] = makeRepo(deepRepo, [
      fleetFiles({ repository: 'https://charts.invalid/charts', extensions: [] }),
      fleetFiles({ repository: 'https://charts.invalid/charts', extensions: [{ cluster: 'dev-eu', name: 'monitor', type: 'monitor', spec }] }),
    ]) as [string, string];
    const strict = await runCli(['plan', '--base', b, '--head', h, '--offline', '--max-setting-depth', '3', 'fleet'], deepRepo);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/extensions\.yaml:\d+:\d+\s+error\s+Setting "a\.b\.c\.d" nests 4 levels deep, more than the limit of 3/);
    const validate = await runCli(['validate', '--rev', h, '--max-setting-depth', '3', 'fleet'], deepRepo);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain('SettingTooDeep');
    const defaults = await runCli(['plan', '--base', b, '--head', h, '--offline', 'fleet'], deepRepo);
    expect(defaults.code).toBe(0);
  });
});
