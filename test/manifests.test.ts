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
    const sa = await runCommand(kubectl, ['--kubeconfig', kubeconfig, '-n', 'clusterext-system', 'auth', 'can-i', 'create', 'extensions.clusterext.io', '--as', 'system:serviceaccount:clusterext-system:clusterext-controller']);
    expect(sa.stdout.trim()).toBe('yes');
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
