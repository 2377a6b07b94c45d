import { chmodSync, cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clusterextCacheDir, goBuildDir } from './control-plane-binaries.js';
import { assertGoAvailable, buildGoBinary, downloadGoModule, type GoBuildRecord } from './go-binary.js';
import { isExecutable } from './is-executable.js';

/**
 * The Flux controllers the bench compares clusterext with (`npm run bench flux`), pinned by Go
 * module version. helm-controller releases newer than v1.4.3 are not served by the module proxy
 * this machine reaches.
 */
export const FLUX_CONTROLLERS = [
  { name: 'source-controller', version: 'v1.7.3' },
  { name: 'helm-controller', version: 'v1.4.3' },
] as const;

export type FluxControllerName = (typeof FLUX_CONTROLLERS)[number]['name'];

export interface FluxController {
  name: FluxControllerName;
  version: string;
  binary: string;
  /** The module's config/crd/bases: the CRDs this controller serves. */
  crdDir: string;
}

export interface FluxControllers {
  controllers: Record<FluxControllerName, FluxController>;
  builds: GoBuildRecord[];
}

/**
 * Builds (or finds in the binary cache, keyed by version) source-controller and helm-controller
 * from the Go module proxy. Their go.mod has `replace github.com/fluxcd/<controller>/api => ./api`
 * and the module zip holds no `api` folder (it is a module of its own), so the build copies the
 * released module, puts the `api` module of the same version in as `./api`, and builds in the copy.
 */
export async function ensureFluxControllers(options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<FluxControllers> {
  const env = options.env ?? process.env;
  const workDir = goBuildDir(env);
  const builds: GoBuildRecord[] = [];
  const controllers = {} as Record<FluxControllerName, FluxController>;
  for (const { name, version } of FLUX_CONTROLLERS) {
    const binary = join(clusterextCacheDir(env), 'bin', `${name}-${version}`);
    if (!isExecutable(binary)) assertGoAvailable();
    const module = await downloadGoModule(`github.com/fluxcd/${name}@${version}`, { cwd: workDir, env: options.env, log: options.log });
    if (!isExecutable(binary)) {
      builds.push(
        await buildGoBinary(
          {
            name,
            version,
            ldflags: ['-s', '-w'],
            output: binary,
            isBuilt: () => isExecutable(binary),
            prepare: async (moduleDir) => {
              const api = await downloadGoModule(`github.com/fluxcd/${name}/api@${version}`, { cwd: workDir, env: options.env, log: options.log });
              copyWritable(module.dir, moduleDir);
              copyWritable(api.dir, join(moduleDir, 'api'));
            },
          },
          { workDir, env: options.env, log: options.log },
        ),
      );
    }
    controllers[name] = { name, version, binary, crdDir: join(module.dir, 'config', 'crd', 'bases') };
  }
  return { controllers, builds };
}

/** The module cache is read-only by design; the copy must take the `api` folder and go's edits to go.sum. */
function copyWritable(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  const walk = (path: string) => {
    const info = statSync(path);
    chmodSync(path, info.mode | 0o200);
    if (info.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(to);
}
