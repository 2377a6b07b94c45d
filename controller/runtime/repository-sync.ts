import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Fleet } from '../manifest/fleet.js';
import type { FleetLoadResult } from '../manifest/load-fleet.js';
import type { FetchResult, GitCredentials } from '../source/git-source.js';
import type { Clock } from './clock.js';
import { parseDuration } from './duration.js';

/** spec of an ExtensionRepository CR (DESIGN.md §2). */
export interface ExtensionRepositorySpec {
  url: string;
  branch?: string;
  path?: string;
  interval?: string;
  secretRef?: { name: string };
  webhookSecretRef?: { name: string };
}

/** The effects repository sync needs, passed in so tests can give fakes. */
export interface RepositorySyncPorts {
  fetch(options: { url: string; branch: string; cacheDir: string; credentials?: GitCredentials }): Promise<FetchResult>;
  load(options: { repoDir: string; rev: string; path?: string }): Promise<FleetLoadResult & { commit: string }>;
  readCredentials(secretName: string): Promise<GitCredentials>;
  clock: Clock;
}

export interface GoodRevision {
  commit: string;
  fleet: Fleet;
}

/** What one sync pass learnt about a repository; the caller turns it into status. */
export interface RepositorySyncOutcome {
  /** The revision to apply: the newest valid one, or the last good one when the newest failed. */
  good: GoodRevision | undefined;
  lastFetchedRevision: string | undefined;
  /** Set when the newest fetched revision failed validation; it is never applied. */
  rejected: { commit: string; diagnostics: Diagnostic[] } | undefined;
  /** Set when the fetch itself failed this pass (network, credentials, branch). */
  fetchError: string | undefined;
  /** Warnings of the applied revision. */
  warnings: Diagnostic[];
}

interface RepositoryMemory {
  lastFetchAt?: number;
  fetched?: string;
  repoDir?: string;
  validated?: string;
  good?: GoodRevision;
  previousGood?: GoodRevision;
  warnings: Diagnostic[];
  rejected?: { commit: string; diagnostics: Diagnostic[] };
  fetchError?: string;
  generation?: number;
}

/**
 * Keeps, per ExtensionRepository, the last fetched and the last good revision (DESIGN.md §3): a
 * revision that fails to fetch or validate is never applied; the last good one stays in force.
 * After a restart the last applied revision named in status is re-read from the local cache, so a
 * broken head does not leave the controller without a fleet.
 */
export class RepositorySync {
  private readonly memory = new Map<string, RepositoryMemory>();

  constructor(
    private readonly ports: RepositorySyncPorts,
    private readonly cacheRoot: string,
  ) {}

  async sync(input: {
    key: string;
    generation: number | undefined;
    spec: ExtensionRepositorySpec;
    lastAppliedRevision: string | undefined;
    force?: boolean;
  }): Promise<RepositorySyncOutcome> {
    const mem = this.memory.get(input.key) ?? { warnings: [] };
    this.memory.set(input.key, mem);
    const interval = parseDuration(input.spec.interval ?? '1m', 'spec.interval');
    const now = this.ports.clock.now();
    const due = input.force || mem.lastFetchAt === undefined || now - mem.lastFetchAt >= interval || mem.generation !== input.generation;

    if (due) {
      mem.lastFetchAt = now;
      mem.generation = input.generation;
      try {
        const credentials = input.spec.secretRef ? await this.ports.readCredentials(input.spec.secretRef.name) : undefined;
        const fetched = await this.ports.fetch({
          url: input.spec.url,
          branch: input.spec.branch ?? 'main',
          cacheDir: `${this.cacheRoot}/${input.key.replace(/[^a-zA-Z0-9_.-]/g, '_')}`,
          ...(credentials ? { credentials } : {}),
        });
        mem.fetched = fetched.commit;
        mem.repoDir = fetched.repoDir;
        mem.fetchError = undefined;
      } catch (err) {
        mem.fetchError = err instanceof Error ? err.message : String(err);
      }
    }

    if (mem.repoDir && !mem.good && input.lastAppliedRevision && mem.fetched !== input.lastAppliedRevision) {
      // Restarted controller: recover the last applied revision before judging the new head.
      const previous = await this.tryLoad(mem.repoDir, input.lastAppliedRevision, input.spec.path);
      if (previous?.fleet) mem.good = { commit: previous.commit, fleet: previous.fleet };
    }

    if (mem.repoDir && mem.fetched && mem.validated !== mem.fetched) {
      const loaded = await this.tryLoad(mem.repoDir, mem.fetched, input.spec.path);
      mem.validated = mem.fetched;
      if (loaded?.fleet) {
        mem.previousGood = mem.good;
        mem.good = { commit: loaded.commit, fleet: loaded.fleet };
        mem.warnings = loaded.diagnostics;
        mem.rejected = undefined;
      } else {
        mem.rejected = { commit: mem.fetched, diagnostics: loaded?.diagnostics ?? [] };
      }
    }

    return {
      good: mem.good,
      lastFetchedRevision: mem.fetched,
      rejected: mem.rejected,
      fetchError: mem.fetchError,
      warnings: mem.warnings,
    };
  }

  /**
   * The revision in force turned out unusable after all (its desired state has errors): it becomes
   * rejected and the previous good revision, if any, is back in force.
   */
  reject(key: string, diagnostics: Diagnostic[]): RepositorySyncOutcome | undefined {
    const mem = this.memory.get(key);
    if (!mem?.good) return undefined;
    mem.rejected = { commit: mem.good.commit, diagnostics };
    mem.good = mem.previousGood;
    mem.previousGood = undefined;
    return { good: mem.good, lastFetchedRevision: mem.fetched, rejected: mem.rejected, fetchError: mem.fetchError, warnings: mem.warnings };
  }

  /** The newest fetched revision of a repository, as far as this process knows. */
  lastFetched(key: string): string | undefined {
    return this.memory.get(key)?.fetched;
  }

  /** The revision in force (the one a pass applies) of a repository, as far as this process knows. */
  inForce(key: string): string | undefined {
    return this.memory.get(key)?.good?.commit;
  }

  /** The repositories this process remembers. */
  keys(): string[] {
    return [...this.memory.keys()];
  }

  /** Where the repository's clone is, once fetched. */
  repoDirOf(key: string): string | undefined {
    return this.memory.get(key)?.repoDir;
  }

  forget(key: string): void {
    this.memory.delete(key);
  }

  private async tryLoad(repoDir: string, rev: string, path: string | undefined): Promise<(FleetLoadResult & { commit: string }) | undefined> {
    try {
      return await this.ports.load({ repoDir, rev, ...(path ? { path } : {}) });
    } catch (err) {
      return {
        commit: rev,
        fleet: undefined,
        diagnostics: [
          { severity: 'error', code: 'RevisionUnreadable', message: err instanceof Error ? err.message : String(err), file: '', line: 0, column: 0, pointer: '' },
        ],
      };
    }
  }
}
