import type { ManifestDocument } from './classify-document.js';
import type { Diagnostic } from './diagnostic.js';

/** What validation finds in one file on its own: its YAML, kinds and schemas, before any cross-object rule. */
export interface FileCheck {
  diagnostics: readonly Diagnostic[];
  manifests: readonly ManifestDocument[];
}

/**
 * Per-file checks by path, reused while a file's content is unchanged: two revisions of a fleet
 * (the base and head of a plan, successive syncs) share most files. Holds one entry per path, the
 * latest content seen; the entries are plain data plus the file's text, never a YAML parse tree.
 * A cache kept across revisions (the controller's, per repository) calls forgetUntouched after
 * each load; one shared by two loads at once (plan's base and head) does not need to.
 */
export class FleetFileCache {
  private readonly entries = new Map<string, { content: string; check: FileCheck }>();
  /** The paths checked since the last forgetUntouched. */
  private readonly touched = new Set<string>();

  /** The check of `path` with `content`, from the cache or computed by `check` and remembered. */
  checkFile(path: string, content: string, check: () => FileCheck): FileCheck {
    this.touched.add(path);
    const cached = this.entries.get(path);
    if (cached && cached.content === content) return cached.check;
    const fresh = check();
    this.entries.set(path, { content, check: fresh });
    return fresh;
  }

  /**
   * Forgets the files no check asked for since the last call: after a load, those of files the
   * revision no longer has (deleted, renamed), so a long-lived cache holds one revision's files.
   */
  forgetUntouched(): void {
    for (const path of this.entries.keys()) if (!this.touched.has(path)) this.entries.delete(path);
    this.touched.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
