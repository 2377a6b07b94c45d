import { guardCommandLines, terminalText } from './escape-output.js';

/** A cell of a text table; `tone` colours it on a terminal (never changes its width). */
export interface TableCell {
  text: string;
  tone?: CellTone;
}

/** Good (green), bad (red), in progress or unknown (yellow), secondary (dim). */
export type CellTone = 'good' | 'bad' | 'waiting' | 'dim';

const ANSI: Record<CellTone | 'reset', string> = { good: '\u001b[32m', bad: '\u001b[31m', waiting: '\u001b[33m', dim: '\u001b[2m', reset: '\u001b[0m' };

/**
 * A kubectl-style table: a header row, columns padded to their widest cell and separated by three
 * spaces, no trailing space. Widths are measured on the plain text, so colours do not shift
 * columns. Cells should not be empty (print `-`), so the output stays splittable on runs of spaces.
 */
export function formatTextTable(header: readonly string[], rows: readonly (readonly (TableCell | string)[])[], options: { color?: boolean } = {}): string {
  // Cells hold names and messages from manifests and helm: shown, never acted on by the terminal.
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'string' ? { text: terminalText(cell) } : { ...cell, text: terminalText(cell.text) })));
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]?.text.length ?? 0)));
  const line = (row: readonly TableCell[]) =>
    row
      .map((cell, i) => {
        const padded = i === row.length - 1 ? cell.text : cell.text.padEnd(widths[i]!);
        return options.color && cell.tone ? `${ANSI[cell.tone]}${padded}${ANSI.reset}` : padded;
      })
      .join('   ')
      .trimEnd();
  return guardCommandLines([line(header.map((text) => ({ text }))), ...cells.map(line)].join('\n'));
}

/** `text` cut to `max` characters with an ellipsis, on one line. */
export function truncateCell(text: string, max: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
