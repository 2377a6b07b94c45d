import { describe, expect, it } from 'vitest';
import { loadKubeconfig, mergeKubeconfigs, parseKubeconfig, resolveKubeconfig } from './kubeconfig.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');

const TWO_CONTEXTS = `
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:6443/
    certificate-authority-data: ${CA.toString('base64')}
    tls-server-name: api.prod
- name: dev
  cluster:
    server: https://dev.example.com
    certificate-authority: certs/dev-ca.crt
    insecure-skip-tls-verify: true
users:
- name: prod-admin
  user:
    token: prod-token
- name: dev-admin
  user:
    client-certificate: certs/dev.crt
    client-key: /abs/dev.key
    token-file: dev-token
contexts:
- name: prod
  context: {cluster: prod, user: prod-admin}
- name: dev
  context: {cluster: dev, user: dev-admin}
`;

describe('loadKubeconfig', () => {
  it('reads the current context: server without trailing slash, CA data, token', () => {
    const { rest } = loadKubeconfig(TWO_CONTEXTS);
    expect(rest).toEqual({ contextName: 'prod', server: 'https://prod.example.com:6443', ca: CA, tlsServerName: 'api.prod', token: 'prod-token', insecureSkipTLSVerify: false });
  });

  it('reads a named context, anchoring relative file fields at the kubeconfig folder', () => {
    const { rest } = loadKubeconfig(TWO_CONTEXTS, { context: 'dev', baseDir: '/etc/kube' });
    expect(rest).toEqual({
      contextName: 'dev',
      server: 'https://dev.example.com',
      caFile: '/etc/kube/certs/dev-ca.crt',
      certFile: '/etc/kube/certs/dev.crt',
      keyFile: '/abs/dev.key',
      tokenFile: '/etc/kube/dev-token',
      insecureSkipTLSVerify: true,
    });
  });

  it('reads client certificate and key data, and basic auth', () => {
    const text = JSON.stringify({
      'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: 'https://k' } }],
      users: [{ name: 'u', user: { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64'), username: 'admin', password: 'pw' } }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    });
    const { rest } = loadKubeconfig(text);
    expect(rest.cert?.toString()).toBe('CERT');
    expect(rest.key?.toString()).toBe('KEY');
    expect([rest.username, rest.password]).toEqual(['admin', 'pw']);
    expect(rest.delegate).toBeUndefined();
  });

  it('gives a kubeconfig holding only the chosen context, current, with absolute paths', () => {
    const { text } = loadKubeconfig(TWO_CONTEXTS, { context: 'dev', baseDir: '/etc/kube' });
    const again = loadKubeconfig(text);
    expect(again.rest).toEqual(loadKubeconfig(TWO_CONTEXTS, { context: 'dev', baseDir: '/etc/kube' }).rest);
    expect(text).not.toContain('prod');
  });

  it('marks exec and auth-provider users and proxies for @kubernetes/client-node, keeping the exec entry as written', () => {
    const exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'prod'] };
    const withUser = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}) =>
      JSON.stringify({ 'current-context': 'c', clusters: [{ name: 'k', cluster: { server: 'https://k', ...cluster } }], users: [{ name: 'u', user }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }] });
    const eks = loadKubeconfig(withUser({ exec }));
    expect(eks.rest.delegate).toEqual({ reason: 'exec', kubeconfig: eks.text, context: 'c' });
    expect(loadKubeconfig(eks.text).rest.delegate?.reason).toBe('exec');
    expect(eks.text).toContain('get-token');
    expect(loadKubeconfig(withUser({ 'auth-provider': { name: 'gcp' } })).rest.delegate?.reason).toBe('auth-provider');
    expect(loadKubeconfig(withUser({ token: 't' }, { 'proxy-url': 'http://proxy:3128' })).rest.delegate?.reason).toBe('proxy-url');
    expect(loadKubeconfig(withUser({ token: 't' })).rest.delegate).toBeUndefined();
  });

  it('names what is missing, without quoting credentials', () => {
    const attempt = (text: string, context?: string) => {
      try {
        loadKubeconfig(text, context !== undefined ? { context } : {});
      } catch (err) {
        return { code: (err as { code: string }).code, message: (err as Error).message };
      }
      throw new Error('expected an error');
    };
    expect(attempt(TWO_CONTEXTS.replace('current-context: prod', '')).message).toMatch(/no current-context/);
    expect(attempt(TWO_CONTEXTS, 'staging').message).toBe('The kubeconfig has no context "staging"; name one of its contexts ("prod", "dev").');
    expect(attempt(TWO_CONTEXTS.replace('context: {cluster: prod, user: prod-admin}', 'context: {cluster: gone, user: prod-admin}')).message).toMatch(/no cluster "gone", which context "prod" names/);
    expect(attempt(TWO_CONTEXTS.replace('server: https://prod.example.com:6443/', 'insecure-skip-tls-verify: false')).message).toBe('Cluster "prod" of the kubeconfig has no server; set its server URL.');
    expect(attempt(TWO_CONTEXTS.replace('{cluster: prod, user: prod-admin}', '{cluster: prod, user: nobody}')).message).toMatch(/no user "nobody"/);
    expect(attempt(TWO_CONTEXTS.replace('token: prod-token', 'token: [prod-token')).message).not.toContain('prod-token');
    expect(attempt('- just\n- a list\n').code).toBe('KubeconfigInvalid');
    expect(attempt('').message).toMatch(/no current-context/);
  });
});

describe('mergeKubeconfigs', () => {
  it('merges as kubectl does: the first current-context and the first entry of each name win', () => {
    const first = parseKubeconfig(
      JSON.stringify({ clusters: [{ name: 'k', cluster: { server: 'https://first' } }], users: [{ name: 'u', user: { 'token-file': 't' } }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }] }),
      { baseDir: '/one' },
    );
    const second = parseKubeconfig(
      JSON.stringify({ 'current-context': 'c', clusters: [{ name: 'k', cluster: { server: 'https://second' } }, { name: 'other', cluster: { server: 'https://other' } }], users: [{ name: 'u', user: { token: 'second' } }], contexts: [{ name: 'o', context: { cluster: 'other' } }] }),
      { baseDir: '/two' },
    );
    const third = parseKubeconfig(JSON.stringify({ 'current-context': 'o' }));
    const merged = mergeKubeconfigs([first, second, third]);
    expect(merged.currentContext).toBe('c');
    expect(resolveKubeconfig(merged).rest).toEqual({ contextName: 'c', server: 'https://first', tokenFile: '/one/t', insecureSkipTLSVerify: false });
    expect(resolveKubeconfig(merged, { context: 'o' }).rest).toEqual({ contextName: 'o', server: 'https://other', insecureSkipTLSVerify: false });
  });
});
