import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ClusterextError } from '../errors/clusterext-error.js';
import { buildFleet } from './build-fleet.js';
import { capDiagnostics } from './cap-diagnostics.js';
import { classifyDocument, type ManifestDocument } from './classify-document.js';
import { compareDiagnostics, hasErrors, type Diagnostic } from './diagnostic.js';
import type { Fleet } from './fleet.js';
import type { FileCheck, FleetFileCache } from './fleet-file-cache.js';
import { checkFleetRules } from './fleet-rules.js';
import { fleetFileFromBytes, notARegularFile, type FleetFile, type NotARegularFile } from './fleet-file.js';
import { createGitTreeReader, type GitTreeReader } from './git-tree-reader.js';
import { unrepresentableValues } from './unrepresentable-values.js';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from './validation-limits.js';
import { readYamlDocuments } from './yaml-documents.js';

export type { FleetFile } from './fleet-file.js';

/**
 * `fleet` is undefined exactly when some diagnostic is an error. Diagnostics are sorted, and
 * capped per file and in all (capDiagnostics).
 */
export interface FleetLoadResult {
  fleet: Fleet | undefined;
  diagnostics: Diagnostic[];
}

const MANIFEST_FILE = /\.ya?ml$/i;

/** True for the files the loaders read: `.yaml` and `.yml`. */
export function isManifestFile(filePath: string): boolean {
  return MANIFEST_FILE.test(filePath);
}

export interface ValidateOptions {
  /** Reuses the checks of files unchanged since an earlier call (the other revision of a plan). */
  cache?: FleetFileCache;
  /** How a file becomes YAML documents; default `readYamlDocuments` (`parseYamlDocuments` gives the same, slower). */
  readDocuments?: typeof readYamlDocuments;
  /** Default DEFAULT_VALIDATION_LIMITS. */
  limits?: ValidationLimits;
}

/**
 * Validates a fleet from file contents: YAML, schemas, cross-field and cross-object rules, every
 * problem at once. Pure: the loaders below only read files and call this.
 */
export function validateFleetFiles(files: readonly FleetFile[], options: ValidateOptions = {}): FleetLoadResult {
  const diagnostics: Diagnostic[] = [];
  const manifests: ManifestDocument[] = [];
  const limits = options.limits ?? DEFAULT_VALIDATION_LIMITS;
  const sorted = files.map((f) => ({ ...f, path: f.path.replace(/\\/g, '/') })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of sorted) {
    if (file.unreadable) {
      diagnostics.push({ ...file.unreadable, file: file.path });
      continue;
    }
    const read = options.readDocuments ?? readYamlDocuments;
    const check = options.cache ? options.cache.checkFile(file.path, file.content, () => checkFile(file, read, limits)) : checkFile(file, read, limits);
    // Pushed one by one: a file may hold hundreds of thousands of documents or problems.
    for (const d of check.diagnostics) diagnostics.push(d);
    for (const m of check.manifests) manifests.push(m);
  }
  if (manifests.length === 0 && !hasErrors(diagnostics)) {
    diagnostics.push({
      severity: 'error',
      code: 'NoManifests',
      message:
        sorted.length === 0
          ? 'No .yaml or .yml files were found; check the path (an empty fleet is never applied, as it would remove every extension).'
          : 'The files hold no clusterext manifests; check the path (an empty fleet is never applied, as it would remove every extension).',
      file: '.',
      line: 1,
      column: 1,
      pointer: '',
    });
  }
  for (const d of checkFleetRules(manifests, limits)) diagnostics.push(d);
  diagnostics.sort(compareDiagnostics);
  return { fleet: hasErrors(diagnostics) ? undefined : buildFleet(manifests), diagnostics: capDiagnostics(diagnostics, limits) };
}

/** A file's YAML, kinds and schemas: everything that does not depend on the other files. */
function checkFile(file: FleetFile, read: typeof readYamlDocuments, limits: ValidationLimits): FileCheck {
  const parsed = read(file.path, file.content, { maxExpandedSize: limits.maxExpandedSize });
  const diagnostics = [...parsed.diagnostics];
  const manifests: ManifestDocument[] = [];
  for (const doc of parsed.documents) {
    // A document YAML could not turn into data at all (too large, an alias bomb): the reader said why.
    if (!doc.readable && doc.value === null) continue;
    for (const d of unrepresentableValues(doc)) diagnostics.push(d);
    const { manifest, diagnostics: found } = classifyDocument(doc);
    for (const d of found) diagnostics.push(d);
    if (manifest) manifests.push(manifest);
  }
  return { diagnostics, manifests };
}

