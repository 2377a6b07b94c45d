import { describe, expect, it } from 'vitest';
import { cleanDriftReport, hostileDriftReport, sampleDriftReport } from '../../test/support/sample-drift-report.js';
import { renderDriftMarkdown } from './render-drift-markdown.js';

describe('renderDriftMarkdown', () => {
  const text = renderDriftMarkdown(sampleDriftReport());
  const lines = text.split('\n');

  it('starts with the source and the summary, then a clusters × extensions matrix', () => {
    expect(lines[0]).toBe('## clusterext drift: path `samples/fleet`');
    expect(lines[2]).toMatch(/^\*\*Drift: 6 of 8 releases differ from git/);
    expect(lines).toContain('| Cluster | `broken` | `gateway` | `legacy` | `monitoring` | `secrets` | `web` |');
    expect(lines).toContain('| `dev-eu` | - | - | - | ✅ in-sync | 🟡 drifted | 🟡 drifted |');
    expect(lines).toContain('| `prod-eu` | ⛔ error | 🚫 foreign | 👻 orphaned | 🕳️ missing | - | ❌ failed |');
    expect(lines).toContain('| `prod-us` | 🔌 unreachable | 🔌 unreachable | 🔌 unreachable | 🔌 unreachable | 🔌 unreachable | 🔌 unreachable |');
  });

  it('has a legend of the states shown and a warning naming unreachable clusters', () => {
    const legend = lines.find((l) => l.startsWith('🔌 **unreachable**'));
    expect(legend).toContain('✅ **in-sync**: The release and every live object are what git wants.');
    expect(text).toContain('> - `prod-us`: ConnectedCluster "prod-us" could not be reached');
  });

  it('puts the field diffs of each release that is not in sync in a collapsible section', () => {
    expect(text).toContain('<details><summary>🟡 <code>dev-eu/web</code> drifted: 2 objects changed (3 fields); 1 object missing</summary>');
    expect(lines).toContain('| Deployment "web/web" | `/spec/template/spec/containers/0/image` | `"ghcr.io/stefanprodan/podinfo:6.9.2"` | `"ghcr.io/stefanprodan/podinfo:6.9.1"` |');
    expect(lines).toContain('| Service "web/web" | _missing_ | | |');
    expect(text).toContain('| Secret "secrets/creds" | `/data/password` (masked) |');
    expect(text).not.toContain('<code>dev-eu/monitoring</code>');
  });

  it('counts what it leaves out past the limit', () => {
    const short = renderDriftMarkdown(sampleDriftReport(), { maxDetails: 2 });
    expect(short.match(/<details>/g)).toHaveLength(2);
    expect(short).toContain('_5 more releases not shown; run `clusterext drift -o json` or `-o html` for all of them._');
  });

  it('needs no details for a clean report', () => {
    const clean = renderDriftMarkdown(cleanDriftReport());
    expect(clean).toContain('**No drift: all 1 release on 1 cluster are as git wants them.**');
    expect(clean).not.toContain('<details>');
  });

  it('escapes hostile text: no raw HTML, no extra table cells, no line breaks inside a row', () => {
    const hostile = renderDriftMarkdown(hostileDriftReport());
    // Inside a code span markup is text; everywhere else it must be escaped.
    const outsideCode = hostile.replace(/`[^`]*`/g, '');
    expect(outsideCode).not.toMatch(/(?<!\\)<(script|img|link)/i);
    expect(hostile).toContain('\\<img src="http:\u200b//127.0.0.1:9/beacon"\\>');
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(hostile).not.toMatch(/[\r\u001b]/);
    const row = hostile.split('\n').find((l) => l.startsWith('| `web'))!;
    // The header has two columns: the hostile pipes must not add cells.
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(2);
  });
});
