import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDefaultKubeconfig, loadKubeconfigFile } from './load-kubeconfig-file.js';

function kubeconfig(name: string, user: Record<string, unknown>, currentContext?: string): string {
  return JSON.stringify({
    ...(currentContext ? { 'current-context': currentContext } : {}),
    clusters: [{ name, cluster: { server: `https://${name}`, 'certificate-authority': 'ca.crt' } }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
  });
}

describe('loadKubeconfigFile and loadDefaultKubeconfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('anchors relative paths at the file folder', () => {
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'config'), kubeconfig('a', { 'token-file': 'token' }, 'a'));
    expect(loadKubeconfigFile(join(dir, 'a', 'config')).rest).toMatchObject({ caFile: join(dir, 'a', 'ca.crt'), tokenFile: join(dir, 'a', 'token') });
  });

  it('merges the files of KUBECONFIG, first wins, skipping missing files', () => {
    writeFileSync(join(dir, 'one'), kubeconfig('one', { token: '1' }));
    writeFileSync(join(dir, 'two'), kubeconfig('two', { token: '2' }, 'two'));
    const env = { KUBECONFIG: [join(dir, 'missing'), join(dir, 'one'), join(dir, 'two')].join(delimiter) };
    expect(loadDefaultKubeconfig({ env, homeDir: dir }).rest).toMatchObject({ contextName: 'two', token: '2' });
    expect(loadDefaultKubeconfig({ env, homeDir: dir, context: 'one' }).rest).toMatchObject({ contextName: 'one', token: '1', caFile: join(dir, 'ca.crt') });
  });

  it('falls back to ~/.kube/config, then to the service account, then says what it looked for', () => {
    const serviceAccountDir = join(dir, 'sa');
    mkdirSync(serviceAccountDir);
    writeFileSync(join(serviceAccountDir, 'token'), 'sa-token');
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    const inCluster = loadDefaultKubeconfig({ env, homeDir: dir, serviceAccountDir });
    expect(inCluster.rest).toEqual({ contextName: 'in-cluster', server: 'https://[fd00::1]:443', caFile: join(serviceAccountDir, 'ca.crt'), tokenFile: join(serviceAccountDir, 'token'), insecureSkipTLSVerify: false });
    expect(inCluster.text).not.toContain('sa-token');

    mkdirSync(join(dir, '.kube'));
    writeFileSync(join(dir, '.kube', 'config'), kubeconfig('home', { token: 'h' }, 'home'));
    expect(loadDefaultKubeconfig({ env, homeDir: dir, serviceAccountDir }).rest.contextName).toBe('home');

    expect(() => loadDefaultKubeconfig({ env: {}, homeDir: join(dir, 'nowhere'), serviceAccountDir })).toThrow(/No kubeconfig found/);
    expect(() => loadDefaultKubeconfig({ env: { KUBECONFIG: join(dir, 'missing') }, homeDir: dir })).toThrow(/None of the files in KUBECONFIG exists/);
  });
});
