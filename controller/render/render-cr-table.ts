import type { ExtensionSpec, ExtensionPolicySpec, ExtensionTypeSpec } from '../manifest/fleet.js';
import type { Condition } from '../status/condition.js';
import type { ExtensionStatus } from '../status/extension-status.js';
import type { ExtensionRepositoryStatus } from '../runtime/repository-status.js';
import type { ConnectedClusterStatus, ExtensionPolicyStatus, ExtensionTypeStatus } from '../runtime/resource-statuses.js';
import { formatTextTable, truncateCell, type TableCell } from './text-table.js';

/** The kinds `clusterext get` lists, as the hub stores them. */
export type CrTableKind = 'Extension' | 'ExtensionRepository' | 'ExtensionType' | 'ConnectedCluster' | 'ExtensionPolicy';

/** The parts of a custom resource the tables read; a CR as read from the hub fits it. */
export interface TableCr {
  kind: CrTableKind;
  metadata: { name: string; generation?: number; creationTimestamp?: string };
  spec: unknown;
  status?: unknown;
}

export interface RenderCrTableOptions {
  /** `-o wide`: revision, release and namespace (Extensions), more detail for the other kinds; full messages. */
  wide?: boolean;
  /** ANSI colours; the caller decides (stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
  /**
   * The time AGE is measured against (ms since the epoch). Without it there is no AGE column, so a
   * caller that reprints the table only when it changes (the demo) is not fooled by the clock.
   */
  now?: number;
  /**
   * ConnectedCluster → the replica that owns it on a sharded hub (`--shards auto`), from the
   * cluster claim Leases. When given and not empty, `wide` shows an OWNER column for clusters.
   */
  owners?: ReadonlyMap<string, string>;
}

/** Messages longer than this are cut in the normal table; `wide` shows them whole. */
const MESSAGE_WIDTH = 90;

/** Readiness as kstatus reads it: Ready is True and was computed for the current generation. */
export function isCrReady(cr: TableCr): boolean {
  const ready = readyOf(cr);
  return ready?.status === 'True' && (ready.observedGeneration ?? 0) >= (cr.metadata.generation ?? 1);
}

/**
 * The table `clusterext get` and `clusterext demo` print for one kind, like `kubectl get` and `flux
 * get`: one row per object, sorted by name, the Ready condition's status and message, then a
 * summary line. Pure; the caller says whether to colour and what time it is.
 */
