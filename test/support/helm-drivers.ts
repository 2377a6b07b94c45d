import { readdirSync, readFileSync } from 'node:fs';
import { HelmCli } from '../../controller/helm/helm-cli.js';
import { HelmHelper } from '../../controller/helm/helm-helper.js';
import { createNodeExec } from '../../controller/helm/node-exec.js';
import { ensureHelmHelper, findHelmHelper } from '../../controller/local/helm-helper-binary.js';
import type { LocalFleet } from '../../controller/local/local-fleet.js';
import { toolPath } from '../../controller/local/tool-path.js';
import type { HelmPort } from '../../controller/reconcile/release-ports.js';
import { helmEnv, isCi } from './test-fleet.js';

/** The two ways the controller runs helm (`controller --helm-driver`): reconcile-level tests run on both. */
export const HELM_DRIVERS = ['cli', 'helper'] as const;
export type HelmDriver = (typeof HELM_DRIVERS)[number];

/**
 * The driver controller-level tests run on unless they name one: the controller's own default
 * (`clusterext controller` without --helm-driver), so they test what production runs.
 */
export const DEFAULT_TEST_HELM_DRIVER: HelmDriver = 'helper';

const MISSING_HELPER = 'The helm helper (clusterext-helm-helper) is not built for this controller/helm/helper/main.go; run "npm run testbed:prepare" first.';

/** The built helper, or an error saying how to build it: a test on the helper never skips. */
export function requireHelmHelper(): string {
  const path = findHelmHelper();
  if (!path) throw new Error(MISSING_HELPER);
  return path;
}

/** The helper binary, built first when it is missing outside CI (under CI=true a missing one fails). */
export async function ensureTestHelmHelper(): Promise<string> {
  const built = await ensureHelmHelper({ build: !isCi() });
  if (!built) throw new Error(MISSING_HELPER);
  return built.path;
}

/**
 * Live helm helper processes of a test bed: their environment names the fleet's folder (helm's
 * caches are kept there), with the pid of their parent (1 or a subreaper once orphaned).
 */
export function helmHelpersOf(fleetDir: string): { pid: number; ppid: number }[] {
  const found: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('clusterext-helm-helper')) continue;
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').includes(fleetDir)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state[0] === 'Z') continue; // exited, not yet reaped
      found.push({ pid: Number(entry), ppid: Number(state[1]) });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

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
    const helper = new HelmHelper({ helperPath: await ensureTestHelmHelper(), env });
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
