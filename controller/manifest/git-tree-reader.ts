import * as nodeFs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { ClusterextError } from '../errors/clusterext-error.js';

/**
 * Reads files of a commit straight from git objects, without a checkout. The manifest loader only
 * needs this much, so the CLI (a local repository) and the controller (a fetched clone that is
 * never checked out) share one loader.
 */
export interface GitTreeReader {
  /**
   * The full sha of the commit `rev` names: a branch, a tag (annotated tags are peeled), a full or
   * abbreviated sha, or HEAD, each optionally followed by ancestry steps (`~N`, `^N`). Nothing
   * else: `rev` is never used as a path, so it cannot read a file outside the repository's refs.
   */
  resolveCommit(rev: string): Promise<string>;
  /** Every file under `dir` at `commit` (a symbolic link is a file git stores); `dir` '' is the root, and may name one file. */
  listFiles(commit: string, dir: string): Promise<TreeFile[]>;
  /** The bytes of a file as git stores them (for a symbolic link, its target path). */
  readFile(commit: string, filePath: string): Promise<Uint8Array>;
}

export interface TreeFile {
  /** Repository-relative, forward slashes. */
  path: string;
  /** True for a symbolic link (mode 120000): git stores the path it points to, not a file's content. */
  symlink: boolean;
}

export interface GitTreeReaderOptions {
  /**
   * A repository with a `.git` folder (a clone, checked out or not), a work tree whose `.git` is a
   * file naming its git folder (`git worktree add`, a submodule), or a bare repository.
   */
  repoDir: string;
  fs?: typeof nodeFs;
}

