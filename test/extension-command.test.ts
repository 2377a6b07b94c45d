import { execFileSync, spawnSync } from 'node:child_process';
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

/**
 * A temporary git repository holding samples/fleet in one commit, with an operator's identity set
 * for the commits the command makes; `git` runs git in it.
 */
function sampleFleetRepository(prefix: string): { repo: string; git: (...args: string[]) => string } {
  const repo = mkdtempSync(join(tmpdir(), prefix));
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  cpSync(join(projectRoot(), 'samples', 'fleet'), repo, { recursive: true });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'operator');
  git('config', 'user.email', 'operator@example.com');
  git('add', '-A');
  git('commit', '-q', '-m', 'fleet');
  return { repo, git };
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

/** `clusterext extension delete` on a temporary git repository holding samples/fleet. */
describe('clusterext extension delete', () => {
  let repo: string;
  let git: (...args: string[]) => string;

  beforeAll(() => {
    ({ repo, git } = sampleFleetRepository('clusterext-ext-delete-'));
  });

  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('refuses a policy-generated Extension, naming the policy and how to exclude the cluster, and writes nothing', () => {
    const { code, stderr } = run(['extension', 'delete', '--name', 'monitoring', '--cluster-name', 'prod-eu', '--repo-dir', repo, '--commit']);
    expect(code).toBe(1);
    expect(stderr).toContain('Extension "monitoring" on cluster "prod-eu" is generated by ExtensionPolicy "monitoring-everywhere"');
    expect(stderr).toContain('spec.clusterSelector.matchExpressions');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('refuses an Extension that does not exist, and writes nothing', () => {
    const { code, stderr } = run(['extension', 'delete', '--name', 'nope', '--cluster-name', 'prod-eu', '--repo-dir', repo]);
    expect(code).toBe(1);
    expect(stderr).toContain('There is no Extension "nope" on cluster "prod-eu"');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('removes the Extension, prints the plan (an uninstall), keeps the rest of the file and commits with a message naming it', () => {
    const file = join(repo, 'extensions', 'prod-eu.yaml');
    const original = readFileSync(file, 'utf8');
    const { code, stdout, stderr } = run(['extension', 'delete', '--name', 'gateway-payments', '--cluster-name', 'prod-eu', '--repo-dir', repo, '--commit']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^cluster prod-eu$/m);
    expect(stdout).toMatch(/^ +- +uninstall +gateway-payments /m);
    expect(stdout).toContain("Plan: 0 to install, 0 to upgrade, 1 to uninstall");
    const edited = readFileSync(file, 'utf8');
    expect(edited).not.toContain('name: gateway-payments');
    expect(edited).toContain('name: keyvault-secrets');
    // Every other line stays as written, comments included.
    const removed = original.split('\n').filter((line) => !edited.split('\n').includes(line));
    expect(removed.some((l) => l.includes('targetNamespace: payments'))).toBe(true);
    expect(edited.split('\n').every((line) => original.split('\n').includes(line))).toBe(true);
    expect(git('log', '-1', '--format=%s').trim()).toBe('extension delete: remove "gateway-payments" from cluster "prod-eu"');
    expect(git('status', '--porcelain')).toBe('');
    const validate = run(['validate', repo]);
    expect(validate.code, validate.stdout).toBe(0);
  });
});

/** `clusterext extension create` on a temporary git repository holding samples/fleet (no hub). */
describe('clusterext extension create', () => {
  let repo: string;
  let git: (...args: string[]) => string;
  const create = (...args: string[]) => run(['extension', 'create', '--repo-dir', repo, ...args]);

  beforeAll(() => {
    ({ repo, git } = sampleFleetRepository('clusterext-ext-create-'));
  });

  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it.each([
    [['--version', '1.0.0'], '--version needs --auto-upgrade-minor-version false'],
    [['--auto-upgrade-minor-version', 'false'], '--auto-upgrade-minor-version false needs --version'],
    [['--auto-upgrade-minor-version', 'false', '--version', '1.0.0', '--release-train', 'preview'], '--release-train only applies with --auto-upgrade-minor-version true'],
    [['--target-namespace', 'x'], '--target-namespace only applies with --scope namespace'],
    [['--scope', 'namespace', '--target-namespace', 'x', '--release-namespace', 'y'], '--release-namespace only applies with --scope cluster'],
    [['--scope', 'namespace'], '--scope namespace needs --target-namespace'],
    [['--configuration-settings', 'a=1', '--configuration-settings-file', 'x.json'], 'Give --configuration-settings or --configuration-settings-file, not both.'],
    [['--auto-upgrade-minor-version', 'maybe'], '--auto-upgrade-minor-version takes true or false, not "maybe".'],
  ])('rejects %j with a clear message and writes nothing', (flags, message) => {
    const { code, stderr } = create('--name', 'events', '--cluster-name', 'prod-us', '--extension-type', 'event-grid', ...flags);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
    expect(stderr).toContain('nothing was written');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('refuses protected settings without a hub, never printing the value', () => {
    const { code, stdout, stderr } = create('--name', 'events', '--cluster-name', 'prod-us', '--extension-type', 'event-grid', '--configuration-protected-settings', 'token=canary-create-71b2');
    expect(code).toBe(1);
    expect(stderr).toContain('Protected settings of Extension "events" never go into git');
    expect(`${stdout}${stderr}`).not.toContain('canary-create-71b2');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('refuses the controller\'s namespace (-n) as a target namespace, as validate --controller-namespace does, and writes nothing', () => {
    const { code, stdout, stderr } = create('--name', 'gw', '--cluster-name', 'prod-us', '--extension-type', 'api-gateway', '--scope', 'namespace', '--target-namespace', 'platform', '-n', 'platform');
    expect(code).toBe(1);
    expect(stdout).toContain('targetNamespace "platform" is the controller\'s namespace');
    expect(stderr).toContain('would not validate');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('refuses what validate refuses (an unknown type), located, and writes nothing', () => {
    const { code, stdout, stderr } = create('--name', 'events', '--cluster-name', 'prod-us', '--extension-type', 'evnt-grid');
    expect(code).toBe(1);
    expect(stdout).toMatch(/extensions\/prod-us\.yaml:\d+:\d+/);
    expect(stderr).toContain('would not validate');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('adds the Extension to the cluster\'s file, prints the install, and commits with a message naming it', () => {
    const file = join(repo, 'extensions', 'prod-us.yaml');
    const original = readFileSync(file, 'utf8');
    const { code, stdout, stderr } = create('--name', 'events', '--cluster-name', 'prod-us', '--extension-type', 'event-grid', '--configuration-settings', 'topic.name=orders', 'retries=3', '--commit');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ +\+ +install +events /m);
    expect(stdout).toContain('Plan: 1 to install');
    const edited = readFileSync(file, 'utf8');
    expect(edited.startsWith(original)).toBe(true);
    expect(edited.slice(original.length)).toContain('name: events');
    expect(git('log', '-1', '--format=%s').trim()).toBe('extension create: add "events" (event-grid) to cluster "prod-us"');
    expect(run(['validate', repo]).code).toBe(0);
    const shown = run(['extension', 'show', '--name', 'events', '--cluster-name', 'prod-us', '--repo-dir', repo, '-o', 'json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ configurationSettings: { 'topic.name': 'orders', retries: '3' }, releaseNamespace: 'event-grid', autoUpgradeMinorVersion: true });
    const again = create('--name', 'events', '--cluster-name', 'prod-us', '--extension-type', 'event-grid');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Extension "events" already exists on cluster "prod-us"');
  });

  it('writes --drift-ignore rules into spec.driftIgnore, and refuses a bad rule by its flag value, in validate\'s words, writing nothing', () => {
    const web = ['--name', 'web', '--cluster-name', 'prod-us', '--extension-type', 'api-gateway', '--scope', 'namespace', '--target-namespace', 'web'];
    const bad = create(...web, '--drift-ignore', '/metadata/annotations', 'Deployment:spec/replicas', '--drift-ignore', 'config-map:/data');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('break 2 rules');
    expect(bad.stderr).toContain('--drift-ignore "Deployment:spec/replicas": path "spec/replicas" is not a JSON Pointer: it must start with "/"; did you mean "/spec/replicas"?');
    expect(bad.stderr).toContain('--drift-ignore "config-map:/data": kind "config-map" must be a Kubernetes kind such as Deployment or ConfigMap.');
    expect(git('status', '--porcelain')).toBe('');

    const { code, stderr } = create(...web, '--drift-ignore', '/metadata/annotations', 'Deployment/web:/spec/template/spec/containers/*/image', '--drift-ignore', '*/web:/spec/replicas', '--commit');
    expect(code, stderr).toBe(0);
    const shown = run(['extension', 'show', '--name', 'web', '--cluster-name', 'prod-us', '--repo-dir', repo]);
    expect(shown.stdout).toContain('driftIgnore: (as --drift-ignore takes them)\n  /metadata/annotations\n  Deployment/web:/spec/template/spec/containers/*/image\n  */web:/spec/replicas\n');
    expect(JSON.parse(run(['extension', 'show', '--name', 'web', '--cluster-name', 'prod-us', '--repo-dir', repo, '-o', 'json']).stdout)).toMatchObject({
      driftIgnore: [{ path: '/metadata/annotations' }, { path: '/spec/template/spec/containers/*/image', kind: 'Deployment', name: 'web' }, { path: '/spec/replicas', name: 'web' }],
    });
    expect(run(['validate', repo]).code).toBe(0);
  });
});

/** `clusterext extension update` on a temporary git repository holding samples/fleet (no hub). */
describe('clusterext extension update', () => {
  let repo: string;
  let git: (...args: string[]) => string;
  const update = (...args: string[]) => run(['extension', 'update', '--repo-dir', repo, ...args]);

  beforeAll(() => {
    ({ repo, git } = sampleFleetRepository('clusterext-ext-update-'));
  });

  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it.each([
    [['--version', '1.0.0'], '--version needs --auto-upgrade-minor-version false'],
    [['--auto-upgrade-minor-version', 'false'], '--auto-upgrade-minor-version false needs --version'],
    [['--auto-upgrade-minor-version', 'false', '--version', '1.0.0', '--release-train', 'preview'], '--release-train only applies with auto-upgrade on'],
    [['--configuration-settings', 'a=1', '--configuration-settings-file', 'x.json'], 'Give --configuration-settings or --configuration-settings-file, not both.'],
    [[], 'Nothing to update'],
  ])('rejects %j with a clear message and writes nothing', (flags, message) => {
    const { code, stderr } = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', ...flags);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
    expect(stderr).toContain('nothing was written');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('refuses a version the schema refuses, located, and protected settings without a hub, never printing the value', () => {
    const bad = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--auto-upgrade-minor-version', 'false', '--version', '1.0.029903');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/extensions\/prod-eu\.yaml:\d+:\d+ .*did you mean 1\.0\.29903\?/);
    expect(bad.stderr).toContain('would not validate after the update');
    const secret = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--configuration-protected-settings', 'token=canary-update-5e0f');
    expect(secret.code).toBe(1);
    expect(secret.stderr).toContain('Protected settings of Extension "keyvault-secrets" never go into git');
    expect(`${secret.stdout}${secret.stderr}`).not.toContain('canary-update-5e0f');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('refuses a policy-generated Extension, naming the policy and what to do instead', () => {
    const { code, stderr } = update('--name', 'monitoring', '--cluster-name', 'prod-eu', '--configuration-settings', 'a=1');
    expect(code).toBe(1);
    expect(stderr).toContain('is generated by ExtensionPolicy "monitoring-everywhere"');
    expect(stderr).toContain('edit the policy\'s spec.extension');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('sets settings (keeping the others), changes only those lines, prints the plan and commits with a message naming it', () => {
    const file = join(repo, 'extensions', 'prod-eu.yaml');
    const original = readFileSync(file, 'utf8');
    const { code, stdout, stderr } = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--configuration-settings', 'data.syncSecrets=false', 'logLevel=debug', '--commit');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ +~ +settings +keyvault-secrets +2 keys$/m);
    expect(stdout).toMatch(/^ +~ data\.syncSecrets: true → "false"$/m);
    expect(stdout).toMatch(/^ +\+ logLevel: "debug"$/m);
    const edited = readFileSync(file, 'utf8');
    const before = original.split('\n');
    const after = edited.split('\n');
    expect(after.filter((l) => !before.includes(l))).toEqual(['    data.syncSecrets: "false"', '    logLevel: debug']);
    expect(before.filter((l) => !after.includes(l))).toEqual(['    data.syncSecrets: true']);
    expect(git('log', '-1', '--format=%s').trim()).toBe('extension update: set settings data.syncSecrets, logLevel of "keyvault-secrets" on cluster "prod-eu"');
    expect(git('status', '--porcelain')).toBe('');
    const shown = JSON.parse(run(['extension', 'show', '--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--repo-dir', repo, '-o', 'json']).stdout) as Record<string, unknown>;
    expect(shown.configurationSettings).toEqual({ 'data.rotationPollInterval': '2m', 'data.syncSecrets': 'false', logLevel: 'debug' });
  });

  it('pins a version, dropping the train, and then follows a train again, dropping the pin', () => {
    const pin = update('--name', 'flux', '--cluster-name', 'prod-eu', '--auto-upgrade-minor-version', 'false', '--version', '2.3.0', '--commit');
    expect(pin.code, pin.stderr).toBe(0);
    const pinned = JSON.parse(run(['extension', 'show', '--name', 'flux', '--cluster-name', 'prod-eu', '--repo-dir', repo, '-o', 'json']).stdout) as Record<string, unknown>;
    expect(pinned).toMatchObject({ autoUpgradeMinorVersion: false, version: '2.3.0' });
    const follow = update('--name', 'flux', '--cluster-name', 'prod-eu', '--auto-upgrade-minor-version', 'true', '--release-train', 'stable', '--commit');
    expect(follow.code, follow.stderr).toBe(0);
    const text = readFileSync(join(repo, 'extensions', 'prod-eu.yaml'), 'utf8').split(/^---$/m)[0]!;
    expect(text).not.toMatch(/^ {2}version:/m);
    expect(text).toMatch(/^ {2}autoUpgradeMinorVersion: true$/m);
    expect(text).toMatch(/^ {2}releaseTrain: stable$/m);
    expect(run(['validate', repo]).code).toBe(0);
  });

  it('replaces the Extension\'s drift ignore rules with --drift-ignore (the plan: a change of rules, no upgrade), and removes them with --clear-drift-ignore', () => {
    const both = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--drift-ignore', '/data', '--clear-drift-ignore');
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('Give --drift-ignore (the new complete set of rules) or --clear-drift-ignore, not both.');
    const bad = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--drift-ignore', '/data/a~2b');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--drift-ignore "/data/a~2b": path "/data/a~2b" has "~" not followed by 0 or 1 at character 8');
    expect(git('status', '--porcelain')).toBe('');

    const set = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--drift-ignore', 'Deployment:/spec/replicas', 'ConfigMap/kv-settings:/data/rotated', '--commit');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/~ +drift ignore rules +keyvault-secrets +0 → 2 rules/);
    expect(set.stdout).toContain('Plan: 0 to install, 0 to upgrade, 0 to uninstall, 0 to change settings, 1 other change.');
    expect(git('log', '-1', '--format=%s').trim()).toBe('extension update: set drift ignore rules (2) of "keyvault-secrets" on cluster "prod-eu"');
    const shown = () => JSON.parse(run(['extension', 'show', '--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--repo-dir', repo, '-o', 'json']).stdout) as Record<string, unknown>;
    expect(shown().driftIgnore).toEqual([{ path: '/spec/replicas', kind: 'Deployment' }, { path: '/data/rotated', kind: 'ConfigMap', name: 'kv-settings' }]);

    const replaced = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--drift-ignore', '/metadata/labels', '--commit');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(shown().driftIgnore).toEqual([{ path: '/metadata/labels' }]);

    const cleared = update('--name', 'keyvault-secrets', '--cluster-name', 'prod-eu', '--clear-drift-ignore', '--commit');
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(shown().driftIgnore).toBeUndefined();
    expect(readFileSync(join(repo, 'extensions', 'prod-eu.yaml'), 'utf8')).not.toContain('driftIgnore');
    expect(git('status', '--porcelain')).toBe('');
    expect(run(['validate', repo]).code).toBe(0);
  });
});
