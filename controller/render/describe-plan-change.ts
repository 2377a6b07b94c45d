import type { VersionResolution } from '../plan/desired-release.js';
import type { ComplianceChange, ComplianceSide, ReleaseChange, ReleaseChangeAction, ReleaseSide } from '../plan/plan.js';

/** How a kind of change reads: Terraform-like symbol, a label, and whether it needs attention. */
export interface ChangeStyle {
  symbol: '+' | '-' | '~' | '!' | '-/+';
  label: string;
  /** Tone for colour and emphasis. */
  tone: 'add' | 'remove' | 'change' | 'attention';
}

const STYLES: Record<ReleaseChangeAction, ChangeStyle> = {
  install: { symbol: '+', label: 'install', tone: 'add' },
  uninstall: { symbol: '-', label: 'uninstall', tone: 'remove' },
  leave: { symbol: '!', label: 'left in place', tone: 'attention' },
  upgrade: { symbol: '~', label: 'upgrade', tone: 'change' },
  'major-upgrade': { symbol: '!', label: 'major upgrade', tone: 'attention' },
  downgrade: { symbol: '!', label: 'downgrade', tone: 'attention' },
  'version-changed': { symbol: '~', label: 'version', tone: 'change' },
  'chart-changed': { symbol: '~', label: 'chart', tone: 'change' },
  'namespace-moved': { symbol: '-/+', label: 'namespace moved', tone: 'attention' },
  'settings-changed': { symbol: '~', label: 'settings', tone: 'change' },
  'protected-settings-changed': { symbol: '~', label: 'protected settings', tone: 'change' },
  'drift-detection-changed': { symbol: '~', label: 'drift detection', tone: 'change' },
  'drift-ignore-changed': { symbol: '~', label: 'drift ignore rules', tone: 'change' },
};

export function changeStyle(change: ReleaseChange): ChangeStyle {
  const style = STYLES[change.action];
  // A replaced release (type change) or an unresolvable version needs a second look whatever the action.
  return change.flags.length > 0 && style.tone !== 'attention' ? { ...style, tone: 'attention' } : style;
}

/** The flags the action's own label does not already say (a major upgrade is not also "major-upgrade"). */
export function extraFlags(change: ReleaseChange): string[] {
  return change.flags.filter((flag) => flag !== change.action && !(flag === 'reinstall' && change.action === 'namespace-moved'));
}

/** The short "what" after the extension name: versions, namespaces, Secret names. Never setting values. */
export function changeDetail(change: ReleaseChange): string {
  const { from, to } = change;
  switch (change.action) {
    case 'install':
      return `${sideVersion(to!)} in ${to!.namespace}`;
    case 'uninstall':
      return `${sideVersion(from!)} from ${from!.namespace}`;
    case 'leave':
      return `${sideVersion(from!)} in ${from!.namespace}, untouched (the cluster leaves the fleet)`;
    case 'upgrade':
    case 'major-upgrade':
    case 'downgrade':
    case 'version-changed':
      return `${sideVersion(from!)} → ${sideVersion(to!)}`;
    case 'chart-changed':
      return `${from!.chart.repository} ${from!.chart.name} → ${to!.chart.repository} ${to!.chart.name}`;
    case 'namespace-moved':
      return `${from!.namespace} → ${to!.namespace} (reinstall)`;
    case 'settings-changed': {
      const n = change.settings?.length ?? 0;
      return `${n} key${n === 1 ? '' : 's'}`;
    }
    case 'protected-settings-changed':
      return `${secret(from!.protectedSettingsSecret)} → ${secret(to!.protectedSettingsSecret)}`;
    case 'drift-detection-changed':
      return `${from!.driftDetection} → ${to!.driftDetection}`;
    case 'drift-ignore-changed':
      return `${from!.driftIgnore?.length ?? 0} → ${to!.driftIgnore?.length ?? 0} rules`;
  }
}

/**
 * The version of one side, saying when it is one only its type's `versionPrefix: v` lets in:
 * `v1.15.1 (versionPrefix v)`.
 */
function sideVersion(side: ReleaseSide): string {
  const shown = formatVersion(side.version);
  return side.chart.versionPrefix !== undefined && side.version.kind !== 'unresolved' && side.version.version.startsWith(side.chart.versionPrefix) ? `${shown} (versionPrefix ${side.chart.versionPrefix})` : shown;
}

/** `1.2.0`, or for an unresolved version the train and constraint: `stable 1.x (unresolved)`. */
export function formatVersion(version: VersionResolution): string {
  if (version.kind !== 'unresolved') return version.version;
  if (version.pinned !== undefined) return `${version.pinned} (not in the chart index)`;
  return `${version.train} ${version.constraint === '*' ? 'newest' : version.constraint} (unresolved)`;
}

export function formatComplianceSide(side: ComplianceSide | undefined): string {
  if (side === undefined) return 'not selected';
  return `${side.compliant ? 'compliant' : 'non-compliant'} (${side.reason})`;
}

export function complianceDetail(change: ComplianceChange): string {
  return `${formatComplianceSide(change.from)} → ${formatComplianceSide(change.to)}`;
}

/** A setting value as it appears in a diff: JSON, so `"80"` and `80` differ visibly. */
export function formatSettingValue(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function secret(name: string | undefined): string {
  return name === undefined ? '(none)' : `Secret ${name}`;
}
