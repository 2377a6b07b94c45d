import { HelmCli } from '../../controller/helm/helm-cli.js';
import { HelmHelper } from '../../controller/helm/helm-helper.js';
import { createNodeExec } from '../../controller/helm/node-exec.js';
import { ensureHelmHelper } from '../../controller/local/helm-helper-binary.js';
import type { LocalFleet } from '../../controller/local/local-fleet.js';
import { toolPath } from '../../controller/local/tool-path.js';
import type { HelmPort } from '../../controller/reconcile/release-ports.js';
import { helmEnv, isCi } from './test-fleet.js';

/** The two ways the controller runs helm (`controller --helm-driver`): reconcile-level tests run on both. */
export const HELM_DRIVERS = ['cli', 'helper'] as const;
export type HelmDriver = (typeof HELM_DRIVERS)[number];

export interface TestHelm {
  helm: HelmPort;
  /** Helm operations started through `helm` so far, on either driver: "no helm operation" is the same claim on both. */
  readonly operations: number;
  close(): Promise<void>;
}

/**
 * The helm adapter for `driver`, wired as the controller wires it, with helm's caches inside the
 * fleet's folder, and a count of the operations the reconciler asked of it.
 */
export async function startTestHelm(driver: HelmDriver, fleet: Pick<LocalFleet, 'dir'>): Promise<TestHelm> {
  const env = Object.fromEntries(Object.entries(helmEnv(fleet)).filter((e): e is [string, string] => e[1] !== undefined));
  let inner: HelmPort;
  let close = async () => {};
  if (driver === 'cli') {
    inner = new HelmCli({ helmPath: toolPath('helm'), exec: createNodeExec().exec, env });
  } else {
    const built = await ensureHelmHelper({ build: !isCi() });
    if (!built) throw new Error('The helm helper is not built; run "npm run testbed:prepare" first.');
    const helper = new HelmHelper({ helperPath: built.path, env });
    inner = helper;
    close = () => helper.stop();
  }
  let operations = 0;
  const counted = <A>(run: (a: A) => Promise<void>) => (a: A) => {
    operations += 1;
    return run(a);
  };
  return {
    helm: { upgradeInstall: counted((r) => inner.upgradeInstall(r)), rollback: counted((r) => inner.rollback(r)), uninstall: counted((r) => inner.uninstall(r)) },
    get operations() {
      return operations;
    },
    close,
  };
}
