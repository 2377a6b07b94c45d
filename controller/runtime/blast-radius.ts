import type { BlastRadiusWarning } from '../plan/blast-radius.js';

/** The annotation on an ExtensionRepository that lets one held revision through the guard. */
export const ALLOW_UNINSTALL_ANNOTATION = 'clusterext.io/allow-uninstall-revision';

export type BlastRadiusVerdict = { held: false } | { held: true; message: string };

/**
 * Holds a revision the blast-radius guard flags (`findBlastRadius`, the same rule `plan` warns
 * with) until a person allows that exact revision with ALLOW_UNINSTALL_ANNOTATION.
 */
export function holdForBlastRadius(input: { warnings: readonly BlastRadiusWarning[]; revision: string; allowedRevision: string | undefined }): BlastRadiusVerdict {
  if (input.warnings.length === 0) return { held: false };
  const allowed = input.allowedRevision;
  if (allowed !== undefined && allowed.length >= 7 && input.revision.startsWith(allowed)) return { held: false };
  const over = input.warnings.map((w) => w.message).join(' ');
  return {
    held: true,
    message:
      `Revision ${input.revision.slice(0, 12)} is held and nothing was uninstalled: ${over} If this is intended, run ` +
      `kubectl annotate extensionrepository <name> ${ALLOW_UNINSTALL_ANNOTATION}=${input.revision} --overwrite`,
  };
}
