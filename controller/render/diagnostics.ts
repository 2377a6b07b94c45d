import { hasErrors, type Diagnostic } from '../manifest/diagnostic.js';
import { githubData, githubProperty, guardCommandLines, markdownCode, markdownText, terminalText } from './escape-output.js';

export type DiagnosticFormat = 'human' | 'json' | 'github' | 'markdown';
export const DIAGNOSTIC_FORMATS: readonly DiagnosticFormat[] = ['human', 'json', 'github', 'markdown'];

export interface RenderDiagnosticsOptions {
  /** ANSI colours in the human form; the caller decides (a TTY and no NO_COLOR). */
  color?: boolean;
  /**
   * Prepended to `file` in the human, github and markdown forms, so paths are clickable from where
   * the command ran (`samples/fleet/` + `types.yaml`). The json form keeps paths relative to the fleet.
   */
  pathPrefix?: string;
}

/** Formats diagnostics for people, machines, GitHub annotations or a PR comment. Pure. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], format: DiagnosticFormat, options: RenderDiagnosticsOptions = {}): string {
  switch (format) {
    case 'json':
      return renderJson(diagnostics);
    case 'github':
      return renderGithub(diagnostics, options.pathPrefix ?? '');
    case 'markdown':
      return renderMarkdown(diagnostics, options.pathPrefix ?? '');
    case 'human':
      return renderHuman(diagnostics, options);
  }
}

function renderJson(diagnostics: readonly Diagnostic[]): string {
  const out = {
    valid: !hasErrors(diagnostics),
    diagnostics: diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, file: d.file, line: d.line, column: d.column, pointer: d.pointer })),
  };
  return JSON.stringify(out, null, 2) + '\n';
}

function counts(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number; files: number } {
  return {
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    files: new Set(diagnostics.map((d) => d.file)).size,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const ANSI = { red: '\u001b[31m', yellow: '\u001b[33m', green: '\u001b[32m', dim: '\u001b[2m', bold: '\u001b[1m', reset: '\u001b[0m' };

function renderHuman(diagnostics: readonly Diagnostic[], options: RenderDiagnosticsOptions): string {
  const paint = (code: keyof typeof ANSI, text: string) => (options.color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const prefix = options.pathPrefix ?? '';
  const lines = diagnostics.map((d) => {
    const severity = d.severity === 'error' ? paint('red', 'error  ') : paint('yellow', 'warning');
    return `${paint('bold', `${terminalText(prefix + d.file)}:${d.line}:${d.column}`)}  ${severity}  ${terminalText(d.message)}  ${paint('dim', terminalText(d.code))}`;
  });
  const { errors, warnings, files } = counts(diagnostics);
  if (errors === 0) {
    const note = warnings === 0 ? 'no problems found' : `no errors, ${plural(warnings, 'warning')}`;
    lines.push(`${lines.length ? '\n' : ''}${paint('green', '✓')} Valid: ${note}.`);
  } else {
    const warningNote = warnings ? ` and ${plural(warnings, 'warning')}` : '';
    lines.push(`\n${paint('red', '✗')} Invalid: ${plural(errors, 'error')}${warningNote} in ${plural(files, 'file')}.`);
  }
  return guardCommandLines(lines.join('\n') + '\n');
}

function renderGithub(diagnostics: readonly Diagnostic[], prefix: string): string {
  return diagnostics
    .map((d) => {
      const command = d.severity === 'error' ? 'error' : 'warning';
      const props = `file=${githubProperty(prefix + d.file)},line=${d.line},col=${d.column},title=${githubProperty(d.code)}`;
      return `::${command} ${props}::${githubData(d.message)}\n`;
    })
    .join('');
}

function renderMarkdown(diagnostics: readonly Diagnostic[], prefix: string): string {
  const { errors, warnings } = counts(diagnostics);
  const title =
    errors === 0
      ? `### ✅ clusterext validate: the manifests are valid${warnings ? ` (${plural(warnings, 'warning')})` : ''}`
      : `### ❌ clusterext validate: ${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''}`;
  if (diagnostics.length === 0) return `${title}\n`;
  const rows = diagnostics.map((d) => {
    const icon = d.severity === 'error' ? '❌ error' : '⚠️ warning';
    return `| ${icon} | ${markdownCode(d.code)} | ${markdownCode(`${prefix}${d.file}:${d.line}:${d.column}`)} | ${markdownText(d.message)} |`;
  });
  return [title, '', '| Severity | Code | Location | Message |', '| --- | --- | --- | --- |', ...rows, ''].join('\n');
}
