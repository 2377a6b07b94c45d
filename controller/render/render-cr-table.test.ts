import { describe, expect, it } from 'vitest';
import type { Condition } from '../status/condition.js';
import { crTableSummary, isCrReady, renderCrTable, type TableCr } from './render-cr-table.js';

const NOW = Date.parse('2026-01-02T00:10:00Z');

function ready(status: Condition['status'], reason: Condition['reason'], message: string, observedGeneration = 1): Condition {
  return { type: 'Ready', status, reason, message, observedGeneration, lastTransitionTime: '2026-01-02T00:00:00Z' };
}

function extension(name: string, state: string, condition: Condition | undefined, extra: Record<string, unknown> = {}): TableCr {
  const [cluster, release] = name.split('.');
  return {
    kind: 'Extension',
    metadata: { name, generation: 1, creationTimestamp: '2026-01-02T00:05:00Z' },
    spec: { clusterName: cluster, extensionType: 'monitoring', releaseNamespace: 'monitoring' },
    status: {
      provisioningState: state,
      installedVersion: '1.2.0',
      lastAppliedRevision: '0123456789abcdef0123',
      release: { name: release, namespace: 'monitoring', revision: 3, status: 'deployed' },
      observedGeneration: 1,
      conditions: condition ? [condition] : [],
      ...extra,
    },
  };
}

const fleet = [
  extension('prod.monitoring', 'Failed', ready('False', 'InstallFailed', 'Helm install of "monitoring" failed: timed out.')),
  extension('dev.monitoring', 'Succeeded', ready('True', 'InstallSucceeded', 'Release "monitoring" is deployed.')),
  { kind: 'Extension', metadata: { name: 'edge.monitoring', generation: 1 }, spec: { clusterName: 'edge', extensionType: 'monitoring' } } satisfies TableCr,
];

function rows(text: string): string[][] {
  return text
    .split('\n\n')[0]!
    .split('\n')
    .map((line) => line.split(/ {3,}/));
}

