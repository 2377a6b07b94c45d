import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { TestBedBinaries } from './control-plane-binaries.js';
import { probe } from './local-endpoint.js';
import { logTail } from './log-tail.js';
import { startSupervisedProcess, type SupervisedProcess } from './supervised-process.js';

/** A simulated node: a Node object that KWOK keeps Ready and whose pods it "runs" without containers. */
export interface SimulatedNode {
  name: string;
  /** The `kubernetes.io/arch` label, e.g. amd64 or arm64. */
  architecture: string;
  /** The `kubernetes.io/os` label, e.g. linux. */
  os: string;
}

/** The processes that act on a cluster's objects, next to its kube-apiserver. */
export type WorkloadController = 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export const WORKLOAD_CONTROLLERS: readonly WorkloadController[] = ['kube-controller-manager', 'kube-scheduler', 'kwok'];

/** One node per cluster unless the caller asks otherwise: enough to schedule every pod. */
export function defaultSimulatedNodes(clusterName: string): SimulatedNode[] {
  return [{ name: `${clusterName}-node-1`, architecture: 'amd64', os: 'linux' }];
}

export function workloadControllerLogFiles(logsDir: string, clusterName: string): Record<WorkloadController, string> {
  return Object.fromEntries(WORKLOAD_CONTROLLERS.map((name) => [name, join(logsDir, `${clusterName}-${name}.log`)])) as Record<WorkloadController, string>;
}

export interface WorkloadControllersSetup {
  clusterName: string;
  /** The cluster's own folder (holds sa.key and the admin kubeconfig). */
  home: string;
  logsDir: string;
  server: string;
  caPem: string;
  /** The apiserver's serving certificate, also the root CA that pods are given. */
  caFile: string;
  token: string;
  kubeconfigPath: string;
  serviceAccountKeyFile: string;
  binaries: Pick<TestBedBinaries, 'kubeControllerManager' | 'kubeScheduler' | 'kwok' | 'kwokStages'>;
  nodes: readonly SimulatedNode[];
  readyTimeoutMs: number;
}

