import { describe, expect, it } from 'vitest';
import { connectedCluster, extension, extensionType, fleet } from '../../test/support/fleet-builder.js';
import { HOSTILE_KEY, HOSTILE_NAME, hostilePlan } from '../../test/support/hostile-plan.js';
import { chartKey, type ChartCatalog } from '../plan/chart-catalog.js';
import { classifyIndexVersions } from '../plan/classify-index-versions.js';
import { computePlan } from '../plan/compute-plan.js';
import { locatePlanSources } from '../plan/locate-plan-sources.js';
import { renderPlanGithub } from './render-plan-github.js';

const at = (file: string, line: number) => ({ file, line, column: 1, documentIndex: 0 });
const catalog: ChartCatalog = new Map([
  [chartKey({ repository: 'https://charts.example', name: 'monitor' }), classifyIndexVersions({ entries: { monitor: [{ version: '1.0.0' }, { version: '2.0.0' }] } }, 'monitor')],
]);
const pin = (version: string) => ({ autoUpgradeMinorVersion: false, version });
const types = [extensionType('monitor')];
const clusters = [{ ...connectedCluster('prod-1'), source: at('clusters.yaml', 1) }];
const base = fleet({
  extensionTypes: types,
  clusters,
  extensions: [
    { ...extension('prod-1', 'monitor', 'monitor', pin('1.0.0')), source: at('extensions/prod-1.yaml', 2) },
    { ...extension('prod-1', 'old', 'monitor', pin('1.0.0')), source: at('extensions/prod-1.yaml', 9) },
    { ...extension('prod-1', 'calm', 'monitor', pin('1.0.0')), source: at('extensions/prod-1.yaml', 16) },
  ],
});
const head = fleet({
  extensionTypes: types,
  clusters,
  extensions: [
    { ...extension('prod-1', 'monitor', 'monitor', pin('2.0.0')), source: at('extensions/prod-1.yaml', 2) },
    { ...extension('prod-1', 'calm', 'monitor', { ...pin('1.0.0'), configurationSettings: { level: 'debug' } }), source: at('extensions/prod-1.yaml', 9) },
    { ...extension('prod-1', 'fresh', 'monitor', pin('1.0.0')), source: at('extensions/prod-1.yaml', 16) },
  ],
});

describe('renderPlanGithub', () => {
  const plan = computePlan({ base, head, catalog });
  const lines = renderPlanGithub(plan, { sources: locatePlanSources(base, head), pathPrefix: 'fleet/' }).trimEnd().split('\n');

  it('annotates each change on the line of the manifest that causes it, warning for what needs a second look', () => {
    expect(lines).toContain('::notice file=fleet/extensions/prod-1.yaml,line=16,title=prod-1/fresh%3A install::1.0.0 in monitor-system. ' + plan.clusters[0]!.changes.find((c) => c.extension === 'fresh')!.reason);
    expect(lines.find((l) => l.includes('title=prod-1/monitor%3A major upgrade'))).toMatch(/^::warning file=fleet\/extensions\/prod-1\.yaml,line=2,title=prod-1\/monitor%3A major upgrade::1\.0\.0 → 2\.0\.0\. /);
    expect(lines.find((l) => l.includes('title=prod-1/calm%3A settings'))).toMatch(/^::notice file=fleet\/extensions\/prod-1\.yaml,line=9,title=prod-1\/calm%3A settings::1 key\. /);
  });

  it('points an uninstall at the file it was declared in, without a line of the head', () => {
    const old = lines.find((l) => l.includes('title=prod-1/old%3A uninstall'))!;
    expect(old).toMatch(/^::warning file=fleet\/extensions\/prod-1\.yaml,title=prod-1\/old%3A uninstall::1\.0\.0 from monitor-system\. .* It was declared in fleet\/extensions\/prod-1\.yaml\.$/);
  });

  it('ends with the summary line as a notice', () => {
    expect(lines.at(-1)).toBe('::notice title=clusterext plan::Plan: 1 to install, 1 to upgrade (1 major), 1 to uninstall, 1 to change settings.');
    const empty = renderPlanGithub(computePlan({ base: head, head }), { sources: locatePlanSources(head, head) });
    expect(empty).toMatch(/^::notice title=clusterext plan::No changes\. /);
  });

  it('keeps hostile names and keys inside their command: no line break, no second command, no escape sequence', () => {
    const text = renderPlanGithub(hostilePlan(), { sources: { releases: {}, policies: {}, clusters: {} } });
    const out = text.trimEnd().split('\n');
    expect(out).toHaveLength(2);
    for (const line of out) {
      expect(line).toMatch(/^::(notice|warning) title=[^:,]*::[^\r]*$/);
      expect(line).not.toContain('\u001b');
    }
    expect(text).toContain('web%0D%0A%3A%3Aerror file=x%3A%3Apwned');
    expect(text).not.toContain(HOSTILE_NAME);
    expect(text).not.toContain(HOSTILE_KEY);
  });
});
