import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterextError } from '../errors/clusterext-error.js';
import { createGitTreeReader } from './git-tree-reader.js';
import { loadFleetFromDirectory, loadFleetFromGit } from './load-fleet.js';

const CLUSTER = (name: string) => `apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: { name: ${name} }
spec: { kubeconfigSecretRef: { name: kc-${name}, key: kubeconfig } }
`;

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'clusterext-manifest-'));
  temps.push(dir);
  return dir;
}

function write(root: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

async function expectError(promise: Promise<unknown>, code: string): Promise<ClusterextError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClusterextError);
  expect((err as ClusterextError).code).toBe(code);
  return err as ClusterextError;
}

describe('loadFleetFromDirectory', () => {
  it('reads .yaml and .yml files in nested folders, skipping dot-folders and other files', async () => {
    const dir = tempDir();
    write(dir, 'clusters/a.yaml', CLUSTER('a'));
    write(dir, 'clusters/deeper/b.yml', CLUSTER('b') + '---\n' + CLUSTER('c'));
    write(dir, '.hidden/x.yaml', 'not: [valid');
    write(dir, 'README.md', '# not a manifest');
    write(dir, 'notes.txt', 'kind: Nope');
    const { fleet, diagnostics } = await loadFleetFromDirectory(dir);
    expect(diagnostics).toEqual([]);
    expect(fleet?.clusters.map((c) => [c.metadata.name, c.source.file, c.source.documentIndex])).toEqual([
      ['a', 'clusters/a.yaml', 0],
      ['b', 'clusters/deeper/b.yml', 0],
      ['c', 'clusters/deeper/b.yml', 1],
    ]);
  });

  it('reads a single file when given one', async () => {
    const dir = tempDir();
    write(dir, 'one.yaml', CLUSTER('solo'));
    const { fleet } = await loadFleetFromDirectory(path.join(dir, 'one.yaml'));
    expect(fleet?.clusters.map((c) => [c.metadata.name, c.source.file])).toEqual([['solo', 'one.yaml']]);
  });

  it('throws FleetPathNotFound for a path that does not exist', async () => {
    await expectError(loadFleetFromDirectory(path.join(tempDir(), 'missing')), 'FleetPathNotFound');
  });
});

