import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../manifest/diagnostic.js';
import { renderDiagnostics } from './diagnostics.js';

const ERROR: Diagnostic = {
  severity: 'error',
  code: 'InvalidSemver',
  message: 'spec.version "1.0.029903" is not a strict SemVer 2.0.0 version: patch "029903" has a leading zero; did you mean 1.0.29903?',
  file: 'extensions/dev.yaml',
  line: 11,
  column: 12,
  pointer: '/spec/version',
};
const WARNING: Diagnostic = {
  severity: 'warning',
  code: 'NoKubeconfigSecretRef',
  message: 'ConnectedCluster "edge" has no kubeconfigSecretRef, so only an agent running in that cluster (--cluster-name edge) can reconcile it.',
  file: 'clusters.yaml',
  line: 4,
  column: 1,
  pointer: '/spec',
};
const TRICKY: Diagnostic = { ...ERROR, code: 'UnknownField', message: 'a | b, c: 100%\nnext line', file: 'a,b:c.yaml' };

describe('renderDiagnostics', () => {
  it('json: valid flag and every field, paths as given (relative to the fleet)', () => {
    const out = JSON.parse(renderDiagnostics([ERROR, WARNING], 'json', { pathPrefix: 'samples/' }));
    expect(out).toEqual({ valid: false, diagnostics: [ERROR, WARNING] });
    expect(Object.keys(out.diagnostics[0])).toEqual(['severity', 'code', 'message', 'file', 'line', 'column', 'pointer']);
    expect(JSON.parse(renderDiagnostics([WARNING], 'json'))).toEqual({ valid: true, diagnostics: [WARNING] });
  });

  it('github: one workflow command per diagnostic, escaped', () => {
    expect(renderDiagnostics([ERROR, WARNING], 'github', { pathPrefix: 'fleet/' })).toBe(
      `::error file=fleet/extensions/dev.yaml,line=11,col=12,title=InvalidSemver::${ERROR.message}\n` +
        `::warning file=fleet/clusters.yaml,line=4,col=1,title=NoKubeconfigSecretRef::${WARNING.message}\n`,
    );
    expect(renderDiagnostics([TRICKY], 'github')).toBe('::error file=a%2Cb%3Ac.yaml,line=11,col=12,title=UnknownField::a | b, c: 100%25%0Anext line\n');
  });

  it('human: location, severity, message and code, then a summary; colour only when asked', () => {
    const out = renderDiagnostics([ERROR, WARNING], 'human', { pathPrefix: 'fleet/' });
    expect(out).toBe(
      `fleet/extensions/dev.yaml:11:12  error    ${ERROR.message}  InvalidSemver\n` +
        `fleet/clusters.yaml:4:1  warning  ${WARNING.message}  NoKubeconfigSecretRef\n` +
        '\n✗ Invalid: 1 error and 1 warning in 2 files.\n',
    );
    expect(out).not.toContain('\u001b[');
    expect(renderDiagnostics([ERROR], 'human', { color: true })).toContain('\u001b[31merror  \u001b[0m');
  });

  it('human: says so in words when there is nothing to report', () => {
    expect(renderDiagnostics([], 'human')).toBe('✓ Valid: no problems found.\n');
    expect(renderDiagnostics([WARNING], 'human')).toMatch(/\n\n✓ Valid: no errors, 1 warning\.\n$/);
  });

  it('markdown: a heading with counts and a table that survives pipes and newlines', () => {
    expect(renderDiagnostics([TRICKY, WARNING], 'markdown')).toBe(
      [
        '### ❌ clusterext validate: 1 error, 1 warning',
        '',
        '| Severity | Code | Location | Message |',
        '| --- | --- | --- | --- |',
        '| ❌ error | `UnknownField` | `a,b:c.yaml:11:12` | a \\| b, c: 100%\\\\nnext line |',
        `| ⚠️ warning | \`NoKubeconfigSecretRef\` | \`clusters.yaml:4:1\` | ${WARNING.message} |`,
        '',
      ].join('\n'),
    );
    expect(renderDiagnostics([], 'markdown')).toBe('### ✅ clusterext validate: the manifests are valid\n');
  });
});
