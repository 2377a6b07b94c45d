import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { startGitServer, type GitServer } from '../controller/local/git-server.js';
import { projectRoot } from '../controller/local/project-root.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { toolPath } from '../controller/local/tool-path.js';
import type { ControllerManager } from '../controller/runtime/controller-manager.js';
import type { CrStore } from '../controller/runtime/cr-store.js';
import type { KubeRest } from '../controller/runtime/kube-rest.js';
import type { ExtensionStatus } from '../controller/status/extension-status.js';
import { clusterScopedTypeYaml, connectedClusterYaml } from './support/fleet-yaml.js';
import { HUB_NAMESPACE, setUpHub } from './support/hub-setup.js';
import { builtCli, runBuiltCli, type CliRun } from './support/run-built-cli.js';
import { seedRepository } from './support/seed-repository.js';
import { settleController } from './support/settle-controller.js';
import { createTestController } from './support/test-controller.js';
import { helmEnv, startTestFleet } from './support/test-fleet.js';

/** The git password: in the remote URL of the clones, where git itself would print it. */
const GIT_CANARY = 'canary-git-pw-3b9d41';
/** Protected values: on the hub only, never in git or any output. */
const SECRET_CANARIES = ['canary-protected-1-a7c2', 'canary-protected-2-5e81', 'canary-protected-3-0f4d'];
/** Everything the CLI printed in this file. */
const printed: string[] = [];

/** The built CLI, asynchronous so a controller in this process can keep running meanwhile. */
const run = (args: string[]): Promise<CliRun> => runBuiltCli(args, { env: { KUBECONFIG: '/nonexistent-kubeconfig' }, timeoutMs: 90_000, printed });

type Git = (...args: string[]) => Promise<string>;
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

/** The git CLI on a clone, without the user's global configuration; asynchronous, as the git server runs in this process. */
function gitIn(dir: string): Git {
  return async (...args) => (await promisify(execFile)('git', ['-C', dir, ...args], { encoding: 'utf8', env: gitEnv })).stdout;
}

/** A clone whose remote URL carries the credentials (`http://user:password@host/…`), as many operators set it up. */
async function cloneWithCredentials(url: string, auth: { username: string; password: string }, dir: string): Promise<Git> {
  const withAuth = url.replace('://', `://${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`);
  await promisify(execFile)('git', ['clone', '-q', withAuth, dir], { env: gitEnv });
  const git = gitIn(dir);
  await git('config', 'user.name', 'operator');
  await git('config', 'user.email', 'operator@example.com');
  return git;
}

