import { ClusterextError } from '../errors/clusterext-error.js';

/** How the controller runs helm (`--helm-driver`): the long-lived Helm 4 SDK helper, or one helm process per operation. */
export type HelmDriver = 'helper' | 'cli';

/** The controller's driver when none is asked for (`clusterext controller`, `demo`, `npm start`). */
export const DEFAULT_HELM_DRIVER: HelmDriver = 'helper';

export type HelmDriverChoice =
  | { driver: 'helper'; helmHelperPath: string }
  /** `fallback`: the helper was the default but is not there; one warn line says so, and how to get it. */
  | { driver: 'cli'; fallback?: string };

/**
 * The helm driver to run with. `requested` is the --helm-driver value (or $CLUSTEREXT_HELM_DRIVER);
 * `explicit` whether the user gave it, rather than it being the default. The helper asked for and
 * missing is an error; the helper as the default and missing falls back to the CLI driver, so a
 * controller without the binary keeps working, and says why and how to get the helper.
 * `helper` is where locateHelmHelper found the binary, or why it did not.
 */
export function chooseHelmDriver(input: { requested: string; explicit: boolean; helper: { path: string } | { missing: string } }): HelmDriverChoice {
  const { requested, explicit, helper } = input;
  if (requested === 'cli') return { driver: 'cli' };
  if (requested !== 'helper') throw new ClusterextError('InvalidOption', `--helm-driver must be "helper" or "cli", not "${requested}".`, { option: '--helm-driver' });
  if ('path' in helper) return { driver: 'helper', helmHelperPath: helper.path };
  if (explicit) {
    throw new ClusterextError(
      'HelmHelperMissing',
      `--helm-driver helper needs the clusterext-helm-helper binary, but ${helper.missing}; build it with "npm run testbed:prepare" (or "clusterext local prepare"), set CLUSTEREXT_HELM_HELPER to a built one, or use --helm-driver cli.`,
      { option: '--helm-driver' },
    );
  }
  return {
    driver: 'cli',
    fallback: `The helm helper, the default helm driver, is not available because ${helper.missing}, so helm operations run one helm process each (--helm-driver cli) at many times the CPU per install; build the helper with "npm run testbed:prepare" (or "clusterext local prepare"), set CLUSTEREXT_HELM_HELPER to a built one (the image ships it), or pass --helm-driver cli to choose the CLI driver and silence this warning.`,
  };
}
