import { isProcessAlive } from './is-process-alive.js';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterextError } from '../errors/clusterext-error.js';
import { runCommand } from './run-command.js';

interface GoBinarySpecBase {
  /** The binary's name and pinned version, e.g. kube-apiserver / v1.34.4; used in file names. */
  name: string;
  version: string;
  ldflags: string[];
  /** Where the finished binary goes; it appears there atomically (built under a temporary name). */
  output: string;
  /** Whether `output` already holds a good binary; checked again after waiting for another builder. */
  isBuilt(): boolean;
}

/** A throw-away module: our own `main.go` importing the real command, then `go mod tidy`. */
export interface GoMainSpec extends GoBinarySpecBase {
  /** A folder holding the `main.go` to build (kept as real files in controller/local/go/). */
  mainGoDir: string;
  /** Writes go.mod for the module; gets a `go` runner for commands such as `go mod download`. */
  goMod(go: GoRunner): Promise<string>;
}

/**
 * A released module built as it is, for commands whose go.mod cannot be imported from another
 * module (a `replace` of a local folder): `prepare` fills the empty module folder (e.g. a writable
 * copy of the module from the proxy); its own go.mod and go.sum are used, not tidied.
 */
export interface GoModuleSpec extends GoBinarySpecBase {
  prepare(moduleDir: string, go: GoRunner): Promise<void>;
}

export type GoBinarySpec = GoMainSpec | GoModuleSpec;

