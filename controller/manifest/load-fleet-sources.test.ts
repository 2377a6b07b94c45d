import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(await reader.listFiles(commit, 'fleet')).toEqual(['fleet/clusters.yaml', 'fleet/more/clusters.yml']);
    expect(await reader.readFile(commit, 'fleet/clusters.yaml')).toBe(CLUSTER('one'));
    const result = await loadFleetFromGit({ repoDir: bare, rev: 'v1', path: 'fleet' });
    expect(names(result)).toEqual(['one@clusters.yaml']);
  });
});
