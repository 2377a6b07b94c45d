/** The annotation on an ExtensionRepository that lets one held revision through the guard. */
export const ALLOW_UNINSTALL_ANNOTATION = 'clusterext.io/allow-uninstall-revision';

export interface BlastRadiusInput {
  /** Releases the revision would uninstall at once. */
  uninstalls: number;
  /** Releases clusterext manages from this repository now. */
  managed: number;
  /** The largest share (0..1) that may be uninstalled at once. */
  maxShare: number;
  revision: string;
  /** The value of ALLOW_UNINSTALL_ANNOTATION on the repository, if any. */
  allowedRevision: string | undefined;
}

export type BlastRadiusVerdict = { held: false } | { held: true; message: string };

/**
 * The blast-radius guard (DESIGN.md §3): a revision that would uninstall more than `maxShare` of
 * the managed releases at once is held until a person allows that exact revision. One uninstall
 * alone is never held, so a fleet of one or two releases can still remove one.
 */
export function checkBlastRadius(input: BlastRadiusInput): BlastRadiusVerdict {
  if (input.uninstalls <= 1 || input.managed === 0) return { held: false };
  if (input.uninstalls / input.managed <= input.maxShare) return { held: false };
  if (input.allowedRevision !== undefined && input.revision.startsWith(input.allowedRevision) && input.allowedRevision.length >= 7) return { held: false };
  const share = Math.round((input.uninstalls / input.managed) * 100);
  return {
    held: true,
    message:
      `Revision ${input.revision.slice(0, 12)} would uninstall ${input.uninstalls} of ${input.managed} releases (${share}%), more than the ` +
      `${Math.round(input.maxShare * 100)}% allowed at once; it is held and nothing was uninstalled. If this is intended, run ` +
      `kubectl annotate extensionrepository <name> ${ALLOW_UNINSTALL_ANNOTATION}=${input.revision} --overwrite`,
  };
}