/**
 * Loads every `.yaml`/`.yml` file under `dir` (or the one file `dir` names); dot-folders are
 * skipped. `dir` itself may be a link to a folder; inside it, links and other files that are not
 * regular files are reported, never followed or read, as git would give them (see `fleetFileFromBytes`).
 */
export async function loadFleetFromDirectory(dir: string, options: { limits?: ValidationLimits } = {}): Promise<FleetLoadResult> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new ClusterextError('FleetPathNotFound', `The path "${dir}" does not exist; give the folder that holds the fleet manifests.`, { path: dir });
  if (info.isFile()) {
    const name = path.basename(dir);
    const isLink = (await lstat(dir)).isSymbolicLink();
    return validateFleetFiles([isLink ? notARegularFile(name, 'symlink') : fleetFileFromBytes(name, await readFile(dir))], options);
  }
  if (!info.isDirectory()) {
    throw new ClusterextError('FleetPathNotAFolder', `The path "${dir}" is not a folder or a regular file (it is a FIFO, socket or device); give the folder that holds the fleet manifests.`, {
      path: dir,
    });
  }
  return validateFleetFiles(await readFleetFilesFromDirectory(dir), options);
}

/** The manifest files under a folder as validation takes them (what `loadFleetFromDirectory` validates), for callers that edit them first. */
export async function readFleetFilesFromDirectory(dir: string): Promise<FleetFile[]> {
  const files: FleetFile[] = [];
  for (const entry of await listManifestFiles(dir, '')) {
    files.push(entry.kind === 'file' ? fleetFileFromBytes(entry.path, await readFile(path.join(dir, entry.path))) : notARegularFile(entry.path, entry.kind));
  }
  return files;
}

async function listManifestFiles(root: string, relative: string): Promise<{ path: string; kind: 'file' | NotARegularFile }[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const out: { path: string; kind: 'file' | NotARegularFile }[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      for (const found of await listManifestFiles(root, child)) out.push(found);
    } else if (isManifestFile(entry.name)) {
      out.push({ path: child, kind: entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'symlink' : 'special' });
    }
  }
  return out;
}

export interface GitLoadOptions {
  repoDir: string;
  /** A branch, a tag or a (possibly abbreviated) commit sha. */
  rev: string;
  /** The fleet folder inside the repository; default the root. */
  path?: string;
  /** Shared by the loads of two revisions, it checks each unchanged file once. */
  cache?: FleetFileCache;
  /** Default DEFAULT_VALIDATION_LIMITS. */
  limits?: ValidationLimits;
}

/** Loads the fleet at a git revision of a local repository, reading objects without a checkout. */
export async function loadFleetFromGit(options: GitLoadOptions): Promise<FleetLoadResult & { commit: string }> {
  const reader = createGitTreeReader({ repoDir: options.repoDir });
  const commit = await reader.resolveCommit(options.rev);
  const files = await readFleetFilesAtCommit(reader, commit, options.path ?? '');
  return { ...validateFleetFiles(files, { cache: options.cache, ...(options.limits ? { limits: options.limits } : {}) }), commit };
}

/** The manifest files under `dir` at `commit`, with paths relative to `dir`. */
export async function readFleetFilesAtCommit(reader: GitTreeReader, commit: string, dir: string): Promise<FleetFile[]> {
  const root = dir.split(/[\\/]+/).filter((s) => s !== '' && s !== '.').join('/');
  const entries = await reader.listFiles(commit, root);
  const files: FleetFile[] = [];
  for (const entry of entries) {
    const relative = entry.path === root ? path.posix.basename(entry.path) : root ? entry.path.slice(root.length + 1) : entry.path;
    // The fleet path itself a link (to a folder, say) is reported whatever its name.
    if (entry.path === root && entry.symlink) return [notARegularFile(relative, 'symlink')];
    if (!isManifestFile(relative) || relative.split('/').some((s) => s.startsWith('.') || s === 'node_modules')) continue;
    files.push(entry.symlink ? notARegularFile(relative, 'symlink') : fleetFileFromBytes(relative, await reader.readFile(commit, entry.path)));
  }
  return files;
}
