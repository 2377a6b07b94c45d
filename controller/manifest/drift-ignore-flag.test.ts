import { describe, expect, it } from 'vitest';
import { formatDriftIgnoreRule, parseDriftIgnoreFlag } from './drift-ignore-flag.js';

function parse(...values: string[]) {
  const problems: string[] = [];
  const rules = parseDriftIgnoreFlag(values, problems);
  return { rules, problems };
}

describe('parseDriftIgnoreFlag', () => {
  it('reads a pointer alone, after KIND: and after KIND/NAME:, with * as any kind', () => {
    expect(parse('/spec/replicas', 'Deployment:/spec/replicas', 'ConfigMap/app-settings:/data/rotated', '*/web:/metadata/annotations', '*:/metadata/labels')).toEqual({
      rules: [
        { path: '/spec/replicas' },
        { path: '/spec/replicas', kind: 'Deployment' },
        { path: '/data/rotated', kind: 'ConfigMap', name: 'app-settings' },
        { path: '/metadata/annotations', name: 'web' },
        { path: '/metadata/labels' },
      ],
      problems: [],
    });
  });

  it('ends the selector at the first ":/", so a name with ":" and a pointer with ":" both parse', () => {
    expect(parse('ClusterRole/system:auth-delegator:/rules', '/metadata/annotations/example.com~1a:b').rules).toEqual([
      { path: '/rules', kind: 'ClusterRole', name: 'system:auth-delegator' },
      { path: '/metadata/annotations/example.com~1a:b' },
    ]);
  });

  it('drops a rule given twice', () => {
    expect(parse('/spec/replicas', '/spec/replicas').rules).toEqual([{ path: '/spec/replicas' }]);
  });

  it('reports every bad value, naming it, in the words validate uses for spec.driftIgnore', () => {
    const { problems } = parse('spec.replicas', 'Deployment:spec/replicas', 'deploy-ment:/spec', '/data/a~2b', ':/spec', 'Deployment/:/spec', '/');
    expect(problems).toEqual([
      '--drift-ignore "spec.replicas": path "spec.replicas" is not a JSON Pointer: it must start with "/"; did you mean "/spec/replicas"?',
      '--drift-ignore "Deployment:spec/replicas": path "spec/replicas" is not a JSON Pointer: it must start with "/"; did you mean "/spec/replicas"?',
      '--drift-ignore "deploy-ment:/spec": kind "deploy-ment" must be a Kubernetes kind such as Deployment or ConfigMap.',
      '--drift-ignore "/data/a~2b": path "/data/a~2b" has "~" not followed by 0 or 1 at character 8; write "~0" for "~" and "~1" for "/".',
      '--drift-ignore ":/spec": the selector before ":" has no kind; write [KIND[/NAME]:]POINTER, with * for any kind (e.g. "*/web:/spec").',
      '--drift-ignore "Deployment/:/spec": "Deployment/" has no name after "/"; write Deployment/NAME:/spec, or Deployment:/spec for every Deployment.',
      '--drift-ignore "/": path "/" names no field (it would cover the whole object); name one, e.g. "/spec/replicas".',
    ]);
  });

  it('refuses more rules than a manifest may hold', () => {
    const { problems } = parse(...Array.from({ length: 101 }, (_, i) => `/data/k${i}`));
    expect(problems).toEqual(['--drift-ignore gives 101 rules; an Extension may have at most 100 (cover more with a shorter path or a "*" segment).']);
  });
});

describe('formatDriftIgnoreRule', () => {
  it('writes each rule as the flag takes it, and the flag reads it back', () => {
    const rules = [{ path: '/spec/replicas' }, { path: '/spec/replicas', kind: 'Deployment' }, { path: '/rules', kind: 'ClusterRole', name: 'system:auth' }, { path: '/metadata/annotations', name: 'web' }];
    const written = rules.map(formatDriftIgnoreRule);
    expect(written).toEqual(['/spec/replicas', 'Deployment:/spec/replicas', 'ClusterRole/system:auth:/rules', '*/web:/metadata/annotations']);
    expect(parse(...written).rules).toEqual(rules);
  });
});
