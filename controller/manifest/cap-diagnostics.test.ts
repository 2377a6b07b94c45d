import { describe, expect, it } from 'vitest';
import { capDiagnostics } from './cap-diagnostics.js';
import { hasErrors, type Diagnostic } from './diagnostic.js';
import { validateFleetFiles } from './load-fleet.js';
import { DEFAULT_VALIDATION_LIMITS } from './validation-limits.js';

const diag = (file: string, line: number, severity: Diagnostic['severity'] = 'error'): Diagnostic => ({ severity, code: 'X', message: `problem at ${line}.`, file, line, column: 1, pointer: '' });

describe('capDiagnostics', () => {
  it('keeps the first N of each file and says how many more there are in that file, where the first cut one was', () => {
    const input = [...Array.from({ length: 5 }, (_, i) => diag('a.yaml', i + 1)), diag('b.yaml', 1)];
    const out = capDiagnostics(input, { maxDiagnosticsPerFile: 2, maxDiagnostics: 100 });
    expect(out.map((d) => [d.file, d.line, d.code])).toEqual([
      ['a.yaml', 1, 'X'],
      ['a.yaml', 2, 'X'],
      ['a.yaml', 3, 'MoreDiagnostics'],
      ['b.yaml', 1, 'X'],
    ]);
    expect(out[2]!.message).toBe('3 more diagnostics (3 errors) in "a.yaml" from here on are not shown (--max-diagnostics-per-file). Fix the ones above and run again.');
    expect(out[2]!.severity).toBe('error');
  });

  it('stops at the total and counts the rest of all files in one line', () => {
    const input = ['a', 'b', 'c', 'd'].flatMap((f) => [diag(`${f}.yaml`, 1), diag(`${f}.yaml`, 2)]);
    const out = capDiagnostics(input, { maxDiagnosticsPerFile: 10, maxDiagnostics: 3 });
    expect(out.map((d) => [d.file, d.line, d.code])).toEqual([
      ['a.yaml', 1, 'X'],
      ['a.yaml', 2, 'X'],
      ['b.yaml', 1, 'X'],
      ['b.yaml', 2, 'MoreDiagnostics'],
    ]);
    expect(out[3]!.message).toBe('5 more diagnostics (5 errors) in 3 more files, from "b.yaml" on, are not shown: 3 in all are (--max-diagnostics). Fix the ones above and run again.');
  });

  it('is a warning when only warnings were cut, so errors stay errors and warnings stay warnings', () => {
    const out = capDiagnostics([diag('a.yaml', 1), diag('a.yaml', 2, 'warning'), diag('a.yaml', 3, 'warning')], { maxDiagnosticsPerFile: 1, maxDiagnostics: 100 });
    expect(out.at(-1)).toMatchObject({ code: 'MoreDiagnostics', severity: 'warning' });
    expect(hasErrors(capDiagnostics([diag('a.yaml', 1, 'warning'), diag('a.yaml', 2)], { maxDiagnosticsPerFile: 1, maxDiagnostics: 100 }))).toBe(true);
  });

  it('leaves a list within the limits as it is', () => {
    const input = [diag('a.yaml', 1), diag('b.yaml', 1)];
    expect(capDiagnostics(input, { maxDiagnosticsPerFile: 1, maxDiagnostics: 2 })).toEqual(input);
  });
});

describe('validation caps the diagnostics of a file (default 100 per file)', () => {
  it('shows 100 of a file with 10,000 broken documents, then one line with the count', () => {
    const { fleet, diagnostics } = validateFleetFiles([{ path: 'many.yaml', content: '--- { kind: Nope }\n'.repeat(10_000) }]);
    expect(fleet).toBeUndefined();
    expect(diagnostics).toHaveLength(DEFAULT_VALIDATION_LIMITS.maxDiagnosticsPerFile + 1);
    expect(diagnostics.at(-1)).toMatchObject({ code: 'MoreDiagnostics', file: 'many.yaml', severity: 'error' });
    expect(diagnostics.at(-1)!.message).toMatch(/^\d+ more diagnostics \(\d+ errors\) in "many.yaml" from here on are not shown/);
    const all = validateFleetFiles([{ path: 'many.yaml', content: '--- { kind: Nope }\n'.repeat(10_000) }], { limits: { ...DEFAULT_VALIDATION_LIMITS, maxDiagnosticsPerFile: 1e9, maxDiagnostics: 1e9 } });
    expect(all.diagnostics.length).toBeGreaterThan(10_000);
    expect(diagnostics.at(-1)!.message.startsWith(`${all.diagnostics.length - 100} more`)).toBe(true);
  });
});
