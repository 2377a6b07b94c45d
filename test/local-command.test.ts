import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetState } from '../controller/local/fleet-state.js';
import { projectRoot } from '../controller/local/project-root.js';
import { runCommand } from '../controller/local/run-command.js';
import { toolPath } from '../controller/local/tool-path.js';
import { processesMentioning } from './support/processes-mentioning.js';
import { isCi } from './support/test-fleet.js';

// The CLI as users run it: the built entry point (`npm test` builds before running vitest).
const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');

describe('clusterext local up / down', () => {
  const started: ChildProcess[] = [];
  const dirs: string[] = [];

  afterEach(() => {
    for (const child of started) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function up(): Promise<{ child: ChildProcess; dir: string; state: FleetState; stdout: () => string }> {
    expect(existsSync(cli), `${cli} is missing; run "npm run build" first`).toBe(true);
    const dir = join(mkdtempSync(join(tmpdir(), 'clusterext-local-cmd-')), 'fleet');
    dirs.push(join(dir, '..'));
    const child = spawn(process.execPath, [cli, 'local', 'up', '--clusters', '1', '--dir', dir, ...(isCi() ? ['--no-build'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 90_000;
    while (!out.includes('Stop with Ctrl-C') && Date.now() < deadline && child.exitCode === null) await sleep(100);
    expect(out).toContain('The local fleet is up (1 cluster)');
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as FleetState;
    return { child, dir, state, stdout: () => out };
  }

  it('starts a reachable fleet, prints how to reach it, and "down" stops it cleanly', async () => {
    const { child, dir, state, stdout } = await up();
    expect(state.pid).toBe(child.pid);
    const kubeconfig = state.clusters[0]!.kubeconfigPath;
    expect(stdout()).toContain(`kubectl --kubeconfig ${kubeconfig} get namespaces`);
    expect(stdout()).toContain(state.git.url);
    expect(stdout()).toContain(state.charts.url);
    expect((await runCommand(toolPath('kubectl'), ['--kubeconfig', kubeconfig, 'get', 'namespace', 'default', '-o', 'name'])).stdout).toBe('namespace/default\n');

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const down = await runCommand(process.execPath, [cli, 'local', 'down', '--dir', dir]);
    expect(down.stdout).toContain('Stopped the local fleet');
    expect(await exited).toBe(0);
    expect(stdout()).toContain('no server is left running');
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('leaves no server and no folder behind when "up" is killed with SIGKILL', async () => {
    const { child, dir } = await up();
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    // The watchdog ends each server with SIGTERM, then SIGKILL after 10 s.
    const deadline = Date.now() + 30_000;
    while ((processesMentioning(dir).length > 0 || existsSync(dir)) && Date.now() < deadline) await sleep(200);
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
