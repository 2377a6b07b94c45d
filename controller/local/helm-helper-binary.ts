import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
 * The helm helper binary: `$CLUSTEREXT_HELM_HELPER` when set (the image ships it there), else the
 * cached build, built from the Go module proxy when missing and `build` is true (minutes when
 * cold; `npm run testbed:prepare` does it once). Undefined when it is missing and not to be built.
 */
export async function ensureHelmHelper(options: { build?: boolean; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<{ path: string; build?: GoBuildRecord } | undefined> {
  const env = options.env ?? process.env;
  if (env.CLUSTEREXT_HELM_HELPER) return { path: env.CLUSTEREXT_HELM_HELPER };
  const output = cachedHelmHelperPath(env);
  if (existsSync(output) && isExecutable(output)) return { path: output };
  if (!options.build) return undefined;
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
