import path from 'node:path';
import { ClusterextError } from '../errors/clusterext-error.js';
import { findRepositoryRoot } from '../manifest/git-tree-reader.js';
import { loadFleetFromDirectory, loadFleetFromGit, type FleetLoadResult } from '../manifest/load-fleet.js';
import type { ValidationLimits } from '../manifest/validation-limits.js';

/**
 * The fleet a command's PATH argument names: the files as they are, or with `--rev` the folder at
 * that git revision of its repository, read from git objects without a checkout. One reading for
 * `validate` and `drift`, so both accept and reject the same input.
 */
export async function loadFleetArgument(fleetPath: string, rev: string | undefined, limits: ValidationLimits): Promise<FleetLoadResult & { commit?: string }> {
  if (rev === undefined) return loadFleetFromDirectory(fleetPath, { limits });
  const repoDir = await findRepositoryRoot(fleetPath);
  if (!repoDir) {
    throw new ClusterextError('NotAGitRepository', `"${fleetPath}" is not inside a git repository, so --rev cannot be used; drop --rev to read the files as they are.`, {
      path: fleetPath,
    });
  }
  const inside = path.relative(repoDir, path.resolve(fleetPath)).split(path.sep).join('/');
  if (inside.startsWith('..')) {
    throw new ClusterextError('FleetPathNotFound', `"${fleetPath}" is outside the repository at "${repoDir}".`, { path: fleetPath });
  }
  return loadFleetFromGit({ repoDir, rev, path: inside, limits });
}