export function renderCrTable(kind: CrTableKind, items: readonly TableCr[], options: RenderCrTableOptions = {}): string {
  const sorted = [...items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const columns = kind === 'ConnectedCluster' && options.owners !== undefined && options.owners.size > 0 ? withOwnerColumn(COLUMNS.ConnectedCluster, options.owners) : COLUMNS[kind];
  const header = [...columns.base.map((c) => c.title), ...(options.wide ? columns.wide.map((c) => c.title) : []), 'READY', ...(options.now !== undefined ? ['AGE'] : []), 'MESSAGE'];
  const rows = sorted.map((cr) => {
    const base = columns.base.map((c) => cellOf(c.value(cr)));
    const wide = options.wide ? columns.wide.map((c) => cellOf(c.value(cr))) : [];
    return [...base, ...wide, readyCell(cr), ...(options.now !== undefined ? [{ text: age(cr.metadata.creationTimestamp, options.now) }] : []), { text: messageOf(cr, options.wide === true) }];
  });
  return `${formatTextTable(header, rows, { color: options.color === true })}\n\n${crTableSummary(kind, items)}`;
}

/**
 * `13 Extensions: 11 Ready, 2 not Ready (1 Failed, 1 Pending).` — for Extensions the ones that are
 * not Ready are counted by provisioning state, so the line says at a glance what is wrong.
 */
export function crTableSummary(kind: CrTableKind, items: readonly TableCr[]): string {
  const ready = items.filter(isCrReady).length;
  const notReady = items.length - ready;
  const noun = `${items.length} ${plural(kind, items.length)}`;
  if (items.length === 0) return `No ${plural(kind, 2)}.`;
  if (notReady === 0) return `${noun}: all Ready.`;
  let detail = '';
  if (kind === 'Extension') {
    const byState = new Map<string, number>();
    for (const cr of items.filter((i) => !isCrReady(i))) {
      const state = extensionStatus(cr)?.provisioningState ?? 'Pending';
      byState.set(state, (byState.get(state) ?? 0) + 1);
    }
    detail = ` (${[...byState].sort(([a], [b]) => a.localeCompare(b)).map(([state, n]) => `${n} ${state}`).join(', ')})`;
  }
  return `${noun}: ${ready} Ready, ${notReady} not Ready${detail}.`;
}

export function plural(kind: CrTableKind, n: number): string {
  if (n === 1) return kind;
  return kind === 'ExtensionRepository' ? 'ExtensionRepositories' : kind === 'ExtensionPolicy' ? 'ExtensionPolicies' : `${kind}s`;
}

/** Sharded hub: who reconciles each cluster; a cluster nobody holds now shows "-". */
function withOwnerColumn(columns: { base: Column[]; wide: Column[] }, owners: ReadonlyMap<string, string>): { base: Column[]; wide: Column[] } {
  return { base: columns.base, wide: [...columns.wide, { title: 'OWNER', value: (cr) => owners.get(cr.metadata.name) || undefined }] };
}

interface Column {
  title: string;
  value(cr: TableCr): TableCell | string | undefined;
}

const COLUMNS: Record<CrTableKind, { base: Column[]; wide: Column[] }> = {
  Extension: {
    base: [
      { title: 'NAME', value: (cr) => cr.metadata.name },
      { title: 'CLUSTER', value: (cr) => (cr.spec as ExtensionSpec).clusterName },
      { title: 'TYPE', value: (cr) => (cr.spec as ExtensionSpec).extensionType },
      { title: 'VERSION', value: (cr) => extensionStatus(cr)?.installedVersion ?? extensionStatus(cr)?.desiredVersion },
      { title: 'STATE', value: (cr) => stateCell(extensionStatus(cr)?.provisioningState ?? 'Pending') },
    ],
    wide: [
      { title: 'REVISION', value: (cr) => shortRevision(extensionStatus(cr)?.lastAppliedRevision) },
      { title: 'RELEASE', value: (cr) => releaseOf(extensionStatus(cr)) },
      { title: 'NAMESPACE', value: (cr) => extensionStatus(cr)?.release?.namespace ?? (cr.spec as ExtensionSpec).targetNamespace ?? (cr.spec as ExtensionSpec).releaseNamespace },
    ],
  },
  ExtensionRepository: {
    base: [
      { title: 'NAME', value: (cr) => cr.metadata.name },
      { title: 'REVISION', value: (cr) => shortRevision((cr.status as ExtensionRepositoryStatus | undefined)?.lastAppliedRevision) },
    ],
    wide: [
      { title: 'FETCHED', value: (cr) => shortRevision((cr.status as ExtensionRepositoryStatus | undefined)?.lastFetchedRevision) },
      { title: 'URL', value: (cr) => (cr.spec as { url?: string }).url },
      { title: 'BRANCH', value: (cr) => (cr.spec as { branch?: string }).branch },
    ],
  },
  ExtensionType: {
    base: [
      { title: 'NAME', value: (cr) => cr.metadata.name },
      { title: 'TRAINS', value: (cr) => trainsOf(cr.status as ExtensionTypeStatus | undefined) },
    ],
    wide: [
      { title: 'CHART', value: (cr) => chartOf(cr.spec as ExtensionTypeSpec) },
      { title: 'IGNORED', value: (cr) => String((cr.status as ExtensionTypeStatus | undefined)?.ignoredVersions?.length ?? 0) },
    ],
  },
  ConnectedCluster: {
    base: [
      { title: 'NAME', value: (cr) => cr.metadata.name },
      { title: 'VERSION', value: (cr) => (cr.status as ConnectedClusterStatus | undefined)?.kubernetesVersion },
    ],
    wide: [
      { title: 'ARCH', value: (cr) => (cr.status as ConnectedClusterStatus | undefined)?.architectures?.join(',') },
      { title: 'LAST-CONTACT', value: (cr) => (cr.status as ConnectedClusterStatus | undefined)?.lastContactTime },
    ],
  },
  ExtensionPolicy: {
    base: [
      { title: 'NAME', value: (cr) => cr.metadata.name },
      { title: 'TYPE', value: (cr) => (cr.spec as ExtensionPolicySpec).extension?.extensionType },
      { title: 'EFFECT', value: (cr) => (cr.spec as ExtensionPolicySpec).effect },
      { title: 'COMPLIANT', value: (cr) => complianceOf(cr.status as ExtensionPolicyStatus | undefined) },
    ],
    wide: [{ title: 'NON-COMPLIANT', value: (cr) => (cr.status as ExtensionPolicyStatus | undefined)?.nonCompliantClusters?.map((c) => c.name).join(',') || undefined }],
  },
};

function cellOf(value: TableCell | string | undefined): TableCell {
  if (value === undefined || (typeof value === 'string' && value === '')) return { text: '-' };
  return typeof value === 'string' ? { text: value } : value;
}

function extensionStatus(cr: TableCr): ExtensionStatus | undefined {
  return cr.kind === 'Extension' ? (cr.status as ExtensionStatus | undefined) : undefined;
}

function readyOf(cr: TableCr): Condition | undefined {
  return (cr.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === 'Ready');
}

function readyCell(cr: TableCr): TableCell {
  const ready = readyOf(cr);
  if (!ready) return { text: 'Unknown', tone: 'waiting' };
  // A Ready computed for an older generation says nothing about the current spec.
  if (!isCrReady(cr) && ready.status === 'True') return { text: 'Unknown', tone: 'waiting' };
  return { text: ready.status, tone: ready.status === 'True' ? 'good' : ready.status === 'False' ? 'bad' : 'waiting' };
}

function stateCell(state: string): TableCell {
  return { text: state, tone: state === 'Succeeded' ? 'good' : state === 'Failed' ? 'bad' : 'waiting' };
}

function messageOf(cr: TableCr, whole: boolean): string {
  const ready = readyOf(cr);
  if (!ready) return cr.status === undefined ? 'Not reconciled yet.' : '-';
  const text = ready.status === 'True' ? ready.message : `${ready.reason}: ${ready.message}`;
  return (whole ? text.replace(/\s*\n\s*/g, ' ') : truncateCell(text, MESSAGE_WIDTH)) || '-';
}

function shortRevision(revision: string | undefined): string | undefined {
  return revision?.slice(0, 12);
}

function releaseOf(status: ExtensionStatus | undefined): string | undefined {
  const release = status?.release;
  return release ? `${release.name}.v${release.revision} (${release.status})` : undefined;
}

/** The newest version of each train (the status lists them newest first). */
function trainsOf(status: ExtensionTypeStatus | undefined): string | undefined {
  if (!status?.trains) return undefined;
  const parts = Object.entries(status.trains)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([train, { versions }]) => `${train} ${versions[0] ?? '(none)'}`);
  return parts.join(', ');
}

function chartOf(spec: ExtensionTypeSpec): string | undefined {
  return spec.chart ? `${spec.chart.repository.replace(/\/$/, '')}/${spec.chart.name}` : undefined;
}

function complianceOf(status: ExtensionPolicyStatus | undefined): string | undefined {
  if (!status) return undefined;
  const compliant = status.compliantClusters?.length ?? 0;
  return `${compliant}/${compliant + (status.nonCompliantClusters?.length ?? 0)}`;
}

/** kubectl's short ages: 42s, 5m, 3h, 12d. */
function age(created: string | undefined, now: number): string {
  const at = created ? Date.parse(created) : NaN;
  if (Number.isNaN(at)) return '-';
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 2 * 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
