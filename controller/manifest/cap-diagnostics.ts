import type { Diagnostic } from './diagnostic.js';
import type { ValidationLimits } from './validation-limits.js';

/**
 * The diagnostics to show, at most `maxDiagnosticsPerFile` of one file and `maxDiagnostics` in
 * all, in their order (sorted: file by file). What is cut becomes one `MoreDiagnostics` line per
 * file ("N more diagnostics in FILE"), and one line for the files past the total, placed where
 * the first diagnostic cut was. The line is an error when anything cut was one, so a capped list
 * has errors exactly when the whole list had.
 */
/**
 * Limits under which capDiagnostics cuts nothing: for a caller that caps a longer list later, once
 * (plan caps validation's diagnostics together with its own).
 */
export const UNCAPPED_DIAGNOSTICS: Pick<ValidationLimits, 'maxDiagnosticsPerFile' | 'maxDiagnostics'> = { maxDiagnosticsPerFile: Infinity, maxDiagnostics: Infinity };

export function capDiagnostics(sorted: readonly Diagnostic[], limits: Pick<ValidationLimits, 'maxDiagnosticsPerFile' | 'maxDiagnostics'>): Diagnostic[] {
  const out: Diagnostic[] = [];
  let shown = 0;
  let cut: Cut | undefined;
  let pastTotal: (Cut & { files: Set<string> }) | undefined;
  let fileShown = 0;
  for (let i = 0; i < sorted.length; i++) {
    const d = sorted[i]!;
    if (i > 0 && sorted[i - 1]!.file !== d.file) {
      if (cut) out.push(moreInFile(cut));
      cut = undefined;
      fileShown = 0;
    }
    if (shown >= limits.maxDiagnostics) {
      pastTotal ??= { first: d, count: 0, errors: 0, files: new Set() };
      pastTotal.files.add(d.file);
      count(pastTotal, d);
    } else if (fileShown >= limits.maxDiagnosticsPerFile) {
      cut ??= { first: d, count: 0, errors: 0 };
      count(cut, d);
    } else {
      out.push(d);
      shown++;
      fileShown++;
    }
  }
  if (cut) out.push(moreInFile(cut));
  if (pastTotal) {
    const files = pastTotal.files.size;
    out.push({
      ...summaryOf(pastTotal),
      message: `${plural(pastTotal.count, 'more diagnostic')} (${plural(pastTotal.errors, 'error')}) in ${plural(files, 'more file')}, from "${pastTotal.first.file}" on, are not shown: ${limits.maxDiagnostics} in all are (--max-diagnostics). Fix the ones above and run again.`,
    });
  }
  return out;
}

interface Cut {
  /** The first diagnostic cut: where the summary line points. */
  first: Diagnostic;
  count: number;
  errors: number;
}

function count(cut: Cut, d: Diagnostic): void {
  cut.count++;
  if (d.severity === 'error') cut.errors++;
}

function moreInFile(cut: Cut): Diagnostic {
  return {
    ...summaryOf(cut),
    message: `${plural(cut.count, 'more diagnostic')} (${plural(cut.errors, 'error')}) in "${cut.first.file}" from here on are not shown (--max-diagnostics-per-file). Fix the ones above and run again.`,
  };
}

function summaryOf(cut: Cut): Omit<Diagnostic, 'message'> {
  const { file, line, column } = cut.first;
  return { severity: cut.errors > 0 ? 'error' : 'warning', code: 'MoreDiagnostics', file, line, column, pointer: '' };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
