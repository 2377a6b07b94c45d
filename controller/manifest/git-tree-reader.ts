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
  /** The full sha of the commit `rev` names: a branch, a tag (annotated tags are peeled) or a full or abbreviated sha. */
  resolveCommit(rev: string): Promise<string>;
  /** Repository-relative paths (forward slashes) of every file under `dir` at `commit`; `dir` '' is the root. */
  listFiles(commit: string, dir: string): Promise<string[]>;
  readFile(commit: string, filePath: string): Promise<string>;
}

export interface GitTreeReaderOptions {
  /** A repository with a `.git` folder (a clone, checked out or not) or a bare repository. */
  repoDir: string;
  fs?: typeof nodeFs;
}

/** A `GitTreeReader` over isomorphic-git and a file system. */
export function createGitTreeReader(options: GitTreeReaderOptions): GitTreeReader {
  const fs = options.fs ?? nodeFs;
  const repoDir = options.repoDir;
  const dotGit = path.join(repoDir, '.git');
  const location = fs.existsSync(dotGit) ? { dir: repoDir, gitdir: dotGit } : { gitdir: repoDir };
  const cache = {};
  const at = { fs, ...location, cache };

  return {
    async resolveCommit(rev) {
      if (!fs.existsSync(path.join(location.gitdir, 'HEAD'))) {
        throw new ClusterextError('NotAGitRepository', `"${repoDir}" is not a git repository, so --rev cannot be read from it; run inside a clone or drop --rev.`, { repoDir });
      }
      // `main~2`, `HEAD^`, `v1.0^2`: a name, then ancestry steps as in git rev-parse.
      const [, name = rev, steps = ''] = /^(.+?)((?:[~^]\d*)*)$/.exec(rev) ?? [];
      let commit = await peelToCommit(rev, await resolveOid(name));
      for (const [, op, count] of steps.matchAll(/([~^])(\d*)/g)) {
        const n = count === '' ? 1 : Number(count);
        commit = op === '~' ? await nthAncestor(rev, commit, n) : await nthParent(rev, commit, n);
      }
      return commit;
    },

    async listFiles(commit, dir) {
      const root = normalizeDir(dir);
      let top: Awaited<ReturnType<typeof git.readTree>>;
      try {
        top = await git.readTree({ ...at, oid: commit, ...(root ? { filepath: root } : {}) });
      } catch (err) {
        if (isCode(err, 'ObjectTypeError') && root) return [root]; // the path is a single file
        if (isCode(err, 'NotFoundError')) {
          throw new ClusterextError('FleetPathNotFound', `The path "${root}" does not exist at commit ${commit.slice(0, 12)}; check the path.`, { path: root, commit });
        }
        throw err;
      }
      const files: string[] = [];
      const walk = async (prefix: string, entries: typeof top.tree): Promise<void> => {
        for (const entry of entries) {
          const entryPath = prefix ? `${prefix}/${entry.path}` : entry.path;
          if (entry.type === 'blob') files.push(entryPath);
          else if (entry.type === 'tree') await walk(entryPath, (await git.readTree({ ...at, oid: entry.oid })).tree);
          // 'commit' entries are submodules: their files are not in this repository
        }
      };
      await walk(root, top.tree);
      return files.sort();
    },

    async readFile(commit, filePath) {
      const { blob } = await git.readBlob({ ...at, oid: commit, filepath: filePath });
      return new TextDecoder('utf-8').decode(blob);
    },
  };

  async function resolveOid(rev: string): Promise<string> {
    try {
      return await git.resolveRef({ ...at, ref: rev });
    } catch (err) {
      if (!isCode(err, 'NotFoundError')) throw err;
    }
    if (/^[0-9a-f]{4,40}$/i.test(rev)) {
      try {
        return await git.expandOid({ ...at, oid: rev.toLowerCase() });
      } catch (err) {
        if (isCode(err, 'AmbiguousError')) {
          throw new ClusterextError('GitRevisionAmbiguous', `The abbreviated sha "${rev}" matches several objects; give more characters.`, { rev });
        }
        if (!isCode(err, 'NotFoundError')) throw err;
      }
    }
    throw new ClusterextError('GitRevisionNotFound', `The revision "${rev}" was not found in the repository at "${repoDir}"; give a branch, a tag or a commit sha that exists there.`, {
      rev,
      repoDir,
    });
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