export interface WorkloadControllers {
  /** The server pid of each process while it runs. */
  pids(): Record<WorkloadController, number | undefined>;
  /** Stops all three; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts kube-controller-manager, kube-scheduler and KWOK for one cluster, registers its simulated
 * nodes and resolves once the cluster can run workloads: every node is Ready (KWOK's heartbeat
 * works) and the `default` ServiceAccount exists (the controller-manager works; pods cannot be
 * created before it). The scheduler is needed because KWOK only drives pods that have a node.
 *
 * None of them serves a port (`--secure-port=0`, no KWOK server address), so clusters started in
 * parallel never race for ports, and none gets delegated authentication flags (they only produce
 * endless "not found" errors against this apiserver).
 */
export async function startWorkloadControllers(setup: WorkloadControllersSetup): Promise<WorkloadControllers> {
  const flexVolumeDir = join(setup.home, 'flexvolume');
  mkdirSync(flexVolumeDir, { recursive: true });
  const logFiles = workloadControllerLogFiles(setup.logsDir, setup.clusterName);
  const commands: Record<WorkloadController, { command: string; args: string[] }> = {
    'kube-controller-manager': {
      command: setup.binaries.kubeControllerManager,
      args: [
        `--kubeconfig=${setup.kubeconfigPath}`,
        `--cluster-name=${setup.clusterName}`,
        `--service-account-private-key-file=${setup.serviceAccountKeyFile}`,
        `--root-ca-file=${setup.caFile}`,
        // Each controller gets its own service account and RBAC role, as in a real cluster.
        '--use-service-account-credentials=true',
        // Else it creates /usr/libexec/kubernetes/kubelet-plugins/volume/exec.
        `--flex-volume-plugin-dir=${flexVolumeDir}`,
        '--leader-elect=false',
        '--secure-port=0',
      ],
    },
    'kube-scheduler': {
      command: setup.binaries.kubeScheduler,
      args: [`--kubeconfig=${setup.kubeconfigPath}`, '--leader-elect=false', '--secure-port=0'],
    },
    kwok: {
      command: setup.binaries.kwok,
      args: [
        `--kubeconfig=${setup.kubeconfigPath}`,
        `--config=${setup.binaries.kwokStages}`,
        '--manage-all-nodes=true',
        // Without a lease the node controller marks the nodes NotReady after about 50 s.
        '--node-lease-duration-seconds=40',
      ],
    },
  };
  const processes = new Map<WorkloadController, SupervisedProcess>();
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= Promise.all([...processes.values()].map((p) => p.stop())).then(() => undefined));
  try {
    for (const name of WORKLOAD_CONTROLLERS) {
      processes.set(name, startSupervisedProcess({ ...commands[name], logFile: logFiles[name] }));
    }
    for (const node of setup.nodes) await registerNode(setup, node);
    const deadline = Date.now() + setup.readyTimeoutMs;
    const waiting = new Set<string>(['the default ServiceAccount', ...setup.nodes.map((n) => `node "${n.name}" Ready`)]);
    while (waiting.size > 0) {
      const exited = WORKLOAD_CONTROLLERS.find((name) => processes.get(name)!.hasExited());
      if (exited) throw startFailure(setup.clusterName, exited, logFiles[exited]);
      if (Date.now() > deadline) {
        throw new ClusterextError(
          'ControlPlaneStartFailed',
          `The test bed's cluster "${setup.clusterName}" cannot run workloads yet after ${Math.round(setup.readyTimeoutMs / 1000)} s: still waiting for ${[...waiting].join(', ')}; see the logs in "${setup.logsDir}".`,
          { cluster: setup.clusterName, logsDir: setup.logsDir },
        );
      }
      if (waiting.has('the default ServiceAccount') && (await get(setup, '/api/v1/namespaces/default/serviceaccounts/default'))) waiting.delete('the default ServiceAccount');
      for (const node of setup.nodes) {
        const key = `node "${node.name}" Ready`;
        if (waiting.has(key) && isReadyNode(await get(setup, `/api/v1/nodes/${node.name}`))) waiting.delete(key);
      }
      if (waiting.size > 0) await sleep(200);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pids: () => Object.fromEntries(WORKLOAD_CONTROLLERS.map((name) => [name, processes.get(name)?.serverPid()])) as Record<WorkloadController, number | undefined>,
    stop,
  };
}

/** The Node a kubelet would register, labelled like one; KWOK fills in its status (capacity, Ready). */
export function simulatedNodeObject(node: SimulatedNode): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: { 'kubernetes.io/arch': node.architecture, 'kubernetes.io/os': node.os, 'kubernetes.io/hostname': node.name, type: 'kwok' },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
  };
}

async function registerNode(setup: WorkloadControllersSetup, node: SimulatedNode): Promise<void> {
  const answer = await probe(`${setup.server}/api/v1/nodes`, { method: 'POST', body: simulatedNodeObject(node), ca: setup.caPem, token: setup.token, timeoutMs: 10_000 });
  if (answer?.status === 201 || answer?.status === 409) return;
  throw new ClusterextError('ControlPlaneStartFailed', `Registering the simulated node "${node.name}" on the test bed's cluster "${setup.clusterName}" failed (${answer ? `HTTP ${answer.status}: ${answer.body.slice(0, 300)}` : 'no answer'}).`, {
    cluster: setup.clusterName,
    node: node.name,
  });
}

async function get(setup: WorkloadControllersSetup, path: string): Promise<unknown> {
  const answer = await probe(`${setup.server}${path}`, { ca: setup.caPem, token: setup.token });
  return answer?.status === 200 ? (JSON.parse(answer.body) as unknown) : undefined;
}

function isReadyNode(node: unknown): boolean {
  const conditions = (node as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function startFailure(cluster: string, what: WorkloadController, logFile: string): ClusterextError {
  return new ClusterextError('ControlPlaneStartFailed', `The test bed's ${what} of "${cluster}" exited during start-up; its log "${logFile}" ends with:\n${logTail(logFile)}`, { cluster, logFile });
}