describe('loadFleetFromGit', () => {
  let repo: string;
  let first: string;
  let second: string;

  beforeAll(() => {
    repo = tempDir();
    git(repo, 'init', '-q');
    write(repo, 'fleet/clusters.yaml', CLUSTER('one'));
    write(repo, 'other/ignored.yaml', 'kind: Nope\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    first = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'tag', 'v1');
    git(repo, 'tag', '-a', 'v1-annotated', '-m', 'annotated');
    write(repo, 'fleet/more/clusters.yml', CLUSTER('two'));
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'second');
    second = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'branch', 'feature', first);
    // The working tree differs from every commit: the loader must read objects, not files.
    write(repo, 'fleet/clusters.yaml', 'this: [is not valid');
  });

  const names = (result: Awaited<ReturnType<typeof loadFleetFromGit>>) => result.fleet?.clusters.map((c) => `${c.metadata.name}@${c.source.file}`);

  it('reads a branch, relative to the fleet path, ignoring the working tree', async () => {
    const result = await loadFleetFromGit({ repoDir: repo, rev: 'main', path: 'fleet' });
    expect(result.diagnostics).toEqual([]);
    expect(result.commit).toBe(second);
    expect(names(result)).toEqual(['one@clusters.yaml', 'two@more/clusters.yml']);
  });

  it.each([
    ['another branch', 'feature'],
    ['a lightweight tag', 'v1'],
    ['an annotated tag (peeled to its commit)', 'v1-annotated'],
    ['a full sha', 'FIRST'],
    ['an abbreviated sha', 'FIRST7'],
  ])('resolves %s', async (_what, rev) => {
    const resolved = rev === 'FIRST' ? first : rev === 'FIRST7' ? first.slice(0, 7) : rev;
    const result = await loadFleetFromGit({ repoDir: repo, rev: resolved, path: './fleet/' });
    expect(result.commit).toBe(first);
    expect(names(result)).toEqual(['one@clusters.yaml']);
  });

  it('reads the whole repository when no path is given', async () => {
    const result = await loadFleetFromGit({ repoDir: repo, rev: first });
    expect(result.diagnostics.map((d) => [d.code, d.file])).toEqual([
      ['MissingField', 'other/ignored.yaml'],
      ['UnknownKind', 'other/ignored.yaml'],
    ]);
  });

  it('throws GitRevisionNotFound, with a sentence naming the revision, for a revision that does not exist', async () => {
    const err = await expectError(loadFleetFromGit({ repoDir: repo, rev: 'no-such-branch' }), 'GitRevisionNotFound');
    expect(err.message).toMatch(/^The revision "no-such-branch" was not found in the repository at ".+"; give a branch, a tag or a commit sha that exists there\.$/);
    await expectError(loadFleetFromGit({ repoDir: repo, rev: 'deadbeef' }), 'GitRevisionNotFound');
  });

  it('throws FleetPathNotFound for a path missing at that revision', async () => {
    await expectError(loadFleetFromGit({ repoDir: repo, rev: first, path: 'fleet/more' }), 'FleetPathNotFound');
  });

  it('throws NotAGitRepository outside a repository', async () => {
    await expectError(loadFleetFromGit({ repoDir: tempDir(), rev: 'main' }), 'NotAGitRepository');
  });

  it('follows ancestry suffixes as git rev-parse does (main~1, main^, HEAD^1), and says when history ends', async () => {
    const reader = createGitTreeReader({ repoDir: repo });
    expect(git(repo, 'rev-parse', 'main~1')).toBe(first);
    for (const rev of ['main~1', 'main^', 'main^1', 'main~', 'v1-annotated~0']) expect(await reader.resolveCommit(rev)).toBe(first);
    expect(await reader.resolveCommit('main^0')).toBe(second);
    await expectError(reader.resolveCommit('main~2'), 'GitRevisionNotFound');
  });

  it('reads a bare clone through the same reader', async () => {
    const bare = path.join(tempDir(), 'bare.git');
    git(repo, 'clone', '-q', '--bare', repo, bare);
    const reader = createGitTreeReader({ repoDir: bare });
    const commit = await reader.resolveCommit('main');
    expect(commit).toBe(second);
    expect(await reader.listFiles(commit, 'fleet')).toEqual([
      { path: 'fleet/clusters.yaml', symlink: false },
      { path: 'fleet/more/clusters.yml', symlink: false },
    ]);
    expect(new TextDecoder().decode(await reader.readFile(commit, 'fleet/clusters.yaml'))).toBe(CLUSTER('one'));
    const result = await loadFleetFromGit({ repoDir: bare, rev: 'v1', path: 'fleet' });
    expect(names(result)).toEqual(['one@clusters.yaml']);
  });
});

