import type { Plan } from '../plan/plan.js';

/**
 * The one-line summary every plan form ends with: `Plan: 1 to install, 2 to upgrade, 0 to
 * uninstall, 1 to change settings.` with rarer kinds appended only when present, or, for an empty
 * plan, `No changes.` in words.
 */
export function planSummaryLine(plan: Plan): string {
  const s = plan.summary;
  if (plan.clusters.length === 0) {
    return `No changes. The desired state of all ${s.releasesAfter} release${s.releasesAfter === 1 ? '' : 's'} matches the base revision.`;
  }
  const upgrades = s.upgrade + s.majorUpgrade;
  const parts = [
    `${s.install} to install`,
    `${upgrades} to upgrade${s.majorUpgrade > 0 ? ` (${s.majorUpgrade} major)` : ''}`,
    ...(s.downgrade > 0 ? [`${s.downgrade} to downgrade`] : []),
    `${s.uninstall} to uninstall`,
    ...(s.leftInPlace > 0 ? [`${s.leftInPlace} left in place (cluster leaves the fleet)`] : []),
    ...(s.reinstall > 0 ? [`${s.reinstall} to reinstall (namespace moved)`] : []),
    `${s.settingsChanged} to change settings`,
    ...(s.otherChanges > 0 ? [`${s.otherChanges} other change${s.otherChanges === 1 ? '' : 's'}`] : []),
    ...(s.complianceChanges > 0 ? [`${s.complianceChanges} compliance change${s.complianceChanges === 1 ? '' : 's'}`] : []),
  ];
  return `Plan: ${parts.join(', ')}.`;
}