export interface GoBuildOptions {
  /** Folder for the module sources, the build log and the lock; reused between builds. */
  workDir: string;
  /** Extra environment for go (e.g. an empty GOCACHE/GOMODCACHE for a cold-build measurement). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export type GoRunner = (args: string[]) => Promise<string>;

export interface GoBuildRecord {
  name: string;
  version: string;
  wallMs: number;
  cpuMs: number;
  finishedAt: string;
}

/**
 * Builds one Go binary from the module proxy: a throw-away module whose main.go imports the real
 * command, `go mod tidy`, `go build -trimpath`. Two processes (parallel test files, CI and a
 * developer) never build the same binary at once: a lock file holding the builder's pid makes the
 * second one wait and then take the first one's result. The timing of the build is recorded next to
 * the log so the bench can show it later.
 */
export async function buildGoBinary(spec: GoBinarySpec, options: GoBuildOptions): Promise<GoBuildRecord> {
  const moduleDir = join(options.workDir, `${spec.name}-${spec.version}`);
  mkdirSync(moduleDir, { recursive: true });
  mkdirSync(dirname(spec.output), { recursive: true });
  const lockPath = `${spec.output}.lock`;
  const release = await acquireLock(lockPath, spec, options.log);
  try {
    if (spec.isBuilt()) return lastGoBuildRecord(options.workDir, spec.name, spec.version) ?? unrecorded(spec);
    const logFile = join(options.workDir, `${spec.name}-${spec.version}.log`);
    writeFileSync(logFile, '');
    const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0', ...options.env };
    let wallMs = 0;
    let cpuMs = 0;
    const go: GoRunner = async (args) => {
      options.log?.(`go ${args.join(' ')}`);
      const result = await runCommand('go', args, { cwd: moduleDir, env, logFile });
      wallMs += result.wallMs;
      cpuMs += result.cpuMs;
      return result.stdout;
    };
    if ('prepare' in spec) {
      // A copy from an earlier, interrupted build may be half made: start from nothing.
      rmSync(moduleDir, { recursive: true, force: true });
      mkdirSync(moduleDir, { recursive: true });
      await spec.prepare(moduleDir, go);
    } else {
      writeFileSync(join(moduleDir, 'go.mod'), 'module clusterext.local/placeholder\n\ngo 1.24\n');
      copyFileSync(join(spec.mainGoDir, 'main.go'), join(moduleDir, 'main.go'));
      writeFileSync(join(moduleDir, 'go.mod'), await spec.goMod(go));
      await go(['mod', 'tidy']);
    }
    const partial = `${spec.output}.partial-${process.pid}`;
    await go(['build', '-trimpath', `-ldflags=${spec.ldflags.join(' ')}`, '-o', partial, '.']);
    renameSync(partial, spec.output);
    const record: GoBuildRecord = { name: spec.name, version: spec.version, wallMs, cpuMs, finishedAt: new Date().toISOString() };
    writeFileSync(join(options.workDir, `${spec.name}-${spec.version}.build.json`), `${JSON.stringify(record, null, 2)}\n`);
    return record;
  } finally {
    release();
  }
}

function unrecorded(spec: GoBinarySpec): GoBuildRecord {
  return { name: spec.name, version: spec.version, wallMs: Number.NaN, cpuMs: Number.NaN, finishedAt: '' };
}

/** The timing of the last build of `name@version` in `workDir`, if one was recorded. */
export function lastGoBuildRecord(workDir: string, name: string, version: string): GoBuildRecord | undefined {
  const path = join(workDir, `${name}-${version}.build.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as GoBuildRecord) : undefined;
}

async function acquireLock(lockPath: string, spec: GoBinarySpec, log?: (line: string) => void): Promise<() => void> {
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSync(lockPath, 'utf8') || '0');
    if (!holder || !isProcessAlive(holder)) {
      // The builder died without releasing the lock (killed CI run): its partial output is useless.
      rmSync(lockPath, { force: true });
      continue;
    }
    if (!announced) {
      log?.(`waiting for process ${holder}, which is building ${spec.name} ${spec.version}`);
      announced = true;
    }
    await sleep(2000);
  }
}


export function assertGoAvailable(): void {
  // Checked lazily by the first `go` call; this only gives a clearer message than ENOENT.
  const path = (process.env.PATH ?? '').split(':').find((dir) => dir && existsSync(join(dir, 'go')));
  if (!path) {
    throw new ClusterextError(
      'GoMissing',
      'Building kube-apiserver and etcd needs the Go toolchain ("go" on PATH); install Go 1.24 or newer, or set KUBEBUILDER_ASSETS to a folder holding both binaries.',
    );
  }
}

/** What `go mod download -json` reports about one module version. */
export interface GoModuleDownload {
  path: string;
  version: string;
  /** The extracted, read-only module folder in GOMODCACHE. */
  dir: string;
  zip: string;
  /** The go.sum hash of the module's files (`h1:…`), verified by go against the checksum database. */
  sum: string;
}

/**
 * Downloads one module version through the Go module proxy (or takes it from GOMODCACHE). Runs
 * outside any module, so nothing is added to a go.mod.
 */
export async function downloadGoModule(moduleAtVersion: string, options: { cwd: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void }): Promise<GoModuleDownload> {
  assertGoAvailable();
  mkdirSync(options.cwd, { recursive: true });
  options.log?.(`go mod download -json ${moduleAtVersion}`);
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GO111MODULE: 'on', ...options.env };
  const result = await runCommand('go', ['mod', 'download', '-json', moduleAtVersion], { cwd: options.cwd, env, allowFailure: true });
  const info = parseDownload(result.stdout);
  if (result.code !== 0 || !info?.Dir || !info.Zip || !info.Sum) {
    throw new ClusterextError('GoModuleDownloadFailed', `Downloading the Go module "${moduleAtVersion}" failed: ${info?.Error ?? (result.stderr.trim() || 'go reported no module folder')}.`, {
      module: moduleAtVersion,
    });
  }
  return { path: info.Path ?? '', version: info.Version ?? '', dir: info.Dir, zip: info.Zip, sum: info.Sum };
}

function parseDownload(stdout: string): { Path?: string; Version?: string; Dir?: string; Zip?: string; Sum?: string; Error?: string } | undefined {
  try {
    return JSON.parse(stdout) as ReturnType<typeof parseDownload>;
  } catch {
    return undefined;
  }
}
