import { describe, expect, it } from 'vitest';
import { cleanDriftReport, hostileDriftReport, MASK, sampleDriftReport } from '../../test/support/sample-drift-report.js';
import { renderDriftHuman } from './render-drift-human.js';

describe('renderDriftHuman', () => {
  const text = renderDriftHuman(sampleDriftReport());
  const lines = text.split('\n');

  it('has a kubectl-style table with one row per release and one per unreachable cluster', () => {
    const header = lines.findIndex((l) => l.startsWith('CLUSTER'));
    expect(lines[header]).toMatch(/^CLUSTER\s+EXTENSION\s+NAMESPACE\s+STATE\s+DETAIL$/);
    const rows = lines.slice(header + 1, lines.indexOf('', header)).map((l) => l.split(/\s{3,}/).slice(0, 4));
    expect(rows).toEqual([
      ['dev-eu', 'monitoring', 'monitoring', 'in-sync'],
      ['dev-eu', 'secrets', 'secrets', 'drifted'],
      ['dev-eu', 'web', 'web', 'drifted'],
      ['prod-eu', 'broken', 'broken', 'error'],
      ['prod-eu', 'gateway', 'gateway', 'foreign'],
      ['prod-eu', 'legacy', 'legacy', 'orphaned'],
      ['prod-eu', 'monitoring', 'monitoring', 'missing'],
      ['prod-eu', 'web', 'web', 'failed'],
      ['prod-us', '-', '-', 'unreachable'],
    ]);
    expect(lines.find((l) => l.startsWith('prod-us'))).toContain('connect ECONNREFUSED');
  });

  it('shows each field diff as a JSON Pointer with desired and live, and missing objects', () => {
    const web = text.slice(text.indexOf('dev-eu/web (release web'));
    expect(web).toContain('~ Deployment "web/web" (apps/v1)\n      /spec/template/spec/containers/0/image\n        desired: "ghcr.io/stefanprodan/podinfo:6.9.2"\n        live:    "ghcr.io/stefanprodan/podinfo:6.9.1"');
    expect(web).toContain('/spec/template/spec/containers/0/resources/limits/cpu\n        desired: (absent)\n        live:    "2"');
    expect(web).toContain('- Service "web/web" is missing (deleted from the cluster)');
    expect(text).toContain(`/data/password (masked)\n        desired: "${MASK}"`);
    expect(text).not.toContain('dev-eu/monitoring (release');
  });

  it('lists release-level reasons, policies not compliant, and ends with the summary', () => {
    expect(text).toContain('~ ChartVersionDiffers (desired 6.9.3, live 6.9.2): Release "web" runs podinfo 6.9.2; git wants 6.9.3.');
    expect(text).toContain('monitoring-everywhere on prod-eu: 1 of 1 instances not in sync (monitoring)');
    expect(lines.at(-2)).toMatch(/^Drift: 6 of 8 releases differ from git/);
  });

  it('colours states only when asked', () => {
    expect(text).not.toContain('\u001b[');
    const coloured = renderDriftHuman(sampleDriftReport(), { color: true });
    expect(coloured).toContain('\u001b[32min-sync');
    expect(coloured).toContain('\u001b[33mdrifted');
    expect(coloured).toContain('\u001b[31munreachable');
  });

  it('says so in words when nothing drifted', () => {
    const clean = renderDriftHuman(cleanDriftReport());
    expect(clean).toContain('clusterext drift: revision main (1a2b3c4)');
    expect(clean.trimEnd().split('\n').at(-1)).toBe('No drift: all 1 release on 1 cluster are as git wants them.');
  });

  it('escapes hostile names and values: no control character, no line a CI runner would take as a command', () => {
    const hostile = renderDriftHuman(hostileDriftReport(), { color: true });
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    const plain = hostile.replace(/\u001b\[[0-9;]*m/g, '');
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(plain).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(plain.split('\n').some((l) => l.trim().startsWith('::'))).toBe(false);
    expect(plain).toContain('\\r\\n::error::pwned\\u{1b}[2J');
  });
});
