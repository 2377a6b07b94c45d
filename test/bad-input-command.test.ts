import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

/**
 * Hostile and broken input to the built CLI (`validate` and `plan`): every case ends with a
 * located, whole-sentence error and exit 1, never a stack trace, and nothing of the environment
 * (a canary variable) reaches the output.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'controller', 'cli', 'main.js');
const CANARY = 'canary-7f3e9b1d-environment-value';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], cwd: string, timeout = 120_000, nodeArgs: string[] = []): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [...nodeArgs, cli, ...args], { cwd, timeout, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', CLUSTEREXT_BAD_INPUT_CANARY: CANARY } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** What every run here must show: exit 1, and no stack frame or environment content anywhere. */
function expectCleanFailure(run: Run): void {
  const all = run.stdout + run.stderr;
  expect(all).not.toMatch(/^\s+at .+[(:]\d+/m);
  expect(all).not.toContain('Internal error');
  expect(all).not.toContain(CANARY);
  expect(run.code, all.slice(0, 2000)).toBe(1);
}

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.test', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' }).trim();
}

const doc = (kind: string, name: string, spec: object) => stringify({ apiVersion: 'clusterext.io/v1alpha1', kind, metadata: { name }, spec });
const TYPE = doc('ExtensionType', 'monitor', { chart: { repository: 'https://charts.invalid/charts', name: 'monitor' }, scopes: ['cluster'], defaultReleaseNamespace: 'monitoring', releaseTrains: { stable: {} } });
const CLUSTER = doc('ConnectedCluster', 'prod', { kubeconfigSecretRef: { name: 'kc-prod', key: 'kubeconfig' } });
const extension = (settings: string) =>
  `apiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: { name: monitor }\nspec:\n  clusterName: prod\n  extensionType: monitor\n  scope: cluster\n  configurationSettings:\n${settings}`;