describe('renderCrTable', () => {
  it('lists Extensions by name with cluster, type, version, state, Ready, age and message, then a summary', () => {
    const out = renderCrTable('Extension', fleet, { now: NOW });
    const table = rows(out);
    expect(table[0]).toEqual(['NAME', 'CLUSTER', 'TYPE', 'VERSION', 'STATE', 'READY', 'AGE', 'MESSAGE']);
    expect(table.slice(1).map((r) => r[0])).toEqual(['dev.monitoring', 'edge.monitoring', 'prod.monitoring']);
    expect(table[1]).toEqual(['dev.monitoring', 'dev', 'monitoring', '1.2.0', 'Succeeded', 'True', '5m', 'Release "monitoring" is deployed.']);
    expect(table[2]).toEqual(['edge.monitoring', 'edge', 'monitoring', '-', 'Pending', 'Unknown', '-', 'Not reconciled yet.']);
    expect(table[3]!.slice(4, 6)).toEqual(['Failed', 'False']);
    expect(table[3]![7]).toBe('InstallFailed: Helm install of "monitoring" failed: timed out.');
    expect(out.split('\n').pop()).toBe('3 Extensions: 1 Ready, 2 not Ready (1 Failed, 1 Pending).');
  });

  it('adds revision, release and namespace with wide, and leaves AGE out without a clock', () => {
    const table = rows(renderCrTable('Extension', [fleet[1]!], { wide: true }));
    expect(table[0]).toEqual(['NAME', 'CLUSTER', 'TYPE', 'VERSION', 'STATE', 'REVISION', 'RELEASE', 'NAMESPACE', 'READY', 'MESSAGE']);
    expect(table[1]!.slice(5, 8)).toEqual(['0123456789ab', 'monitoring.v3 (deployed)', 'monitoring']);
  });

  it('colours only when asked, without shifting the columns', () => {
    const plain = renderCrTable('Extension', fleet, { now: NOW });
    const coloured = renderCrTable('Extension', fleet, { now: NOW, color: true });
    expect(plain).not.toContain('\u001b[');
    expect(coloured).toContain('\u001b[31mFalse');
    const stripped = ['\u001b[32m', '\u001b[31m', '\u001b[33m', '\u001b[2m', '\u001b[0m'].reduce((text, code) => text.split(code).join(''), coloured);
    expect(stripped).toBe(plain);
  });

  it('cuts long messages in the normal table and shows them whole in wide', () => {
    const long = extension('dev.logs', 'Failed', ready('False', 'UpgradeFailed', `${'x'.repeat(200)} end.`));
    expect(renderCrTable('Extension', [long])).toContain('…');
    expect(renderCrTable('Extension', [long], { wide: true })).toContain(`${'x'.repeat(200)} end.`);
  });

  it('does not count a Ready computed for an older generation as Ready', () => {
    const stale = { ...fleet[1]!, metadata: { ...fleet[1]!.metadata, generation: 2 } };
    expect(isCrReady(fleet[1]!)).toBe(true);
    expect(isCrReady(stale)).toBe(false);
    expect(rows(renderCrTable('Extension', [stale]))[1]![5]).toBe('Unknown');
  });

  it('renders repositories, types, clusters and policies with their own columns', () => {
    const repo: TableCr = {
      kind: 'ExtensionRepository',
      metadata: { name: 'fleet', generation: 1 },
      spec: { url: 'http://git/fleet.git', branch: 'main' },
      status: { lastAppliedRevision: 'aaaaaaaaaaaaaaaa', lastFetchedRevision: 'bbbbbbbbbbbbbbbb', observedGeneration: 1, conditions: [ready('False', 'ValidationFailed', 'Revision bbbb is invalid.')] },
    };
    expect(rows(renderCrTable('ExtensionRepository', [repo], { wide: true }))[1]).toEqual(['fleet', 'aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'http://git/fleet.git', 'main', 'False', 'ValidationFailed: Revision bbbb is invalid.']);
    const type: TableCr = {
      kind: 'ExtensionType',
      metadata: { name: 'monitoring', generation: 1 },
      spec: { chart: { repository: 'http://charts/', name: 'mon' } },
      status: { trains: { stable: { versions: ['0.2.0', '0.1.0'] }, preview: { versions: [] } }, ignoredVersions: [], observedGeneration: 1, conditions: [ready('True', 'VersionsListed', 'Listed.')] },
    };
    expect(rows(renderCrTable('ExtensionType', [type]))[1]).toEqual(['monitoring', 'preview (none), stable 0.2.0', 'True', 'Listed.']);
    const cluster: TableCr = { kind: 'ConnectedCluster', metadata: { name: 'dev', generation: 1 }, spec: {}, status: { reachable: true, kubernetesVersion: '1.31.0', observedGeneration: 1, conditions: [ready('True', 'ClusterReachable', 'Answers.')] } };
    expect(rows(renderCrTable('ConnectedCluster', [cluster]))[1]).toEqual(['dev', '1.31.0', 'True', 'Answers.']);
    // A sharded hub: wide adds who reconciles each cluster; without claim Leases nothing changes.
    const other: TableCr = { ...cluster, metadata: { name: 'prod', generation: 1 } };
    const owners = new Map([['dev', 'hub-7f9c-2']]);
    const wide = rows(renderCrTable('ConnectedCluster', [cluster, other], { wide: true, owners }));
    expect(wide[0]).toContain('OWNER');
    expect(wide[1]![wide[0]!.indexOf('OWNER')]).toBe('hub-7f9c-2');
    expect(wide[2]![wide[0]!.indexOf('OWNER')]).toBe('-');
    expect(rows(renderCrTable('ConnectedCluster', [cluster], { wide: true, owners: new Map() }))[0]).not.toContain('OWNER');
    const policy: TableCr = {
      kind: 'ExtensionPolicy',
      metadata: { name: 'mon-everywhere', generation: 1 },
      spec: { effect: 'Audit', extension: { extensionType: 'monitoring' } },
      status: { compliantClusters: [{ name: 'dev', reason: '' }], nonCompliantClusters: [{ name: 'prod', reason: '' }], observedGeneration: 1, conditions: [ready('True', 'AuditOnly', 'Audit.')] },
    };
    expect(rows(renderCrTable('ExtensionPolicy', [policy], { wide: true }))[1]).toEqual(['mon-everywhere', 'monitoring', 'Audit', '1/2', 'prod', 'True', 'Audit.']);
  });

  it('says so when there is nothing, and when everything is Ready', () => {
    expect(crTableSummary('ExtensionPolicy', [])).toBe('No ExtensionPolicies.');
    expect(crTableSummary('Extension', [fleet[1]!])).toBe('1 Extension: all Ready.');
  });
});

describe('renderCrTable with hostile names and messages', () => {
  it('keeps every row one line and lets no row start a workflow command', () => {
    const hostile = extension('::error::x.mon\u001b[2J', 'Failed', ready('False', 'InstallFailed', 'bad\r\n::stop-commands::t'));
    const text = renderCrTable('Extension', [hostile], { now: NOW });
    // The header, one row, and the summary after a blank line.
    expect(text.split('\n')).toHaveLength(4);
    expect(text.split('\n').filter((line) => line.includes('InstallFailed'))).toHaveLength(1);
    expect(text).not.toMatch(/[\r\u001b]/); // eslint-disable-line no-control-regex
    for (const line of text.split('\n')) expect(line.trimStart()).not.toMatch(/^::/);
    expect(text).toContain('\\u{1b}[2J');
  });
});
