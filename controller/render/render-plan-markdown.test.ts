import { describe, expect, it } from 'vitest';
import { computePlan } from '../plan/compute-plan.js';
import { connectedCluster, extension, extensionType, fleet } from '../../test/support/fleet-builder.js';
import { samplePlan } from '../../test/support/sample-plan.js';
import { renderPlanMarkdown } from './render-plan-markdown.js';

describe('renderPlanMarkdown', () => {
  const text = renderPlanMarkdown(samplePlan());
  const lines = text.split('\n');

  it('starts with a heading, then the blast-radius warning, then the summary', () => {
    expect(lines[0]).toBe('## clusterext plan `main` → `feature`');
    const caution = lines.indexOf('> [!CAUTION]');
    expect(caution).toBeGreaterThan(0);
    expect(lines[caution + 1]).toContain('cluster "edge-1"');
    expect(caution).toBeLessThan(lines.findIndex((l) => l.startsWith('**Plan:')));
    expect(lines.findIndex((l) => l.startsWith('**Plan:'))).toBeLessThan(lines.indexOf('### Cluster `edge-1`'));
  });

  it('has a table per cluster with the flagged changes marked', () => {
    expect(lines).toContain('### Cluster `prod-1`');
    expect(lines).toContainEqual(expect.stringMatching(/^\| 🟢 \| install \| `mesh` \| 2\.0\.0 in mesh-system \| .+ \|$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\| ⚠️ \| major upgrade \| `engine` \| 1\.3\.0 → 2\.0\.0 \|/));
    expect(lines).toContainEqual(expect.stringMatching(/^\| 🔴 \| uninstall \| `old-agent` \|/));
    expect(lines).toContainEqual(expect.stringMatching(/^\| ❌ \| `require-monitor` \| compliant \(MatchesTemplate\) → non-compliant \(ExtensionMissing\) \|/));
  });

  it('puts settings diffs in collapsible details', () => {
    const open = lines.indexOf('<details><summary>Settings of <code>monitor</code>: 3 changes</summary>');
    expect(open).toBeGreaterThan(0);
    const close = lines.indexOf('</details>', open);
    expect(lines.slice(open, close)).toEqual(expect.arrayContaining(['| ~ | `log.level` | `"info"` | `"debug"` |', '| - | `replicas` | `2` |  |']));
  });

  it('keeps values from breaking the table', () => {
    const types = [extensionType('monitor')];
    const clusters = [connectedCluster('a')];
    const base = fleet({ extensionTypes: types, clusters, extensions: [extension('a', 'monitor', 'monitor')] });
    const head = fleet({ extensionTypes: types, clusters, extensions: [extension('a', 'monitor', 'monitor', { configurationSettings: { expr: 'a | b `c`' } })] });
    const md = renderPlanMarkdown(computePlan({ base, head }));
    expect(md).toContain('| + | `expr` |  | ``"a \\| b `c`"`` |');
  });

  it('counts what it leaves out beyond maxRows', () => {
    const truncated = renderPlanMarkdown(samplePlan(), { maxRows: 1 });
    expect(truncated).toContain('### Cluster `edge-1`');
    expect(truncated).not.toContain('### Cluster `prod-1`');
    expect(truncated).toContain('_8 more changes on 1 more cluster not shown');
  });

  it('says "No changes." for an empty plan', () => {
    const f = fleet({ extensionTypes: [extensionType('monitor')], clusters: [connectedCluster('a')], extensions: [extension('a', 'monitor', 'monitor')] });
    expect(renderPlanMarkdown(computePlan({ base: f, head: f }))).toContain('**No changes.');
  });
});

describe('renderPlanMarkdown with hostile names, keys and values', () => {
  it('keeps every table row one row and lets no HTML, link or mention through', async () => {
    const { hostilePlan } = await import('../../test/support/hostile-plan.js');
    const md = renderPlanMarkdown(hostilePlan());
    expect(md).not.toMatch(/\r/);
    expect(md).not.toMatch(/\u202e/);
    // Every table row has exactly its columns: no pipe got out of a cell.
    for (const row of md.split('\n').filter((l) => l.startsWith('|'))) {
      const cells = row.split(/(?<!\\)\|/).length - 2;
      expect([4, 5], row).toContain(cells);
    }
    // Inside code spans nothing is HTML, a link or a mention; outside them nothing may be.
    const outsideCode = md.replace(/(`+)[^`]*?\1/g, '');
    expect(md).toContain('<img');
    expect(outsideCode).not.toMatch(/<img/);
    expect(outsideCode).not.toMatch(/(^|[^\\])\[click\]/);
    expect(outsideCode).not.toMatch(/@security-team/);
  });
});
