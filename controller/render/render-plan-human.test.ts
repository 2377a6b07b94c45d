import { describe, expect, it } from 'vitest';
import { chartKey } from '../plan/chart-catalog.js';
import { classifyIndexVersions } from '../plan/classify-index-versions.js';
import { computePlan } from '../plan/compute-plan.js';
import { connectedCluster, extension, extensionType, fleet } from '../../test/support/fleet-builder.js';
import { samplePlan } from '../../test/support/sample-plan.js';
import { renderPlanHuman } from './render-plan-human.js';

const lines = (text: string) => text.split('\n');
const squash = (line: string) => line.trim().replace(/\s+/g, ' ');

describe('renderPlanHuman', () => {
  const text = renderPlanHuman(samplePlan());
  const squashed = lines(text).map(squash);

  it('prints one Terraform-like line per change, per cluster', () => {
    expect(squashed).toContain('cluster prod-1');
    expect(squashed).toContain('+ install mesh 2.0.0 in mesh-system');
    expect(squashed).toContain('~ upgrade monitor 1.2.0 → 1.3.0');
    expect(squashed).toContain('! major upgrade engine 1.3.0 → 2.0.0');
    expect(squashed).toContain('! downgrade pinned-down 1.3.0 → 1.0.0');
    expect(squashed).toContain('- uninstall old-agent 1.0.0 from mesh-system');
    expect(squashed).toContain('-/+ namespace moved engine policy-engine-system → engine (reinstall)');
    expect(squashed).toContain('~ protected settings monitor Secret monitor-keys → Secret monitor-keys-v2');
    expect(squashed).toContain('~ compliance policy require-monitor compliant (MatchesTemplate) → non-compliant (ExtensionMissing)');
  });

  it('puts each reason under its change and diffs settings key by key', () => {
    const at = squashed.indexOf('~ upgrade monitor 1.2.0 → 1.3.0');
    expect(squashed[at + 1]).toBe('Upgrade from 1.2.0 to 1.3.0 (pinned 1.3.0).');
    const settings = squashed.indexOf('~ settings monitor 3 keys');
    expect(squashed.slice(settings + 2, settings + 5)).toEqual(['~ log.level: "info" → "debug"', '+ new\\.key: true', '- replicas: 2']);
  });

  it('shows the blast radius first and the summary last', () => {
    const blast = squashed.findIndex((l) => l.startsWith('! Blast radius:'));
    expect(blast).toBeGreaterThan(-1);
    expect(blast).toBeLessThan(squashed.indexOf('cluster edge-1'));
    expect(squashed[blast]).toContain('cluster "edge-1"');
    expect(lines(text.trimEnd()).at(-1)).toBe('Plan: 1 to install, 2 to upgrade (1 major), 1 to downgrade, 3 to uninstall, 1 to reinstall (namespace moved), 2 to change settings, 1 compliance change.');
  });

  it('lists ignored index versions with the reason', () => {
    expect(squashed).toContainEqual(expect.stringMatching(/^https:\/\/charts\.example monitor 1\.0\.029903: .*leading zero.*1\.0\.29903/));
  });

  it('shows train and constraint offline', () => {
    const offline = lines(renderPlanHuman(samplePlan({ offline: true }))).map(squash);
    expect(offline).toContain('+ install mesh stable newest (unresolved) in mesh-system');
    expect(offline.some((l) => l.startsWith('Offline:'))).toBe(true);
  });

  it('marks a version only the type\'s versionPrefix: v lets in, in the plan and in its JSON chart', () => {
    const certs = extensionType('certs', { versionPrefix: 'v' });
    const chart = { repository: 'https://charts.example', name: 'certs', versionPrefix: 'v' as const };
    const catalog = new Map([[chartKey(chart), classifyIndexVersions({ entries: { certs: [{ version: 'v1.15.1' }, { version: 'v1.14.0' }] } }, 'certs', 'v')]]);
    const head = fleet({ extensionTypes: [certs], clusters: [connectedCluster('a')], extensions: [extension('a', 'certs', 'certs')] });
    const plan = computePlan({ base: undefined, head, catalog });
    expect(lines(renderPlanHuman(plan)).map(squash)).toContain('+ install certs v1.15.1 (versionPrefix v) in certs-system');
    expect(plan.clusters[0]?.changes[0]?.to?.chart).toEqual(chart);
  });

  it('colours only when asked', () => {
    expect(text).not.toContain('\u001b[');
    expect(renderPlanHuman(samplePlan(), { color: true })).toContain('\u001b[32m+');
  });

  it('says "No changes." in words for an empty plan', () => {
    const f = fleet({ extensionTypes: [extensionType('monitor')], clusters: [connectedCluster('a')], extensions: [extension('a', 'monitor', 'monitor')] });
    const empty = renderPlanHuman(computePlan({ base: f, head: f }));
    expect(lines(empty.trimEnd()).at(-1)).toBe('No changes. The desired state of all 1 release matches the base revision.');
    expect(empty).not.toContain('cluster a');
  });
});

describe('renderPlanHuman with hostile names, keys and values', () => {
  it('keeps every line its own: no raw control characters and no line that starts a workflow command', async () => {
    const { hostilePlan } = await import('../../test/support/hostile-plan.js');
    const plan = hostilePlan();
    expect(plan.clusters[0]?.changes.length).toBeGreaterThan(0);
    for (const color of [false, true]) {
      const text = renderPlanHuman(plan, { color });
      // Only our own colour codes: ESC followed by a colour, never the injected clear-screen.
      expect(text.replace(/\u001b\[\d+m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/); // eslint-disable-line no-control-regex
      for (const line of text.replace(/\u001b\[\d+m/g, '').split('\n')) expect(line.trimStart()).not.toMatch(/^::/); // eslint-disable-line no-control-regex
      expect(text).toContain('web\\r\\n::error file=x::pwned\\u{1b}[2J');
    }
  });
});