describe('bad input to the CLI', () => {
  let work: string;
  let repo: string;

  beforeAll(() => {
    // The CLI under test is the built one; a build error elsewhere in the tree must not hide it.
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
    } catch (err) {
      if (!existsSync(cli)) throw err;
    }
    work = mkdtempSync(join(tmpdir(), 'clusterext-bad-input-'));
    repo = join(work, 'repo');
    mkdirSync(join(repo, 'fleet'), { recursive: true });
    writeFileSync(join(repo, 'fleet', 'fleet.yaml'), [TYPE, CLUSTER, extension('    log.level: info\n')].join('---\n'));
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'valid');
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('validate /dev/null: a clean error naming the path', async () => {
    const run = await runCli(['validate', '/dev/null'], work);
    expectCleanFailure(run);
    expect(run.stderr).toMatch(/^Error: The path "\/dev\/null" is not a folder or a regular file/);
  });

  it('a FIFO as the path, and a FIFO named like a manifest inside the fleet: errors, without blocking on them', async () => {
    const dir = join(work, 'fifo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'fleet.yaml'), [TYPE, CLUSTER].join('---\n'));
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const asPath = await runCli(['validate', join(dir, 'pipe.yaml')], work, 30_000);
    expectCleanFailure(asPath);
    expect(asPath.stderr).toMatch(/is not a folder or a regular file \(it is a FIFO, socket or device\)/);
    const inside = await runCli(['validate', dir], work, 30_000);
    expectCleanFailure(inside);
    expect(inside.stdout).toMatch(/pipe\.yaml:1:1\s+error\s+"pipe\.yaml" is not a regular file .*NotARegularFile/);
  });

  it.each([
    ['a path out of the repository', '../../../../../../../../proc/self/environ'],
    ['an absolute path', '/proc/self/environ'],
    ['a file of the .git folder', 'config'],
  ])('validate --rev with %s: refused or not found, never read', async (_what, rev) => {
    const run = await runCli(['validate', '--rev', rev, 'fleet'], repo);
    expectCleanFailure(run);
    expect(run.stderr).toMatch(/^Error: The revision ".*" (is not a branch, a tag or a commit sha|was not found in the repository)/);
  });

  it('plan --base/--head with a path out of the repository: refused', async () => {
    const run = await runCli(['plan', '--offline', '--base', '../../../../../../../../proc/self/environ', '--head', 'HEAD', 'fleet'], repo);
    expectCleanFailure(run);
    expect(run.stderr).toContain('is not a branch, a tag or a commit sha');
  });

  it('--controller-namespace: validate and plan refuse that namespace as a target, and --help says what it is', async () => {
    const dir = join(work, 'namespaces');
    mkdirSync(join(dir, 'fleet'), { recursive: true });
    const gateway = doc('ExtensionType', 'gateway', { chart: { repository: 'https://charts.invalid/charts', name: 'gateway' }, scopes: ['namespace'], releaseTrains: { stable: {} } });
    const instance = doc('Extension', 'gw', { clusterName: 'prod', extensionType: 'gateway', scope: 'namespace', targetNamespace: 'platform' });
    writeFileSync(join(dir, 'fleet', 'fleet.yaml'), [gateway, CLUSTER].join('---\n'));
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    writeFileSync(join(dir, 'fleet', 'fleet.yaml'), [gateway, CLUSTER, instance].join('---\n'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'gateway in platform');
    expect((await runCli(['validate', 'fleet'], dir)).code).toBe(0);
    for (const args of [['validate', '--controller-namespace', 'platform', 'fleet'], ['plan', '--offline', '--controller-namespace', 'platform', '--base', 'HEAD~1', '--head', 'HEAD', 'fleet']]) {
      const run = await runCli(args, dir);
      expectCleanFailure(run);
      expect(run.stdout).toContain(`targetNamespace "platform" is the controller's namespace`);
    }
    for (const command of ['validate', 'plan']) expect((await runCli([command, '--help'], dir)).stdout).toMatch(/--controller-namespace <ns>\s+the namespace the controller runs in/);
  });

  it('100,000 documents in one file: each problem located, no stack overflow', async () => {
    const dir = join(work, 'many');
    mkdirSync(dir);
    writeFileSync(join(dir, 'many.yaml'), '--- {}\n'.repeat(100_000));
    const run = await runCli(['validate', '--max-diagnostics-per-file', '1000000', '--max-diagnostics', '1000000', dir], work);
    expectCleanFailure(run);
    expect(run.stdout).toContain('many.yaml:100000:5  error    Required field "kind" is missing');
    // By default, 100 of them and one line that counts the rest.
    const capped = await runCli(['validate', dir], work);
    expectCleanFailure(capped);
    expect(capped.stdout.split('\n').filter((l) => /many\.yaml:\d+:\d+\s+error/.test(l))).toHaveLength(101);
    expect(capped.stdout).toMatch(/many\.yaml:\d+:5\s+error\s+\d+ more diagnostics \(\d+ errors\) in "many\.yaml" from here on are not shown \(--max-diagnostics-per-file\)/);
    const empty = join(work, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'empty.yaml'), '---\n'.repeat(100_000));
    const none = await runCli(['validate', empty], work);
    expectCleanFailure(none);
    expect(none.stdout).toContain('The files hold no clusterext manifests');
  });

  it('a symbolic link to a manifest: the same located error in validate, validate --rev and plan', async () => {
    const linked = join(work, 'linked');
    mkdirSync(join(linked, 'fleet'), { recursive: true });
    writeFileSync(join(linked, 'fleet', 'fleet.yaml'), [TYPE, CLUSTER].join('---\n'));
    writeFileSync(join(linked, 'shared.yaml'), extension('    log.level: info\n'));
    git(linked, 'init', '-q');
    git(linked, 'add', '-A');
    git(linked, 'commit', '-q', '-m', 'base');
    symlinkSync('../shared.yaml', join(linked, 'fleet', 'extension.yaml'));
    git(linked, 'add', '-A');
    git(linked, 'commit', '-q', '-m', 'link');
    const expected = /extension\.yaml:1:1\s+error\s+"extension\.yaml" is a symbolic link; .*SymbolicLink/;
    for (const args of [['validate', 'fleet'], ['validate', '--rev', 'HEAD', 'fleet'], ['plan', '--offline', '--base', 'HEAD~1', '--head', 'HEAD', 'fleet']]) {
      const run = await runCli(args, linked);
      expectCleanFailure(run);
      expect(run.stdout, args.join(' ')).toMatch(expected);
    }
  });

  it('a 4 MB anchor repeated 100 times: plan ends with a located error within a 256 MiB heap, as validate does', async () => {
    const bomb = join(work, 'bomb');
    mkdirSync(join(bomb, 'fleet'), { recursive: true });
    writeFileSync(join(bomb, 'fleet', 'fleet.yaml'), [TYPE, CLUSTER, extension('    log.level: info\n')].join('---\n'));
    git(bomb, 'init', '-q');
    git(bomb, 'add', '-A');
    git(bomb, 'commit', '-q', '-m', 'base');
    const copies = Array.from({ length: 100 }, (_, i) => `    copy${i}: *dashboard\n`).join('');
    writeFileSync(join(bomb, 'fleet', 'fleet.yaml'), [TYPE, CLUSTER, extension(`    dashboard: &dashboard "${'x'.repeat(4_000_000)}"\n${copies}`)].join('---\n'));
    git(bomb, 'commit', '-q', '-am', 'bomb');
    const expected = /fleet\.yaml:\d+:\d+\s+error\s+With its aliases expanded this document holds more than 8388608 characters, the limit: the alias "\*dashboard" here repeats 4000002 characters\..*DocumentTooLarge/;
    for (const args of [['plan', '--offline', '--base', 'HEAD~1', '--head', 'HEAD', 'fleet'], ['validate', 'fleet'], ['validate', '--rev', 'HEAD', 'fleet']]) {
      const run = await runCli(args, bomb, 120_000, ['--max-old-space-size=256']);
      expectCleanFailure(run);
      expect(run.stdout, args.join(' ')).toMatch(expected);
      // The one reason, not a second one about the data that was never built.
      expect(run.stdout).toMatch(/✗ Invalid: 1 error in 1 file\./);
    }
    // The limit is an option: raised, the same document is read (and its settings are then too large to plan here).
    const raised = await runCli(['validate', '--max-expanded-size', '500000000', 'fleet'], bomb, 120_000);
    expect(raised.stdout).not.toContain('DocumentTooLarge');
  });

  it('values JSON cannot carry, custom tags and bytes that are not UTF-8: the same located errors in validate, validate --rev and plan', async () => {
    const values = join(work, 'values');
    mkdirSync(join(values, 'fleet'), { recursive: true });
    writeFileSync(join(values, 'fleet', 'fleet.yaml'), [TYPE, CLUSTER, extension('    log.level: info\n')].join('---\n'));
    git(values, 'init', '-q');
    git(values, 'add', '-A');
    git(values, 'commit', '-q', '-m', 'base');
    const settings = [
      '    huge: 1e400\n',
      '    inf: .inf\n',
      '    nan: .nan\n',
      '    id: 9007199254740993\n',
      '    password: !vault secret/data/db\n',
      '    code: !!js/function "function () {}"\n',
      '    half: "\\ud800"\n',
    ].join('');
    // Keys are the text written: "1.10" is a value and a parent here (read as 1.1, they would not clash).
    const stage = doc('ConnectedCluster', 'stage', { kubeconfigSecretRef: { name: 'kc-stage', key: 'kubeconfig' } });
    writeFileSync(join(values, 'fleet', 'keys.yaml'), [stage, extension('    1.10: a\n    1.10.x: b\n').replace('clusterName: prod', 'clusterName: stage')].join('---\n'));
    writeFileSync(join(values, 'fleet', 'fleet.yaml'), [TYPE, CLUSTER, extension(settings)].join('---\n'));
    writeFileSync(join(values, 'fleet', 'latin1.yaml'), Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    git(values, 'add', '-A');
    git(values, 'commit', '-q', '-m', 'values');
    const located = (stdout: string) => stdout.split('\n').filter((l) => /\d+:\d+\s+error/.test(l)).map((l) => l.replace(/\s+/g, ' ').replace(/^fleet\//, ''));
    const runs = [];
    for (const args of [['validate', 'fleet'], ['validate', '--rev', 'HEAD', 'fleet'], ['plan', '--offline', '--base', 'HEAD~1', '--head', 'HEAD', 'fleet']]) {
      const run = await runCli(args, values);
      expectCleanFailure(run);
      runs.push(located(run.stdout));
    }
    // The settings start on the line after `configurationSettings:`, the last line of the text before them.
    const line = (n: number) => [TYPE, CLUSTER, extension('')].join('---\n').split('\n').length + n;
    expect(runs[0]!.map((l) => /^(\S+) error .* (\w+)$/.exec(l)!.slice(1))).toEqual([
      [`fleet.yaml:${line(0)}:11`, 'UnrepresentableNumber'],
      [`fleet.yaml:${line(1)}:10`, 'UnrepresentableNumber'],
      [`fleet.yaml:${line(2)}:10`, 'UnrepresentableNumber'],
      [`fleet.yaml:${line(3)}:9`, 'UnrepresentableNumber'],
      [`fleet.yaml:${line(4)}:15`, 'UnsupportedTag'],
      [`fleet.yaml:${line(5)}:11`, 'UnsupportedTag'],
      [`fleet.yaml:${line(6)}:11`, 'LoneSurrogate'],
      [`keys.yaml:${stage.split('\n').length + 10}:5`, 'ConflictingSettings'],
      ['latin1.yaml:1:6', 'InvalidUtf8'],
    ]);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it('controller --shards: an unknown mode and shards in agent mode are refused before anything runs, saying what to do', async () => {
    // A hub that does not exist: the refusal must come before any request to it.
    const kubeconfig = join(work, 'nowhere.kubeconfig');
    writeFileSync(kubeconfig, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }], users: [{ name: 'u', user: { token: CANARY } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' }));
    const bogus = await runCli(['controller', '--shards', 'bogus', '--kubeconfig', kubeconfig], work);
    expectCleanFailure(bogus);
    expect(bogus.stderr).toContain("option '--shards <mode>' argument 'bogus' is invalid. give auto (replicas share the clusters) or off (one replica acts).");
    const agent = await runCli(['controller', '--shards', 'auto', '--cluster-name', 'prod', '--kubeconfig', kubeconfig, '--cache-dir', join(work, 'cache')], work);
    expectCleanFailure(agent);
    expect(agent.stderr).toContain('an agent (--cluster-name "prod") acts on its own cluster only. Leave out one of the two.');
  });
});