/** `extension create|update|delete --push` against the real smart-HTTP git server (basic auth), no hub. */
describe('extension create, update and delete --push to a real git server', () => {
  let server: GitServer;
  let workDir: string;
  let clone: string;
  let git: Git;
  const serverLog = (...args: string[]) => execFileSync('git', ['-C', join(server.dir, 'fleet.git'), ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    expect(existsSync(builtCli), `${builtCli} is missing; run "npm run build" first`).toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-push-'));
    server = await startGitServer({ auth: { username: 'operator', password: GIT_CANARY } });
    await server.createRepository('fleet', join(projectRoot(), 'samples', 'fleet'));
    clone = join(workDir, 'clone');
    git = await cloneWithCredentials(server.repositoryUrl('fleet'), server.auth!, clone);
  });

  afterAll(async () => {
    expect(printed.join('\n')).not.toContain(GIT_CANARY);
    await server?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('create --push commits and pushes the new Extension to the remote branch', async () => {
    const { code, stderr } = await run(['extension', 'create', '--name', 'events', '--cluster-name', 'prod-us', '--extension-type', 'event-grid', '--configuration-settings', 'topic=orders', '--repo-dir', clone, '--push']);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('Pushed.');
    expect(await server.headOf('fleet')).toBe((await git('rev-parse', 'HEAD')).trim());
    expect(serverLog('log', '-1', '--format=%s', 'main').trim()).toBe('extension create: add "events" (event-grid) to cluster "prod-us"');
    expect(serverLog('show', 'main:extensions/prod-us.yaml')).toContain('topic: orders');
  });

  it('update --push pushes the changed settings', async () => {
    const { code, stderr } = await run(['extension', 'update', '--name', 'events', '--cluster-name', 'prod-us', '--configuration-settings', 'topic=invoices', '--repo-dir', clone, '--push']);
    expect(code, stderr).toBe(0);
    expect(await server.headOf('fleet')).toBe((await git('rev-parse', 'HEAD')).trim());
    expect(serverLog('show', 'main:extensions/prod-us.yaml')).toContain('topic: invoices');
  });

  it('a push the remote rejects (non-fast-forward) says so, undoes the commit and leaves the clone as it was', async () => {
    const theirs = await server.commitAndPush('fleet', { files: { 'NOTES.md': 'someone else was first\n' }, message: 'someone else' });
    const head = (await git('rev-parse', 'HEAD')).trim();
    const file = join(clone, 'extensions', 'prod-us.yaml');
    const content = readFileSync(file, 'utf8');
    const { code, stderr } = await run(['extension', 'update', '--name', 'events', '--cluster-name', 'prod-us', '--configuration-settings', 'topic=refunds', '--repo-dir', clone, '--push']);
    expect(code).toBe(1);
    expect(stderr).toContain('Error: The push was rejected: the remote branch has commits this clone does not have (non-fast-forward).');
    expect(stderr).toContain('run "git pull --rebase"');
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(head);
    expect(await git('status', '--porcelain')).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(await server.headOf('fleet')).toBe(theirs);
    // After the pull the same command goes through.
    await git('pull', '-q', '--rebase');
    const again = await run(['extension', 'update', '--name', 'events', '--cluster-name', 'prod-us', '--configuration-settings', 'topic=refunds', '--repo-dir', clone, '--push']);
    expect(again.code, again.stderr).toBe(0);
    expect(serverLog('show', 'main:extensions/prod-us.yaml')).toContain('topic: refunds');
  });

  it('a push refused for its credentials says so without printing them, and leaves the clone as it was', async () => {
    const wrong = 'canary-wrong-pw-62e0';
    const other = join(workDir, 'other');
    const otherGit = await cloneWithCredentials(server.repositoryUrl('fleet'), server.auth!, other);
    await otherGit('remote', 'set-url', 'origin', server.repositoryUrl('fleet').replace('://', `://operator:${wrong}@`));
    const head = (await otherGit('rev-parse', 'HEAD')).trim();
    const { code, stdout, stderr } = await run(['extension', 'delete', '--name', 'events', '--cluster-name', 'prod-us', '--repo-dir', other, '--push']);
    expect(code).toBe(1);
    expect(stderr).toContain('Error: The push failed (');
    expect(stderr).toContain('check the remote and your git credentials');
    expect(`${stdout}${stderr}`).not.toContain(wrong);
    expect((await otherGit('rev-parse', 'HEAD')).trim()).toBe(head);
    expect(await otherGit('status', '--porcelain')).toBe('');
    expect(existsSync(join(other, 'extensions', 'prod-us.yaml'))).toBe(true);
  });

  it('refuses --push on a branch without an upstream before writing anything', async () => {
    await git('checkout', '-q', '-b', 'local-only');
    const { code, stderr } = await run(['extension', 'delete', '--name', 'events', '--cluster-name', 'prod-us', '--repo-dir', clone, '--push']);
    await git('checkout', '-q', 'main');
    expect(code).toBe(1);
    expect(stderr).toContain('has no upstream branch to push to');
    expect(await git('status', '--porcelain')).toBe('');
  });

  it('delete --push removes the Extension from the remote branch', async () => {
    const { code, stderr } = await run(['extension', 'delete', '--name', 'events', '--cluster-name', 'prod-us', '--repo-dir', clone, '--push']);
    expect(code, stderr).toBe(0);
    expect(await server.headOf('fleet')).toBe((await git('rev-parse', 'HEAD')).trim());
    expect(serverLog('show', 'main:extensions/prod-us.yaml')).not.toContain('name: events');
  });
});

interface HelmRelease {
  name: string;
  namespace: string;
  revision: string;
  status: string;
}

/**
 * The operator's loop end to end: `extension create --push` → the controller (real apiserver, helm,
 * chart repository) installs it and it becomes Ready; `update --push` of settings and protected
 * settings upgrades it (the Secret changes, git never holds the value); `delete --push` uninstalls it.
 */
describe('extension create/update/delete --push, applied by the controller', () => {
  let fleet: LocalFleet;
  let hub: KubeRest;
  let store: CrStore;
  let manager: ControllerManager;
  let workDir: string;
  let repoDir: string;
  let git: Git;
  let hubArgs: string[];
  let kubeconfig: string;
  const cluster = () => fleet.clusters[0]!.name;

  const helmList = (): HelmRelease[] =>
    JSON.parse(execFileSync(toolPath('helm'), ['list', '-A', '-o', 'json', '--kubeconfig', kubeconfig], { encoding: 'utf8', env: helmEnv(fleet) })) as HelmRelease[];
  const secretData = async (name: string): Promise<Record<string, string> | undefined> => {
    const res = await hub.request<{ data?: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${HUB_NAMESPACE}/secrets/${name}` });
    if (res.status === 404) return undefined;
    return Object.fromEntries(Object.entries(res.body.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  };
  /** The controller fetches every second (interval 1s): wait past it, then run passes until one changes nothing. */
  const apply = async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    await settleController(manager);
  };

  beforeAll(async () => {
    expect(existsSync(builtCli), `${builtCli} is missing; run "npm run build" first`).toBe(true);
    fleet = await startTestFleet({ clusters: 1 });
    workDir = mkdtempSync(join(tmpdir(), 'clusterext-push-e2e-'));
    kubeconfig = join(workDir, 'hub.yaml');
    writeFileSync(kubeconfig, fleet.clusters[0]!.kubeconfig, { mode: 0o600 });
    hubArgs = ['--kubeconfig', kubeconfig, '-n', HUB_NAMESPACE];
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '1.0.0' });
    await seedRepository(fleet.git, 'fleet', join(workDir, 'seed'), {
      'fleet/types.yaml': clusterScopedTypeYaml({ name: 'config', repository: fleet.charts.url, chart: 'config-values', namespace: 'config-system' }),
      'fleet/clusters.yaml': connectedClusterYaml(cluster(), { kubeconfigSecret: true }),
    });
    ({ hub, store } = await setUpHub(fleet, { repository: 'fleet', path: 'fleet', interval: '1s' }));
    manager = createTestController(fleet, hub);
    await settleController(manager);
    git = await cloneWithCredentials(fleet.git.repositoryUrl('fleet'), fleet.git.auth, join(workDir, 'clone'));
    repoDir = join(workDir, 'clone', 'fleet');
  }, 240_000);

  afterAll(async () => {
    const everything = printed.join('\n');
    expect(everything).not.toContain(fleet?.git.auth.password ?? GIT_CANARY);
    for (const canary of SECRET_CANARIES) expect(everything).not.toContain(canary);
    manager?.close();
    hub?.close();
    await fleet?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('create --push: the controller installs the Extension and it becomes Ready; the protected value is only in the hub Secret', async () => {
    const created = await run([
      'extension', 'create', '--name', 'cfg', '--cluster-name', cluster(), '--extension-type', 'config', '--configuration-settings', 'data.greeting=hello',
      '--configuration-protected-settings', `token=${SECRET_CANARIES[0]}`, '--repo-dir', repoDir, '--push', ...hubArgs,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^ +\+ +install +cfg /m);
    expect(await secretData(`${cluster()}-cfg-protected-settings`)).toEqual({ token: SECRET_CANARIES[0] });
    await apply();
    const cr = await store.get<unknown, ExtensionStatus>('Extension', `${cluster()}.cfg`);
    expect(cr?.status?.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(cr?.status?.lastAppliedRevision).toBe(await fleet.git.headOf('fleet'));
    expect(helmList().find((r) => r.name === 'cfg')).toMatchObject({ namespace: 'config-system', status: 'deployed', revision: '1' });
  }, 180_000);

  it('update --push of settings and protected settings: the Secret changes, git never holds the value, the controller upgrades the release', async () => {
    const updated = await run([
      'extension', 'update', '--name', 'cfg', '--cluster-name', cluster(), '--configuration-settings', 'data.greeting=bonjour',
      '--configuration-protected-settings', `token=${SECRET_CANARIES[1]}`, '--repo-dir', repoDir, '--push', ...hubArgs,
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(/^ +~ data\.greeting: "hello" → "bonjour"$/m);
    expect(await secretData(`${cluster()}-cfg-protected-settings`)).toEqual({ token: SECRET_CANARIES[1] });
    await apply();
    expect(helmList().find((r) => r.name === 'cfg')).toMatchObject({ status: 'deployed', revision: '2' });
    const configMap = await hub.request<{ data: Record<string, string> }>({ method: 'GET', path: '/api/v1/namespaces/config-system/configmaps/cfg-config' });
    expect(configMap.body.data.greeting).toBe('bonjour');
    const cr = await store.get<unknown, ExtensionStatus>('Extension', `${cluster()}.cfg`);
    expect(cr?.status?.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    const history = execFileSync('git', ['-C', join(fleet.git.dir, 'fleet.git'), 'log', '-p', '--all'], { encoding: 'utf8' });
    expect(history).toContain('data.greeting: bonjour');
    for (const canary of SECRET_CANARIES) expect(history).not.toContain(canary);
  }, 180_000);

  it('a rejected push of protected settings puts the Secret back: nothing changes', async () => {
    await fleet.git.commitAndPush('fleet', { files: { 'NOTES.md': 'someone else was first\n' }, message: 'someone else' });
    const head = (await git('rev-parse', 'HEAD')).trim();
    const rejected = await run([
      'extension', 'update', '--name', 'cfg', '--cluster-name', cluster(), '--configuration-settings', 'data.greeting=hola',
      '--configuration-protected-settings', `token=${SECRET_CANARIES[2]}`, '--repo-dir', repoDir, '--push', ...hubArgs,
    ]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('The push was rejected');
    expect(rejected.stderr).toContain('the protected-settings Secret put back');
    expect(await secretData(`${cluster()}-cfg-protected-settings`)).toEqual({ token: SECRET_CANARIES[1] });
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(head);
    expect(await git('status', '--porcelain')).toBe('');
    await git('pull', '-q', '--rebase');
  }, 60_000);

  it('delete --push: the controller uninstalls the release and the Extension goes', async () => {
    const deleted = await run(['extension', 'delete', '--name', 'cfg', '--cluster-name', cluster(), '--repo-dir', repoDir, '--push']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^ +- +uninstall +cfg /m);
    await apply();
    expect(helmList().map((r) => r.name)).not.toContain('cfg');
    expect(await store.get('Extension', `${cluster()}.cfg`)).toBeUndefined();
  }, 180_000);

  /** An Extension of type config with one protected setting, created and pushed with the hub, installed by the controller. */
  const createWithSecret = async (name: string, value: string) => {
    const created = await run(['extension', 'create', '--name', name, '--cluster-name', cluster(), '--extension-type', 'config', '--configuration-protected-settings', `token=${value}`, '--repo-dir', repoDir, '--push', ...hubArgs]);
    expect(created.code, created.stderr).toBe(0);
    await apply();
    expect(helmList().find((r) => r.name === name)).toMatchObject({ status: 'deployed', revision: '1' });
  };

  it('delete keeps the protected-settings Secret without the hub or without --push, and says why and what to do', async () => {
    await createWithSecret('vault', 'canary-protected-4-c3e9');
    const secret = `${cluster()}-vault-protected-settings`;
    const noHub = await run(['extension', 'delete', '--name', 'vault', '--cluster-name', cluster(), '--repo-dir', repoDir]);
    expect(noHub.code, noHub.stderr).toBe(0);
    expect(noHub.stderr).toContain(`The protected settings of Extension "vault" stay in Secret "${secret}" in namespace "${HUB_NAMESPACE}" on the hub: pass --kubeconfig (or --context) with --push to delete it with the Extension, or delete it once the controller has uninstalled the release (kubectl delete secret ${secret} -n ${HUB_NAMESPACE}).`);
    await git('checkout', '-q', '--', '.');
    const noPush = await run(['extension', 'delete', '--name', 'vault', '--cluster-name', cluster(), '--repo-dir', repoDir, '--commit', ...hubArgs]);
    expect(noPush.code, noPush.stderr).toBe(0);
    expect(noPush.stderr).toContain(`stay in Secret "${secret}" in namespace "${HUB_NAMESPACE}" on the hub until the deletion is pushed (their values are nowhere else): pass --push`);
    await git('reset', '-q', '--hard', 'HEAD~1');
    expect(await secretData(secret)).toEqual({ token: 'canary-protected-4-c3e9' });
  }, 180_000);

  it('delete --push with the hub: a rejected push puts the Secret back; pushed, the Secret goes with the Extension and the controller uninstalls the release', async () => {
    const secret = `${cluster()}-vault-protected-settings`;
    const labelsOf = async () => (await hub.request<{ metadata: { labels?: Record<string, string> } }>({ method: 'GET', path: `/api/v1/namespaces/${HUB_NAMESPACE}/secrets/${secret}` })).body.metadata.labels;
    const labels = await labelsOf();
    await fleet.git.commitAndPush('fleet', { files: { 'NOTES.md': 'someone else was first, again\n' }, message: 'someone else' });
    const head = (await git('rev-parse', 'HEAD')).trim();
    const rejected = await run(['extension', 'delete', '--name', 'vault', '--cluster-name', cluster(), '--repo-dir', repoDir, '--push', ...hubArgs]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain(`Deleted the protected-settings Secret "${secret}"`);
    expect(rejected.stderr).toContain('The push was rejected');
    expect(rejected.stderr).toContain('the protected-settings Secret put back');
    expect(await secretData(secret)).toEqual({ token: 'canary-protected-4-c3e9' });
    expect(await labelsOf()).toEqual(labels);
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(head);
    expect(await git('status', '--porcelain')).toBe('');
    await git('pull', '-q', '--rebase');

    const deleted = await run(['extension', 'delete', '--name', 'vault', '--cluster-name', cluster(), '--repo-dir', repoDir, '--push', ...hubArgs]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^ +- +uninstall +vault /m);
    expect(deleted.stderr).toContain(`Deleted the protected-settings Secret "${secret}" in namespace "${HUB_NAMESPACE}" on the hub.`);
    expect(await secretData(secret)).toBeUndefined();
    await apply();
    expect(helmList().map((r) => r.name)).not.toContain('vault');
    expect(await store.get('Extension', `${cluster()}.vault`)).toBeUndefined();
    expect(printed.join('\n')).not.toContain('canary-protected-4-c3e9');
  }, 180_000);

  it('an Extension whose Secret is gone before its deletion reaches the controller: reported, no helm run, then uninstalled all the same', async () => {
    await createWithSecret('late', 'canary-protected-5-9a1d');
    const secret = `${cluster()}-late-protected-settings`;
    // What delete --push does first; the controller has not fetched the commit yet.
    expect((await hub.request({ method: 'DELETE', path: `/api/v1/namespaces/${HUB_NAMESPACE}/secrets/${secret}` })).status).toBe(200);
    await settleController(manager);
    const cr = await store.get<unknown, ExtensionStatus>('Extension', `${cluster()}.late`);
    expect(cr?.status?.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False' });
    expect(cr?.status?.conditions.find((c) => c.type === 'Ready')?.message).toContain(`The protected settings Secret "${secret}" of Extension "late" does not exist`);
    expect(helmList().find((r) => r.name === 'late')).toMatchObject({ status: 'deployed', revision: '1' });

    const deleted = await run(['extension', 'delete', '--name', 'late', '--cluster-name', cluster(), '--repo-dir', repoDir, '--push', ...hubArgs]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain(`The protected-settings Secret "${secret}" does not exist in namespace "${HUB_NAMESPACE}" on the hub; there was nothing to delete.`);
    await apply();
    expect(helmList().map((r) => r.name)).not.toContain('late');
    expect(await store.get('Extension', `${cluster()}.late`)).toBeUndefined();
    expect(printed.join('\n')).not.toContain('canary-protected-5-9a1d');
  }, 180_000);
});
