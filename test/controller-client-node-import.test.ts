import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../controller/local/project-root.js';

const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');

/**
 * A module-loader hook that fails any import resolving into @kubernetes/client-node, so a process
 * that loads it (statically or by a dynamic import) fails with this message.
 */
const FORBID_CLIENT_NODE = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.includes('/node_modules/@kubernetes/client-node/')) throw new Error('CLIENT-NODE-IMPORTED by ' + context.parentURL);
  return result;
}\`));
`;

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', join(dir, 'forbid.mjs'), cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function kubeconfig(server: string, user: Record<string, unknown>): string {
  return JSON.stringify({
    'current-context': 'hub',
    clusters: [{ name: 'hub', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'hub', user }],
    contexts: [{ name: 'hub', context: { cluster: 'hub', user: 'hub' } }],
  });
}

let dir: string;
let server: string;

/**
 * The controller command with a token or certificate kubeconfig must not load
 * @kubernetes/client-node (about 80 MiB of the process); exec users still get it.
 */
describe('clusterext controller and @kubernetes/client-node', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'client-node-import-'));
    writeFileSync(join(dir, 'forbid.mjs'), FORBID_CLIENT_NODE);
    // A port nothing listens on: the controller's first request fails, after the kubeconfig is loaded.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    server = `https://127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const args = (file: string) => ['controller', '--kubeconfig', file, '--no-install-crds', '--cache-dir', join(dir, 'cache'), '--log-level', 'error'];

  it('does not load it for a token kubeconfig, up to the first API request', async () => {
    writeFileSync(join(dir, 'token.yaml'), kubeconfig(server, { token: 'a-token' }));
    const { code, stderr } = await run(args(join(dir, 'token.yaml')));
    expect(stderr).not.toContain('CLIENT-NODE-IMPORTED');
    expect(stderr).toContain('is unreachable');
    expect(code).toBe(1);
  });

  it('loads it for an exec user (so the hook above does catch the import)', async () => {
    writeFileSync(join(dir, 'exec.yaml'), kubeconfig(server, { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'true' } }));
    const { stderr } = await run(args(join(dir, 'exec.yaml')));
    expect(stderr).toContain('CLIENT-NODE-IMPORTED by file://');
    expect(stderr).toContain('kube-rest.js');
  });
});
