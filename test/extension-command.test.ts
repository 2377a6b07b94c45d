import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../controller/local/project-root.js';

const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/nonexistent-kubeconfig' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `clusterext extension list|show` (the built CLI) on a copy of samples/fleet, from git only (no hub). */
describe('clusterext extension list and show, from git', () => {
  let dir: string;

  beforeAll(() => {
    expect(existsSync(cli), `${cli} is missing; run "npm run build" first`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'clusterext-ext-cmd-'));
    cpSync(join(projectRoot(), 'samples', 'fleet'), join(dir, 'fleet'), { recursive: true });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the Extensions of one cluster, policy-generated ones included, and says there is no live state', () => {
    const { code, stdout, stderr } = run(['extension', 'list', '--repo-dir', join(dir, 'fleet'), '--cluster-name', 'prod-eu']);
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CLUSTER\s+TYPE\s+SCOPE\s+NAMESPACE\s+DESIRED\s+INSTALLED\s+STATE\s+FROM$/);
    const rows = lines.slice(1, lines.indexOf(''));
    expect(rows.every((r) => r.split(/ {3,}/)[1] === 'prod-eu')).toBe(true);
    expect(rows.find((r) => r.startsWith('keyvault-secrets '))).toMatch(/extensions\/prod-eu\.yaml:\d+$/);
    expect(rows.find((r) => r.startsWith('monitoring '))).toMatch(/policy monitoring-everywhere$/);
    expect(stdout).toContain(`${rows.length} Extensions on cluster "prod-eu", read from git only: no live state (pass --kubeconfig to read it from the hub).`);
  });

  it('shows one Extension with its settings, and protected settings only by Secret name', () => {
    const { code, stdout, stderr } = run(['extension', 'show', '--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--repo-dir', join(dir, 'fleet')]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^releaseNamespace:\s+kv-system$/m);
    expect(stdout).toMatch(/^ {2}data\.rotationPollInterval: "2m"$/m);
    expect(stdout).toContain('configurationProtectedSettings: (Secret "kv-prod-eu-credentials"; values are never shown)');
    expect(stdout).toContain('Live state: none — read from git only');
    const json = JSON.parse(run(['extension', 'show', '--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--repo-dir', join(dir, 'fleet'), '-o', 'json']).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ name: 'keyvault-secrets', clusterName: 'prod-eu', scope: 'cluster', stateFrom: 'git', configurationProtectedSettings: { secretName: 'kv-prod-eu-credentials' } });
    expect(json.provisioningState).toBeUndefined();
  });

  it('refuses an Extension that does not exist and a fleet that does not validate, with clear messages', () => {
    const missing = run(['extension', 'show', '--name', 'nope', '--cluster-name', 'prod-eu', '--repo-dir', join(dir, 'fleet')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no Extension "nope" on cluster "prod-eu"');
    const broken = join(dir, 'broken');
    cpSync(join(dir, 'fleet'), broken, { recursive: true });
    const file = join(broken, 'extensions', 'prod-eu.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('releaseNamespace: kv-system', 'releaseNamespace: kv-system\n  version: "1.0.029903"'));
    const invalid = run(['extension', 'list', '--repo-dir', broken]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/does not validate \(\d+ error\(s\); first: .*extensions\/prod-eu\.yaml:\d+:\d+ /);
  });
});