describe('a work tree whose .git is a file (git worktree add)', () => {
  it('reads its HEAD, its branch and the main clone\'s branches, from the objects and refs it shares', async () => {
    const main = tempDir();
    git(main, 'init', '-q');
    write(main, 'fleet/clusters.yaml', CLUSTER('one'));
    git(main, 'add', '.');
    git(main, 'commit', '-q', '-m', 'first');
    const worktree = path.join(tempDir(), 'wt');
    git(main, 'worktree', 'add', '-q', '-b', 'topic', worktree);
    write(worktree, 'fleet/more.yaml', CLUSTER('two'));
    git(worktree, 'add', '.');
    git(worktree, 'commit', '-q', '-m', 'second, in the work tree');
    const head = git(worktree, 'rev-parse', 'HEAD');

    const atHead = await loadFleetFromGit({ repoDir: worktree, rev: 'HEAD', path: 'fleet' });
    expect(atHead.commit).toBe(head);
    expect(atHead.fleet?.clusters.map((c) => c.metadata.name)).toEqual(['two', 'one'].sort());
    expect((await loadFleetFromGit({ repoDir: worktree, rev: 'topic~1', path: 'fleet' })).commit).toBe(git(main, 'rev-parse', 'main'));
    expect((await loadFleetFromGit({ repoDir: worktree, rev: 'main', path: 'fleet' })).fleet?.clusters.map((c) => c.metadata.name)).toEqual(['one']);
    // The main clone's HEAD is its own, not the work tree's.
    expect((await loadFleetFromGit({ repoDir: main, rev: 'HEAD', path: 'fleet' })).commit).toBe(git(main, 'rev-parse', 'main'));
    // A detached work tree: HEAD is a sha in the work tree's own git folder.
    git(worktree, 'checkout', '-q', '--detach', 'main');
    expect((await loadFleetFromGit({ repoDir: worktree, rev: 'HEAD', path: 'fleet' })).commit).toBe(git(main, 'rev-parse', 'main'));
  });
});

describe('mapping keys YAML reads as numbers', () => {
  it('are the text written, from the working tree and at a git revision alike', async () => {
    const repo = tempDir();
    git(repo, 'init', '-q');
    const type = 'apiVersion: clusterext.io/v1alpha1\nkind: ExtensionType\nmetadata: { name: t }\nspec:\n  chart: { repository: "https://charts.example", name: t }\n  scopes: [cluster]\n  defaultReleaseNamespace: t\n  releaseTrains: { stable: {} }\n';
    const extension = 'apiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: { name: e }\nspec:\n  clusterName: one\n  extensionType: t\n  scope: cluster\n  configurationSettings:\n    1.10: a\n    version.1.20: b\n';
    write(repo, 'fleet/fleet.yaml', `${CLUSTER('one')}---\n${type}---\n${extension}`);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'numeric keys');
    const fromTree = await loadFleetFromDirectory(path.join(repo, 'fleet'));
    const fromGit = await loadFleetFromGit({ repoDir: repo, rev: 'HEAD', path: 'fleet' });
    expect(fromTree.diagnostics).toEqual([]);
    expect(fromTree.fleet?.extensions[0]?.spec.configurationSettings).toEqual({ '1.10': 'a', 'version.1.20': 'b' });
    expect(fromGit.fleet?.extensions[0]?.spec.configurationSettings).toEqual(fromTree.fleet?.extensions[0]?.spec.configurationSettings);
  });
});

describe('--rev names only refs and objects of the repository', () => {
  let repo: string;
  beforeAll(() => {
    repo = tempDir();
    git(repo, 'init', '-q');
    write(repo, 'fleet/clusters.yaml', CLUSTER('one'));
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    // A file in .git whose content is not a ref: a name must never be read as a path to it.
    write(repo, '.git/not-a-ref', 'CANARY_CONTENT=leaked\0more\n');
  });

  it.each([
    ['a path out of the repository', '../../../../../../proc/self/environ', /contains "\.\."/],
    ['an absolute path', '/etc/passwd', /starts or ends with "\/"/],
    ['a control character', 'main\nx', /control character/],
    ['a part starting with a dot', 'refs/.hidden', /starts with "\."/],
    ['@{', 'main@{1}', /does not allow/],
  ])('rejects %s as InvalidRevision, without reading it', async (_what, rev, reason) => {
    const err = await expectError(loadFleetFromGit({ repoDir: repo, rev, path: 'fleet' }), 'InvalidRevision');
    expect(err.message).toMatch(reason);
    expect(err.message).toContain(JSON.stringify(rev));
  });

  it('does not take a file of the .git folder for a ref', async () => {
    const err = await expectError(loadFleetFromGit({ repoDir: repo, rev: 'not-a-ref', path: 'fleet' }), 'GitRevisionNotFound');
    expect(err.message).not.toContain('CANARY');
    await expectError(loadFleetFromGit({ repoDir: repo, rev: 'config', path: 'fleet' }), 'GitRevisionNotFound');
  });

  it('still resolves HEAD, full ref names and ancestry steps', async () => {
    const head = git(repo, 'rev-parse', 'HEAD');
    for (const rev of ['HEAD', 'refs/heads/main', 'heads/main', 'main', 'HEAD~0']) {
      expect((await loadFleetFromGit({ repoDir: repo, rev, path: 'fleet' })).commit, rev).toBe(head);
    }
  });
});

