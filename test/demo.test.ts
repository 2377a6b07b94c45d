import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FleetState } from '../controller/local/fleet-state.js';
import { projectRoot } from '../controller/local/project-root.js';
import { loadFleetFromDirectory } from '../controller/manifest/load-fleet.js';
import { expandPolicies } from '../controller/plan/expand-policies.js';
import { processesMentioning } from './support/processes-mentioning.js';
import { isCi } from './support/test-fleet.js';

// The CLI as users run it (`npm start` = build, then `clusterext demo`); `npm test` builds first.
const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');

interface Run {
  code: number | null;
  output: string;
}

function runDemo(dir: string, args: string[], timeoutMs: number): Promise<Run> {
  const child = spawn(process.execPath, [cli, 'demo', '--dir', dir, ...(isCi() ? ['--no-build'] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The rows of the last Extension table printed (render/render-cr-table.ts), by Extension CR name, as column → cell. */
function lastTable(output: string): Map<string, Record<string, string>> {
  const lines = output.split('\n');
  const header = lines.map((l, i) => (/^NAME\s+CLUSTER\s+TYPE\s/.test(l) ? i : -1)).filter((i) => i >= 0).pop();
  const rows = new Map<string, Record<string, string>>();
  if (header === undefined) return rows;
  const titles = lines[header]!.trim().split(/\s{2,}/);
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === '') break;
    const cells = line.trim().split(/\s{2,}/);
    rows.set(cells[0]!, Object.fromEntries(titles.map((title, i) => [title, cells[i] ?? ''])));
  }
  return rows;
}

describe('clusterext demo (npm start)', () => {
  let expected: string[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    expect(existsSync(cli), `${cli} is missing; run "npm run build" first`).toBe(true);
    const { fleet } = await loadFleetFromDirectory(join(projectRoot(), 'samples', 'fleet'));
    expected = expandPolicies(fleet!).instances.map((i) => `${i.cluster}.${i.name}`);
  });

  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reconciles every sample Extension to Ready on local clusters, exits 0 and leaves no server behind', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clusterext-demo-test-'));
    dirs.push(parent);
    const dir = join(parent, 'demo');
    const { code, output } = await runDemo(dir, ['--exit-when-ready', '240s', '--keep'], 280_000);

    expect(code, output).toBe(0);
    expect(expected.length).toBe(18);
    expect(output).toContain(`All ${expected.length} Extensions are Ready`);
    const rows = lastTable(output);
    expect([...rows.keys()].sort()).toEqual([...expected].sort());
    for (const name of expected) {
      const row = rows.get(name)!;
      expect([row.STATE, row.READY], `${name}: ${JSON.stringify(row)}`).toEqual(['Succeeded', 'True']);
    }
    // Pinned versions run exactly; trains take their newest (preview includes prereleases).
    expect(rows.get('dev-eu.dapr')!.VERSION).toBe('0.1.0');
    expect(rows.get('prod-us.mesh')!.VERSION).toBe('0.1.0');
    expect(rows.get('dev-eu.flux')!.VERSION).toBe('0.3.0-preview.1');
    expect(rows.get('dev-eu.monitoring')!.VERSION).toBe('0.3.0-preview.1');
    expect(rows.get('prod-eu.flux')!.VERSION).toBe('0.2.0');
    // Real-world charts, at the versions the local chart repository holds (the newest for a train).
    expect(rows.get('dev-eu.ingress')!.VERSION).toBe('4.11.0');
    expect(rows.get('prod-us.podinfo')!.VERSION).toBe('6.9.2');
    for (const cluster of ['dev-eu', 'prod-eu', 'prod-us']) expect(rows.get(`${cluster}.metrics`)!.VERSION).toBe('3.13.1');
    // The invalid index entry is reported, not silently dropped.
    expect(output).toMatch(/chart version "1\.0\.029903" ignored: .*did you mean 1\.0\.29903\?/);
    expect(output).toMatch(/^pass 1: \d+\/18 Extensions Ready, \d+ helm actions?/m);
    expect(output).toContain(`-n clusterext-system get extensions`);

    // Credentials are pointed at, never printed.
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as FleetState;
    expect(output).not.toContain(state.git.password);
    expect(output).toContain(join(dir, 'state.json'));
    expect(output).not.toContain('demo-only-not-a-secret');
    expect(processesMentioning(dir)).toEqual([]);
  }, 300_000);

  it('exits 1 and says what is not Ready when the timeout passes first', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clusterext-demo-test-'));
    dirs.push(parent);
    const dir = join(parent, 'demo');
    const { code, output } = await runDemo(dir, ['--exit-when-ready', '1s'], 120_000);

    expect(code, output).toBe(1);
    expect(output).toContain('Not every Extension became Ready within 1s');
    expect(output).not.toContain('Extensions are Ready after');
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 150_000);
});
