import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterextError } from '../errors/clusterext-error.js';
import { clusterextCacheDir, goBuildDir } from './control-plane-binaries.js';
import { assertGoAvailable, buildGoBinary, type GoBuildRecord } from './go-binary.js';
import { isExecutable } from './is-executable.js';
import { projectRoot } from './project-root.js';

/** The Helm SDK the helper is built with: the same Helm 4 release as the helm CLI in .tools/bin. */
export const HELM_SDK_VERSION = 'v4.1.4';

/** The helper's source, next to its adapter (controller/helm/helm-helper.ts). */
export function helmHelperSourceDir(): string {
  return join(projectRoot(), 'controller', 'helm', 'helper');
}

/**
 * Where the helper is cached: keyed by the SDK version and a digest of its main.go, so a changed
 * helper is rebuilt and never confused with an older one.
 */
export function cachedHelmHelperPath(env: NodeJS.ProcessEnv = process.env): string {
  const digest = createHash('sha256').update(readFileSync(join(helmHelperSourceDir(), 'main.go'))).digest('hex').slice(0, 12);
  return join(clusterextCacheDir(env), 'bin', `clusterext-helm-helper-${HELM_SDK_VERSION}-${digest}`);
}

/**
 * Where the helm helper binary is, without building it: `$CLUSTEREXT_HELM_HELPER` when set (the
 * image ships it there), else the cached build. When it is not there, `missing` says why in words
 * that fit after "because".
 */
export function locateHelmHelper(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  const named = env.CLUSTEREXT_HELM_HELPER;
  if (named) return isExecutable(named) ? { path: named } : { missing: `CLUSTEREXT_HELM_HELPER names "${named}", which is not an executable file` };
  const output = cachedHelmHelperPath(env);
  return existsSync(output) && isExecutable(output) ? { path: output } : { missing: `clusterext-helm-helper is not built for this version (no "${output}")` };
}

/** The helm helper binary when it is there (see locateHelmHelper); never builds. */
export function findHelmHelper(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const found = locateHelmHelper(env);
  return 'path' in found ? found.path : undefined;
}

/**
 * The helm helper binary: `$CLUSTEREXT_HELM_HELPER` when set (the image ships it there), else the
 * cached build, built from the Go module proxy when missing and `build` is true (minutes when
 * cold; `npm run testbed:prepare` does it once). Undefined when it is missing and not to be built.
 */
export async function ensureHelmHelper(options: { build?: boolean; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<{ path: string; build?: GoBuildRecord } | undefined> {
  const env = options.env ?? process.env;
  const found = findHelmHelper(env);
  if (found) return { path: found };
  if (!options.build) return undefined;
  if (env.CLUSTEREXT_HELM_HELPER) {
    throw new ClusterextError('HelmHelperMissing', `CLUSTEREXT_HELM_HELPER names "${env.CLUSTEREXT_HELM_HELPER}", which is not an executable file; point it at a built clusterext-helm-helper or unset it to build one into the cache.`, {});
  }
  const output = cachedHelmHelperPath(env);
  assertGoAvailable();
  const build = await buildGoBinary(
    {
      name: 'clusterext-helm-helper',
      version: `${HELM_SDK_VERSION}-${output.slice(output.lastIndexOf('-') + 1)}`,
      mainGoDir: helmHelperSourceDir(),
      goMod: async () => `module clusterext.local/helm-helper\n\ngo 1.25.0\n\nrequire helm.sh/helm/v4 ${HELM_SDK_VERSION}\n`,
      ldflags: ['-s', '-w'],
      output,
      isBuilt: () => existsSync(output) && isExecutable(output),
    },
    { workDir: goBuildDir(env), env: options.env, log: options.log },
  );
  return { path: output, build };
}
