import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hostileDriftReport, sampleDriftReport } from '../../test/support/sample-drift-report.js';
import { renderDriftHtml } from './render-drift-html.js';

function inlineBlocks(html: string, tag: 'style' | 'script'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
}

function cspOf(html: string): string {
  return /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
}

describe('renderDriftHtml', () => {
  const html = renderDriftHtml(sampleDriftReport());

  it('is one page whose policy allows its own style and script by hash and no network at all', () => {
    const csp = cspOf(html);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|https?:|\*/);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(inlineBlocks(html, 'style')).toHaveLength(1);
    expect(inlineBlocks(html, 'script')).toHaveLength(1);
    expect(csp).toContain(`style-src ${hash(inlineBlocks(html, 'style')[0]!)}`);
    expect(csp).toContain(`script-src ${hash(inlineBlocks(html, 'script')[0]!)}`);
    // Nothing that loads: no src, href, url(), @import, or a second script or stylesheet.
    expect(html).not.toMatch(/\s(src|href)=|url\(|@import|<link/i);
  });

  it('renders a cell per (cluster, extension) with its state, and an unreachable cluster across its row', () => {
    const states = (cluster: string) => {
      const row = new RegExp(`<tr data-cluster="${cluster}">(.*?)</tr>`).exec(html)?.[1] ?? '';
      return [...row.matchAll(/data-state="([a-z-]+)"/g)].map((m) => m[1]);
    };
    expect(states('dev-eu')).toEqual(['absent', 'absent', 'absent', 'in-sync', 'drifted', 'drifted']);
    expect(states('prod-eu')).toEqual(['error', 'foreign', 'orphaned', 'missing', 'absent', 'failed']);
    expect(states('prod-us')).toEqual(['unreachable']);
    expect(html).toContain('colspan="6"><span class="label">unreachable</span>');
  });

  it('has a legend with the count of cells per state, and a drill-down section per release with its field diffs', () => {
    expect(html).toMatch(/value="drifted" checked> <span class="swatch state-drifted">drifted<\/span> <span class="count">2<\/span>/);
    expect(html).toMatch(/value="unreachable" checked> <span class="swatch state-unreachable">unreachable<\/span> <span class="count">1<\/span>/);
    expect(html.match(/<article class="detail"/g)).toHaveLength(8);
    expect(html).toContain(
      '<td><code class="path">/spec/template/spec/containers/0/image</code></td><td><code class="desired">&#34;ghcr.io/stefanprodan/podinfo:6.9.2&#34;</code></td><td><code class="live">&#34;ghcr.io/stefanprodan/podinfo:6.9.1&#34;</code></td>',
    );
    expect(html).toContain('<td colspan="3">missing: deleted from the cluster</td>');
    expect(html).toContain('<code class="path">/data/password</code> <span class="masked">masked</span>');
  });

  it('is byte-identical on a rerun', () => {
    expect(renderDriftHtml(sampleDriftReport())).toBe(html);
  });

  it('escapes every text from manifests and clusters: a hostile name stays text', () => {
    const hostile = renderDriftHtml(hostileDriftReport('http://127.0.0.1:9/beacon'));
    expect(hostile.match(/<script/g)).toHaveLength(1);
    expect(hostile).not.toMatch(/<img|<link|\s(src|href)="/i);
    expect(hostile).toContain('web&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;\\r\\n::error::pwned\\u{1b}[2J|x|&#60;img src=&#34;http://127.0.0.1:9/beacon&#34;&#62;');
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(hostile).not.toMatch(/[\r\u001b]/);
  });
});