describe('files that are not regular UTF-8 files: the same diagnostics from the working tree and from git', () => {
  let repo: string;
  const LATIN1 = Buffer.concat([Buffer.from(`${CLUSTER('two')}---\n# caf`), Buffer.from([0xe9]), Buffer.from(' au lait\n')]);

  beforeAll(() => {
    repo = tempDir();
    git(repo, 'init', '-q');
    write(repo, 'fleet/clusters.yaml', CLUSTER('one'));
    write(repo, 'shared/cluster.yaml', CLUSTER('linked'));
    mkdirSync(path.join(repo, 'fleet/more'), { recursive: true });
    symlinkSync('../../shared/cluster.yaml', path.join(repo, 'fleet/more/linked.yaml'));
    symlinkSync('../shared', path.join(repo, 'fleet/shared-folder'));
    writeFileSync(path.join(repo, 'fleet/latin1.yaml'), LATIN1);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
  });

  const seen = (diagnostics: readonly { code: string; file: string; line: number; column: number }[]) => diagnostics.map((d) => [d.code, d.file, d.line, d.column]);
  const EXPECTED = [
    ['InvalidUtf8', 'latin1.yaml', 6, 6],
    ['SymbolicLink', 'more/linked.yaml', 1, 1],
  ];

  it('reports a symbolic link named like a manifest and bytes that are not UTF-8, located, in the working tree', async () => {
    const { fleet, diagnostics } = await loadFleetFromDirectory(path.join(repo, 'fleet'));
    expect(fleet).toBeUndefined();
    expect(seen(diagnostics)).toEqual(EXPECTED);
    expect(diagnostics.find((d) => d.code === 'InvalidUtf8')!.message).toMatch(/byte 0xE9/);
  });

  it('reports them the same at a git revision', async () => {
    const { fleet, diagnostics } = await loadFleetFromGit({ repoDir: repo, rev: 'main', path: 'fleet' });
    expect(fleet).toBeUndefined();
    expect(seen(diagnostics)).toEqual(EXPECTED);
    const direct = await loadFleetFromDirectory(path.join(repo, 'fleet'));
    expect(diagnostics).toEqual(direct.diagnostics);
  });

  it('reports a fleet path that is itself a link to a file, in both', async () => {
    const link = path.join(repo, 'fleet/more/linked.yaml');
    expect(seen((await loadFleetFromDirectory(link)).diagnostics)).toEqual([['SymbolicLink', 'linked.yaml', 1, 1]]);
    expect(seen((await loadFleetFromGit({ repoDir: repo, rev: 'main', path: 'fleet/more/linked.yaml' })).diagnostics)).toEqual([['SymbolicLink', 'linked.yaml', 1, 1]]);
  });

  it('reports a FIFO named like a manifest, and refuses a FIFO or device as the fleet path, without blocking on it', async () => {
    const dir = tempDir();
    write(dir, 'clusters.yaml', CLUSTER('one'));
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    expect(seen((await loadFleetFromDirectory(dir)).diagnostics)).toEqual([['NotARegularFile', 'pipe.yaml', 1, 1]]);
    await expectError(loadFleetFromDirectory(path.join(dir, 'pipe.yaml')), 'FleetPathNotAFolder');
    await expectError(loadFleetFromDirectory('/dev/null'), 'FleetPathNotAFolder');
  });
});
