import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureControlPlaneBinaries, KUBERNETES_VERSION } from '../controller/local/control-plane-binaries.js';
import { freePort } from '../controller/local/free-port.js';
import { probe } from '../controller/local/local-endpoint.js';
import type { LocalCluster } from '../controller/local/control-planes.js';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { runCommand } from '../controller/local/run-command.js';
import { sampleChartPath } from '../controller/local/sample-chart-path.js';
import { watchdogScriptPath } from '../controller/local/supervised-process.js';
import { toolPath } from '../controller/local/tool-path.js';
import { decodeHelmReleaseSecret, helmReleaseSecretName } from './support/helm-release-secret.js';
import { processesMentioning } from './support/processes-mentioning.js';
import { helmEnv, isCi, startTestFleet } from './support/test-fleet.js';

const GIT_AUTH = { username: 'fleet-bot', password: 'correct-horse' };

function coreApi(cluster: LocalCluster): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

describe('the embedded local fleet', () => {
  let fleet: LocalFleet;
  let serverPids: number[] = [];

  beforeAll(async () => {
    fleet = await startTestFleet({
      clusters: 2,
      gitAuth: GIT_AUTH,
      nodes: (name) => (name === 'local-2' ? [{ name: 'arm-node', architecture: 'arm64', os: 'linux' }] : [{ name: 'local-1-node-1', architecture: 'amd64', os: 'linux' }]),
    });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('starts two separate clusters of the pinned Kubernetes version with RBAC authorization', async () => {
    expect(fleet.clusters.map((c) => c.name)).toEqual(['local-1', 'local-2']);
    expect(new Set(fleet.clusters.map((c) => c.server)).size).toBe(2);
    for (const cluster of fleet.clusters) {
      const kc = new KubeConfig();
      kc.loadFromString(cluster.kubeconfig);
      expect((await kc.makeApiClient(VersionApi).getCode()).gitVersion).toBe(KUBERNETES_VERSION);
      expect(readFileSync(cluster.kubeconfigPath, 'utf8')).toBe(cluster.kubeconfig);
      // Anonymous requests are authenticated as system:anonymous and then denied by RBAC (an
      // AlwaysAllow apiserver would list them), so the admin token is what grants access.
      const anonymous = await probe(`${cluster.server}/api/v1/namespaces`, { ca: cluster.caPem });
      expect(anonymous?.status).toBe(403);
      const kubectl = await runCommand(toolPath('kubectl'), ['--kubeconfig', cluster.kubeconfigPath, 'auth', 'can-i', '*', '*']);
      expect(kubectl.stdout.trim()).toBe('yes');
    }
    // Distinct etcd prefixes: an object in one cluster is absent from the other.
    const [one, two] = fleet.clusters as [LocalCluster, LocalCluster];
    await coreApi(one).createNamespace({ body: { metadata: { name: 'only-in-one' } } });
    await expect(coreApi(two).readNamespace({ name: 'only-in-one' })).rejects.toMatchObject({ code: 404 });
  });

  it('runs a controller-manager, a scheduler and KWOK per cluster, with Ready nodes carrying the labels asked for', async () => {
    const [one, two] = fleet.clusters as [LocalCluster, LocalCluster];
    for (const cluster of [one, two]) {
      const pids = Object.values(cluster.workloadControllerPids());
      expect(pids).toHaveLength(3);
      for (const pid of pids) expect(isAlive(pid!)).toBe(true);
    }
    const nodes = async (cluster: LocalCluster) =>
      (await coreApi(cluster).listNode()).items.map((n) => ({
        name: n.metadata?.name,
        arch: n.metadata?.labels?.['kubernetes.io/arch'],
        os: n.metadata?.labels?.['kubernetes.io/os'],
        ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      }));
    expect(await nodes(one)).toEqual([{ name: 'local-1-node-1', arch: 'amd64', os: 'linux', ready: 'True' }]);
    expect(await nodes(two)).toEqual([{ name: 'arm-node', arch: 'arm64', os: 'linux', ready: 'True' }]);
    // The controller-manager's service-account controller has run: pods can be created.
    expect((await coreApi(one).readNamespacedServiceAccount({ name: 'default', namespace: 'default' })).metadata?.name).toBe('default');
  });

  it('makes a Deployment available and completes a Job; a pod of KWOK\'s chaos stage fails its Job', async () => {
    const cluster = fleet.clusters[0]!;
    const kubectl = kubectlOn(cluster);
    await kubectl(['create', 'namespace', 'workloads']);
    await kubectl(['apply', '-n', 'workloads', '-f', '-'], [deployment('web'), job('once'), job('doomed', { chaos: true })]);
    await kubectl(['wait', '-n', 'workloads', '--for=condition=Available', 'deployment/web', '--timeout=90s']);
    expect(await kubectl(['get', '-n', 'workloads', 'deployment/web', '-o', 'jsonpath={.status.availableReplicas}'])).toBe('2');
    await kubectl(['wait', '-n', 'workloads', '--for=condition=Complete', 'job/once', '--timeout=90s']);
    expect(await kubectl(['get', '-n', 'workloads', 'job/once', '-o', 'jsonpath={.status.succeeded}'])).toBe('1');
    await kubectl(['wait', '-n', 'workloads', '--for=condition=Failed', 'job/doomed', '--timeout=90s']);
    expect(await kubectl(['get', '-n', 'workloads', 'job/doomed', '-o', 'jsonpath={.status.succeeded}'])).toBe('');
  });

  it('garbage-collects what a deleted Deployment owned, and finishes deleting a namespace', async () => {
    const cluster = fleet.clusters[0]!;
    const kubectl = kubectlOn(cluster);
    await kubectl(['create', 'namespace', 'doomed']);
    await kubectl(['apply', '-n', 'doomed', '-f', '-'], [deployment('api')]);
    await kubectl(['wait', '-n', 'doomed', '--for=condition=Available', 'deployment/api', '--timeout=90s']);
    expect(await kubectl(['get', '-n', 'doomed', 'replicasets,pods', '-l', 'app=api', '-o', 'name'])).not.toBe('');
    await kubectl(['delete', '-n', 'doomed', 'deployment/api', '--cascade=background', '--wait=true']);
    await waitFor(async () => (await kubectl(['get', '-n', 'doomed', 'replicasets,pods', '-l', 'app=api', '-o', 'name'])) === '', 90_000);
    // The namespace controller empties the namespace and removes it (at least ~5 s by design).
    await kubectl(['delete', 'namespace', 'doomed', '--wait=true', '--timeout=120s']);
    await expect(coreApi(cluster).readNamespace({ name: 'doomed' })).rejects.toMatchObject({ code: 404 });
  });

  it('installs a chart with a pre-install hook Job with real helm, waiting with --wait=watcher', async () => {
    const cluster = fleet.clusters[1]!;
    const chart = writeHookedChart(fleet.dir);
    const started = Date.now();
    await runCommand(
      toolPath('helm'),
      ['upgrade', '--install', 'hooked', chart, '--namespace', 'hooked', '--create-namespace', '--wait=watcher', '--timeout', '2m', '--kubeconfig', cluster.kubeconfigPath],
      { env: helmEnv(fleet) },
    );
    expect(Date.now() - started).toBeLessThan(120_000);
    const kubectl = kubectlOn(cluster);
    expect(await kubectl(['get', '-n', 'hooked', 'job/hooked-migrate', '-o', 'jsonpath={.status.succeeded}'])).toBe('1');
    expect(await kubectl(['get', '-n', 'hooked', 'deployment/hooked', '-o', 'jsonpath={.status.availableReplicas}'])).toBe('1');
    const listed = JSON.parse(await runCommand(toolPath('helm'), ['list', '-n', 'hooked', '-o', 'json', '--kubeconfig', cluster.kubeconfigPath], { env: helmEnv(fleet) }).then((r) => r.stdout)) as Record<string, string>[];
    expect(listed).toEqual([expect.objectContaining({ name: 'hooked', status: 'deployed' })]);
  });

  it('installs, reads back, upgrades and uninstalls a chart from the chart repository on each cluster', async () => {
    await fleet.charts.publish(sampleChartPath('config-values'), { version: '0.1.0' });
    const env = helmEnv(fleet);
    const helm = (cluster: LocalCluster, args: string[]) =>
      runCommand(toolPath('helm'), [...args, '--kubeconfig', cluster.kubeconfigPath], { env }).then((r) => r.stdout);

    for (const cluster of fleet.clusters) {
      const core = coreApi(cluster);
      await helm(cluster, [
        'upgrade', '--install', 'demo', 'config-values', '--repo', fleet.charts.url, '--version', '0.1.0',
        '--namespace', 'team-a', '--create-namespace', '--set', 'data.greeting=hi', '--set', `data.cluster=${cluster.name}`,
      ]);
      const secrets = await core.listNamespacedSecret({ namespace: 'team-a', labelSelector: 'owner=helm,name=demo' });
      expect(secrets.items.map((s) => s.metadata?.name)).toEqual([helmReleaseSecretName('demo', 1)]);
      const first = decodeHelmReleaseSecret(secrets.items[0]!);
      expect(first).toMatchObject({ name: 'demo', namespace: 'team-a', version: 1, info: { status: 'deployed' } });
      expect(first.chart.metadata).toMatchObject({ name: 'config-values', version: '0.1.0' });
      expect(first.config).toEqual({ data: { greeting: 'hi', cluster: cluster.name } });
      const configMap = await core.readNamespacedConfigMap({ name: 'demo-config', namespace: 'team-a' });
      expect(configMap.data).toMatchObject({ greeting: 'hi', cluster: cluster.name });

      const listed = JSON.parse(await helm(cluster, ['list', '--namespace', 'team-a', '-o', 'json'])) as Record<string, string>[];
      expect(listed).toEqual([expect.objectContaining({ name: 'demo', namespace: 'team-a', revision: '1', status: 'deployed', chart: 'config-values-0.1.0' })]);
    }

    await fleet.charts.publish(sampleChartPath('config-values'), { version: '0.2.0', appVersion: '2.0.0' });
    for (const cluster of fleet.clusters) {
      const core = coreApi(cluster);
      await helm(cluster, ['upgrade', '--install', 'demo', 'config-values', '--repo', fleet.charts.url, '--version', '0.2.0', '--namespace', 'team-a', '--set', 'data.greeting=bye']);
      const secrets = await core.listNamespacedSecret({ namespace: 'team-a', labelSelector: 'owner=helm,name=demo' });
      const records = secrets.items.map(decodeHelmReleaseSecret).sort((a, b) => a.version - b.version);
      expect(records.map((r) => [r.version, r.info.status, r.chart.metadata.version])).toEqual([
        [1, 'superseded', '0.1.0'],
        [2, 'deployed', '0.2.0'],
      ]);
      expect(records[1]!.config).toEqual({ data: { greeting: 'bye' } });
      const configMap = await core.readNamespacedConfigMap({ name: 'demo-config', namespace: 'team-a' });
      expect(configMap.data?.greeting).toBe('bye');
      expect(configMap.metadata?.labels?.['app.kubernetes.io/version']).toBe('0.2.0');
      const listed = JSON.parse(await helm(cluster, ['list', '--namespace', 'team-a', '-o', 'json'])) as Record<string, string>[];
      expect(listed).toEqual([expect.objectContaining({ name: 'demo', revision: '2', chart: 'config-values-0.2.0', app_version: '2.0.0' })]);

      await helm(cluster, ['uninstall', 'demo', '--namespace', 'team-a']);
      expect((await core.listNamespacedSecret({ namespace: 'team-a', labelSelector: 'owner=helm,name=demo' })).items).toEqual([]);
      await expect(core.readNamespacedConfigMap({ name: 'demo-config', namespace: 'team-a' })).rejects.toMatchObject({ code: 404 });
      expect(JSON.parse(await helm(cluster, ['list', '--namespace', 'team-a', '-o', 'json']))).toEqual([]);
    }
  });

  it('installs the other sample charts with their defaults', async () => {
    const cluster = fleet.clusters[0]!;
    const env = helmEnv(fleet);
    for (const chart of ['web-app', 'crd-operator', 'namespaced-app'] as const) {
      await runCommand(toolPath('helm'), ['upgrade', '--install', chart, sampleChartPath(chart), '--namespace', 'samples', '--create-namespace', '--kubeconfig', cluster.kubeconfigPath], { env });
    }
    const kubectl = (args: string[]) => runCommand(toolPath('kubectl'), ['--kubeconfig', cluster.kubeconfigPath, ...args]).then((r) => r.stdout);
    expect(await kubectl(['get', 'deployment,service', 'web-app', '-n', 'samples', '-o', 'name'])).toBe('deployment.apps/web-app\nservice/web-app\n');
    expect(await kubectl(['get', 'widgets.samples.clusterext.io', 'crd-operator', '-n', 'samples', '-o', 'jsonpath={.spec.size}'])).toBe('3');
    expect(await kubectl(['get', 'role,rolebinding,serviceaccount,configmap', 'namespaced-app', '-n', 'samples', '-o', 'name'])).toBe(
      'role.rbac.authorization.k8s.io/namespaced-app\nrolebinding.rbac.authorization.k8s.io/namespaced-app\nserviceaccount/namespaced-app\nconfigmap/namespaced-app\n',
    );
  });

  it('publishes new versions, and raw index entries, into the running chart repository', async () => {
    await fleet.charts.publish(sampleChartPath('web-app'), { version: '1.0.0' });
    await fleet.charts.addRawIndexEntry({ name: 'web-app', version: '1.0.029903' });
    await fleet.charts.publish(sampleChartPath('web-app'), { version: '1.1.0' });
    const served = parse(await (await fetch(`${fleet.charts.url}/index.yaml`)).text()) as { entries: Record<string, { version: string; urls: string[] }[]> };
    expect(served.entries['web-app']!.map((e) => e.version).sort()).toEqual(['1.0.0', '1.0.029903', '1.1.0']);
    expect(served.entries['config-values']!.map((e) => e.version).sort()).toEqual(['0.1.0', '0.2.0']);
    const packaged = served.entries['web-app']!.find((e) => e.version === '1.1.0')!;
    const download = await fetch(packaged.urls[0]!);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(100);
    expect((await fetch(`${fleet.charts.url}/../../etc/passwd`)).status).toBe(404);
  });

  it('serves git over smart HTTP: pushes arrive and isomorphic-git fetches them with credentials', async () => {
    const source = mkdtempSync(join(tmpdir(), 'clusterext-test-src-'));
    const clone = mkdtempSync(join(tmpdir(), 'clusterext-test-clone-'));
    try {
      writeFileSync(join(source, 'README.md'), 'fleet\n');
      const url = await fleet.git.createRepository('fleet', source);
      expect(url).toBe(`${fleet.git.url}/fleet.git`);
      const onAuth = () => GIT_AUTH;
      await git.clone({ fs, http, dir: clone, url, ref: 'main', singleBranch: true, onAuth });
      expect(readFileSync(join(clone, 'README.md'), 'utf8')).toBe('fleet\n');

      const pushed = await fleet.git.commitAndPush('fleet', { files: { 'clusters/a.yaml': 'kind: ConnectedCluster\n', 'README.md': null }, message: 'Add cluster a' });
      expect(await fleet.git.headOf('fleet')).toBe(pushed);
      await git.fetch({ fs, http, dir: clone, url, ref: 'main', singleBranch: true, onAuth });
      expect(await git.resolveRef({ fs, dir: clone, ref: 'refs/remotes/origin/main' })).toBe(pushed);
      const { commit } = await git.readCommit({ fs, dir: clone, oid: pushed });
      expect(commit.message).toBe('Add cluster a\n');
      expect(commit.author.name).toBe('clusterext test bed');
      const files = await git.listFiles({ fs, dir: clone, ref: pushed });
      expect(files).toEqual(['clusters/a.yaml']);

      await expect(git.fetch({ fs, http, dir: clone, url, ref: 'main', onAuth: () => ({ username: GIT_AUTH.username, password: 'wrong' }) })).rejects.toMatchObject({
        code: 'HttpError',
        data: { statusCode: 401 },
      });
      const anonymous = await fetch(`${url}/info/refs?service=git-upload-pack`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
    } finally {
      rmSync(source, { recursive: true, force: true });
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('stops and restarts one apiserver; the cluster answers again with its data intact', async () => {
    const [one, two] = fleet.clusters as [LocalCluster, LocalCluster];
    await coreApi(one).createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'survivor' }, data: { kept: 'yes' } } });
    const before = one.apiserverPid();
    expect(before).toBeGreaterThan(0);

    await one.stopApiserver();
    expect(one.isApiserverRunning()).toBe(false);
    expect(isAlive(before!)).toBe(false);
    await expect(coreApi(one).readNamespacedConfigMap({ name: 'survivor', namespace: 'default' })).rejects.toThrow(/ECONNREFUSED/);
    // The other cluster (same etcd) is unaffected.
    expect((await coreApi(two).readNamespace({ name: 'default' })).metadata?.name).toBe('default');

    await one.startApiserver();
    expect(one.isApiserverRunning()).toBe(true);
    expect(one.apiserverPid()).not.toBe(before);
    const configMap = await coreApi(one).readNamespacedConfigMap({ name: 'survivor', namespace: 'default' });
    expect(configMap.data).toEqual({ kept: 'yes' });
  });

  it('ends a supervised server when the Node process that started it is killed outright', async () => {
    const { etcd } = await ensureControlPlaneBinaries({ build: !isCi() });
    const scratch = mkdtempSync(join(tmpdir(), 'clusterext-watchdog-test-'));
    try {
      const [client, peer] = [await freePort(), await freePort()];
      const args = [
        `--data-dir=${join(scratch, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=default=http://127.0.0.1:${peer}`,
      ];
      // The same spawn as startSupervisedProcess: watchdog script, stdin a pipe held by the parent.
      const parentScript = `
        const { spawn } = require('node:child_process');
        const [script, ...command] = JSON.parse(process.argv[1]);
        spawn('sh', [script, ...command], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
        setInterval(() => {}, 1000);`;
      const parent = spawn(process.execPath, ['-e', parentScript, JSON.stringify([watchdogScriptPath(), etcd, ...args])], { stdio: 'ignore' });
      const deadline = Date.now() + 30_000;
      while (!(await fetch(`http://127.0.0.1:${client}/health`).then((r) => r.ok, () => false)) && Date.now() < deadline) await sleep(200);
      expect(processesMentioning(scratch).some((p) => p.cmdline.startsWith(etcd))).toBe(true);

      parent.kill('SIGKILL');
      const gone = Date.now() + 15_000;
      while (processesMentioning(scratch).length > 0 && Date.now() < gone) await sleep(200);
      expect(processesMentioning(scratch)).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('stops without leaving a server process or its folder behind', async () => {
    serverPids = [fleet.etcd.pid(), ...fleet.clusters.flatMap((c) => [c.apiserverPid(), ...Object.values(c.workloadControllerPids())])].filter(
      (p): p is number => p !== undefined,
    );
    // etcd, and per cluster kube-apiserver, kube-controller-manager, kube-scheduler and KWOK.
    expect(serverPids).toHaveLength(9);
    expect(processesMentioning(fleet.dir).length).toBeGreaterThanOrEqual(9);
    await fleet.stop();
    expect(processesMentioning(fleet.dir)).toEqual([]);
    expect(serverPids.filter(isAlive)).toEqual([]);
    expect(existsSync(fleet.dir)).toBe(false);
    await expect(fetch(`${fleet.git.url}/fleet.git/info/refs`)).rejects.toThrow();
    await expect(fetch(`${fleet.charts.url}/index.yaml`)).rejects.toThrow();
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

function kubectlOn(cluster: LocalCluster): (args: string[], documents?: object[]) => Promise<string> {
  return async (args, documents) =>
    (await runCommand(toolPath('kubectl'), ['--kubeconfig', cluster.kubeconfigPath, ...args], documents ? { input: documents.map((d) => JSON.stringify(d)).join('\n') } : {})).stdout.trim();
}

/** Images are never pulled: KWOK runs no containers. */
function deployment(name: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] } },
    },
  };
}

function job(name: string, options: { chaos?: boolean } = {}): object {
  const labels = { app: name, ...(options.chaos ? { 'pod-container-running-failed.stage.kwok.x-k8s.io': 'true' } : {}) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'task', image: 'registry.invalid/task:1' }] } },
    },
  };
}

/** A chart like many real ones: a Deployment, and a pre-install/pre-upgrade Job (a migration). */
function writeHookedChart(root: string): string {
  const dir = join(root, 'hooked-chart');
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: hooked\nversion: 0.1.0\n');
  writeFileSync(
    join(dir, 'templates', 'deployment.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers: [{name: app, image: registry.invalid/app:1}]
`,
  );
  writeFileSync(
    join(dir, 'templates', 'migrate-job.yaml'),
    `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: registry.invalid/migrate:1}]
`,
  );
  return dir;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`The condition did not hold within ${timeoutMs} ms.`);
    await sleep(250);
  }
}
