/**
 * When each Extension was last checked for drift (ms since the epoch), per repository, kept by the
 * controller across passes. Memory follows the fleet: a repository's sync keeps only the Extensions
 * whose CRs it listed (retainExtensions), and a pass forgets the repositories that are gone
 * (retainRepositories), so churn of Extensions and repositories does not grow it.
 */
export class DriftCheckTimes {
  private readonly byRepository = new Map<string, Map<string, number>>();

  /** The times of one repository's Extensions, by CR name; the map the drift step reads and writes. */
  of(repository: string): Map<string, number> {
    let times = this.byRepository.get(repository);
    if (!times) this.byRepository.set(repository, (times = new Map()));
    return times;
  }

  /** Forgets every repository not in `repositories` (those the last full pass listed). */
  retainRepositories(repositories: ReadonlySet<string>): void {
    for (const key of this.byRepository.keys()) if (!repositories.has(key)) this.byRepository.delete(key);
  }

  /** How many Extensions have a time, over all repositories. */
  get size(): number {
    let n = 0;
    for (const times of this.byRepository.values()) n += times.size;
    return n;
  }
}

/**
 * Forgets the Extensions of one repository whose CRs no longer exist (`existing`: the CR names the
 * sync listed, those being deleted included until their finalizer goes).
 */
export function retainExtensions(times: Map<string, number>, existing: ReadonlySet<string>): void {
  for (const name of times.keys()) if (!existing.has(name)) times.delete(name);
}