/** A `GitTreeReader` over isomorphic-git and a file system. */
export function createGitTreeReader(options: GitTreeReaderOptions): GitTreeReader {
  const fs = options.fs ?? nodeFs;
  const repoDir = options.repoDir;
  const location = gitLocation(fs, repoDir);
  const cache = {};
  // Objects and refs are in the common folder; only HEAD is the work tree's own.
  const at = { fs, gitdir: location.common, cache };

  return {
    async resolveCommit(rev) {
      if (!fs.existsSync(path.join(location.gitdir, 'HEAD'))) {
        throw new ClusterextError('NotAGitRepository', `"${repoDir}" is not a git repository, so --rev cannot be read from it; run inside a clone or drop --rev.`, { repoDir });
      }
      // `main~2`, `HEAD^`, `v1.0^2`: a name, then ancestry steps as in git rev-parse.
      const [, name = rev, steps = ''] = /^(.+?)((?:[~^]\d*)*)$/.exec(rev) ?? [];
      const problem = refNameProblem(name);
      if (problem) {
        throw new ClusterextError('InvalidRevision', `The revision ${JSON.stringify(rev)} is not a branch, a tag or a commit sha: ${problem}; give a name such as main, v1.2.0 or a commit sha, optionally followed by ~N or ^N.`, {
          rev,
        });
      }
      let commit = await peelToCommit(rev, await resolveOid(name));
      for (const [, op, count] of steps.matchAll(/([~^])(\d*)/g)) {
        const n = count === '' ? 1 : Number(count);
        commit = op === '~' ? await nthAncestor(rev, commit, n) : await nthParent(rev, commit, n);
      }
      return commit;
    },

    async listFiles(commit, dir) {
      const root = normalizeDir(dir);
      const notFound = () => new ClusterextError('FleetPathNotFound', `The path "${root}" does not exist at commit ${commit.slice(0, 12)}; check the path.`, { path: root, commit });
      let top: TreeEntry[];
      if (root === '') {
        top = (await git.readTree({ ...at, oid: commit })).tree;
      } else {
        // The entry of `root` in its parent tree says whether it is a folder, a file or a link.
        const slash = root.lastIndexOf('/');
        let parent: TreeEntry[];
        try {
          parent = (await git.readTree({ ...at, oid: commit, ...(slash === -1 ? {} : { filepath: root.slice(0, slash) }) })).tree;
        } catch (err) {
          if (isCode(err, 'NotFoundError') || isCode(err, 'ObjectTypeError')) throw notFound();
          throw err;
        }
        const entry = parent.find((e) => e.path === root.slice(slash + 1));
        if (!entry || entry.type === 'commit') throw notFound();
        if (entry.type === 'blob') return [{ path: root, symlink: entry.mode === SYMLINK_MODE }];
        top = (await git.readTree({ ...at, oid: entry.oid })).tree;
      }
      const files: TreeFile[] = [];
      const walk = async (prefix: string, entries: readonly TreeEntry[]): Promise<void> => {
        for (const entry of entries) {
          const entryPath = prefix ? `${prefix}/${entry.path}` : entry.path;
          if (entry.type === 'blob') files.push({ path: entryPath, symlink: entry.mode === SYMLINK_MODE });
          else if (entry.type === 'tree') await walk(entryPath, (await git.readTree({ ...at, oid: entry.oid })).tree);
          // 'commit' entries are submodules: their files are not in this repository
        }
      };
      await walk(root, top);
      return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    async readFile(commit, filePath) {
      return (await git.readBlob({ ...at, oid: commit, filepath: filePath })).blob;
    },
  };

  async function resolveOid(rev: string): Promise<string> {
    // Only names under refs/ and HEAD, in git rev-parse's order: isomorphic-git would also read any
    // file of the .git folder the name happens to match, and take its content for a ref.
    if (rev === 'HEAD' && location.gitdir !== location.common) return resolveWorktreeHead();
    const candidates = rev === 'HEAD' ? ['HEAD'] : [...(rev.startsWith('refs/') ? [rev] : []), `refs/${rev}`, `refs/tags/${rev}`, `refs/heads/${rev}`, `refs/remotes/${rev}`, `refs/remotes/${rev}/HEAD`];
    for (const ref of candidates) {
      try {
        return await git.resolveRef({ ...at, ref });
      } catch (err) {
        if (!isCode(err, 'NotFoundError')) throw unreadable(rev, err);
      }
    }
    if (/^[0-9a-f]{4,40}$/i.test(rev)) {
      try {
        return await git.expandOid({ ...at, oid: rev.toLowerCase() });
      } catch (err) {
        if (isCode(err, 'AmbiguousError')) {
          throw new ClusterextError('GitRevisionAmbiguous', `The abbreviated sha "${rev}" matches several objects; give more characters.`, { rev });
        }
        if (!isCode(err, 'NotFoundError')) throw unreadable(rev, err);
      }
    }
    throw new ClusterextError('GitRevisionNotFound', `The revision "${rev}" was not found in the repository at "${repoDir}"; give a branch, a tag or a commit sha that exists there.`, {
      rev,
      repoDir,
    });
  }

  /** The HEAD of a linked work tree: a sha, or `ref: refs/heads/…` to resolve among the common refs. */
  async function resolveWorktreeHead(): Promise<string> {
    const head = fs.readFileSync(path.join(location.gitdir, 'HEAD'), 'utf8').trim();
    const symbolic = /^ref:\s*(refs\/\S+)$/.exec(head);
    if (!symbolic && /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(head)) return head;
    try {
      if (symbolic && !refNameProblem(symbolic[1]!)) return await git.resolveRef({ ...at, ref: symbolic[1]! });
    } catch (err) {
      if (!isCode(err, 'NotFoundError')) throw unreadable('HEAD', err);
    }
    throw new ClusterextError('GitRevisionNotFound', `HEAD of the work tree at "${repoDir}" names no commit (a branch without commits?); give a branch, a tag or a commit sha.`, { rev: 'HEAD', repoDir });
  }

  async function nthParent(rev: string, commit: string, n: number): Promise<string> {
    if (n === 0) return commit;
    const { commit: parsed } = await git.readCommit({ ...at, oid: commit });
    const parent = parsed.parent[n - 1];
    if (parent === undefined) {
      throw new ClusterextError('GitRevisionNotFound', `The revision "${rev}" goes past the history: commit ${commit.slice(0, 12)} has ${parsed.parent.length} parent(s).`, { rev });
    }
    return parent;
  }

  async function nthAncestor(rev: string, commit: string, n: number): Promise<string> {
    let current = commit;
    for (let i = 0; i < n; i++) current = await nthParent(rev, current, 1);
    return current;
  }

  async function peelToCommit(rev: string, oid: string): Promise<string> {
    let current = oid;
    for (let depth = 0; depth < 10; depth++) {
      const object = await git.readObject({ ...at, oid: current, format: 'parsed' });
      if (object.type === 'commit') return current;
      if (object.type !== 'tag') break;
      current = (object.object as { object: string }).object;
    }
    throw new ClusterextError('GitRevisionNotACommit', `The revision "${rev}" does not name a commit; give a branch, a tag or a commit sha.`, { rev, oid });
  }
}

/**
 * Where the git folder of `repoDir` is. `.git` may be a folder; or a file `gitdir: <path>` (a work
 * tree added with `git worktree add`, a submodule), whose folder holds the work tree's own HEAD
 * and may name, in `commondir`, the folder with the objects and refs it shares with the main
 * clone; or absent, for a bare repository. `common` is where objects and refs are read.
 */
function gitLocation(fs: typeof nodeFs, repoDir: string): { gitdir: string; common: string } {
  const dotGit = path.join(repoDir, '.git');
  const info = fs.statSync(dotGit, { throwIfNoEntry: false });
  if (!info) return { gitdir: repoDir, common: repoDir };
  if (!info.isFile()) return { gitdir: dotGit, common: dotGit };
  const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(dotGit, 'utf8'))?.[1];
  if (pointer === undefined) return { gitdir: dotGit, common: dotGit };
  const gitdir = path.resolve(repoDir, pointer);
  const commondir = fs.existsSync(path.join(gitdir, 'commondir')) ? fs.readFileSync(path.join(gitdir, 'commondir'), 'utf8').trim() : '';
  return { gitdir, common: commondir ? path.resolve(gitdir, commondir) : gitdir };
}

type TreeEntry = Awaited<ReturnType<typeof git.readTree>>['tree'][number];

const SYMLINK_MODE = '120000';

/** Why `name` is not a ref name git accepts (git check-ref-format), or undefined when it is one. */
export function refNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (/[\p{Cc} ~^:?*[\\]/u.test(name)) return 'it contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'it contains ".."';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it starts or ends with "/" or has an empty part between slashes';
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) return 'a part between slashes starts with "." or ends with ".lock"';
  if (name.endsWith('.') || name.includes('@{') || name === '@' || name.startsWith('-')) return 'git does not allow it as a ref name';
  return undefined;
}

/** A failure of git itself (a corrupt object store): its message may quote what it read, so only its code goes on. */
function unreadable(rev: string, err: unknown): ClusterextError {
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'unknown';
  return new ClusterextError('GitReadFailed', `The revision ${JSON.stringify(rev)} could not be read from the repository (${code}); check that the repository is intact with "git fsck".`, { rev, code });
}

function normalizeDir(dir: string): string {
  return dir
    .split(/[\\/]+/)
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** The top folder of the git work tree holding `start`, or undefined when there is none. */
export async function findRepositoryRoot(start: string, fs: typeof nodeFs = nodeFs): Promise<string | undefined> {
  try {
    return await git.findRoot({ fs, filepath: path.resolve(start) });
  } catch {
    return undefined;
  }
}
