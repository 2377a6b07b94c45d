import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalFleet } from '../controller/local/local-fleet.js';
import { projectRoot } from '../controller/local/project-root.js';
import { runCommand } from '../controller/local/run-command.js';
import { toolPath } from '../controller/local/tool-path.js';
import { buildProgram } from '../controller/cli/program.js';
import { parseDuration } from '../controller/runtime/duration.js';
import { startTestFleet } from './support/test-fleet.js';

/** manifests/ is what operators apply: it must apply cleanly and pass only flags the controller knows. */
describe('manifests/ (kubectl apply -k)', () => {
  let fleet: LocalFleet;

  beforeAll(async () => {
    fleet = await startTestFleet({ clusters: 1 });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('applies to a real API server with server-side apply', async () => {
    const kubectl = toolPath('kubectl');
    const kubeconfig = fleet.clusters[0]!.kubeconfigPath;
    const applied = await runCommand(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-k', join(projectRoot(), 'manifests')]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    for (const line of ['customresourcedefinition.apiextensions.k8s.io/extensions.clusterext.io serverside-applied', 'deployment.apps/clusterext-controller serverside-applied', 'role.rbac.authorization.k8s.io/clusterext-controller serverside-applied']) {
      expect(applied.stdout).toContain(line);
    }
    const canI = async (...args: string[]) =>
      (await runCommand(kubectl, ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args, '--as', 'system:serviceaccount:clusterext-system:clusterext-controller'], { allowFailure: true })).stdout.trim();
    expect(await canI('-n', 'clusterext-system', 'create', 'extensions.clusterext.io')).toBe('yes');
    // The controller applies its own namespace at start (start-controller.ts): patch, and create when missing.
    for (const verb of ['get', 'create', 'patch']) expect(await canI(verb, 'namespaces/clusterext-system'), verb).toBe('yes');
    // Hub mode deletes no namespace in the cluster it runs in: release namespaces live on managed clusters.
    expect(await canI('delete', 'namespaces/anything')).toBe('no');
  });

  it('lets an agent (agent-cluster-admin.yaml) create and delete the namespaces of its releases', async () => {
    const kubectl = toolPath('kubectl');
    const kubeconfig = fleet.clusters[0]!.kubeconfigPath;
    await runCommand(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', join(projectRoot(), 'manifests', 'rbac', 'agent-cluster-admin.yaml')]);
    try {
      for (const verb of ['get', 'create', 'delete']) {
        const answer = await runCommand(kubectl, ['--kubeconfig', kubeconfig, 'auth', 'can-i', verb, 'namespaces', '--as', 'system:serviceaccount:clusterext-system:clusterext-controller'], { allowFailure: true });
        expect(answer.stdout.trim(), verb).toBe('yes');
      }
    } finally {
      await runCommand(kubectl, ['--kubeconfig', kubeconfig, 'delete', '-f', join(projectRoot(), 'manifests', 'rbac', 'agent-cluster-admin.yaml')]);
    }
  });

  it("passes the controller only flags that 'clusterext controller' accepts", () => {
    const deployment = parse(readFileSync(join(projectRoot(), 'manifests', 'controller', 'deployment.yaml'), 'utf8')) as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const args = deployment.spec.template.spec.containers[0]!.args;
    expect(args[0]).toBe('controller');
    const command = buildProgram().commands.find((c) => c.name() === 'controller')!;
    const known = new Set(command.options.map((o) => o.long));
    for (const arg of args.slice(1)) expect(known, `${arg} is not a flag of 'clusterext controller'`).toContain(arg.split('=')[0]);
  });

  it('gives the pod time for the whole drain: drain timeout, cancelled helm calls, giving up the Lease', () => {
    const deployment = parse(readFileSync(join(projectRoot(), 'manifests', 'controller', 'deployment.yaml'), 'utf8')) as {
      spec: { template: { spec: { terminationGracePeriodSeconds?: number; containers: { args: string[] }[] } } };
    };
    const pod = deployment.spec.template.spec;
    const drain = pod.containers[0]!.args.find((a) => a.startsWith('--drain-timeout='));
    const command = buildProgram().commands.find((c) => c.name() === 'controller')!;
    const drainMs = parseDuration(drain ? drain.split('=')[1]! : (command.options.find((o) => o.long === '--drain-timeout')!.defaultValue as string), 'drain');
    // 10 s for cancelled helm calls to record their release failed, and a margin to give up the Lease.
    expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThanOrEqual(drainMs + 15_000);
  });
});
