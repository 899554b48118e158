/**
 * The one text table of the command line: columns two spaces apart, no trailing spaces, and —
 * when the terminal is narrower than the table — the widest cells wrapped at spaces, commas and hyphens
 * onto continuation lines, so every line fits. Cells are plain text; colour is applied to whole
 * lines afterwards (`paint`), so widths are never thrown off by escape codes.
 */
import stringWidth from 'string-width';

export interface TableSpec {
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  /** A row of dashes under the header. */
  readonly rule?: boolean;
  /** Most characters per line; undefined: no limit. */
  readonly width?: number;
  /** Colours one printed line of a row (row index, line). The header is bold when given `bold`. */
  readonly paint?: (row: number, line: string) => string;
  readonly bold?: (line: string) => string;
}

const GAP = 2;
/** A column is never wrapped narrower than this (or its header word). */
const MIN_COLUMN = 8;

export function formatTable(spec: TableSpec): string {
  const columns = spec.header.length;
  const cells = [spec.header, ...spec.rows].map((row) => Array.from({ length: columns }, (_, c) => row[c] ?? ''));
  const natural = Array.from({ length: columns }, (_, c) => Math.max(...cells.map((row) => stringWidth(row[c]!))));
  const widths = fit(natural, spec.header, spec.width);
  const lines = (row: readonly string[]): string[] => {
    const wrapped = row.map((cell, c) => wrap(cell, widths[c]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) =>
      wrapped
        .map((w, c) => pad(w[k] ?? '', c === columns - 1 ? 0 : widths[c]!))
        .join(' '.repeat(GAP))
        .trimEnd(),
    );
  };
  const out: string[] = lines(cells[0]!).map((line) => (spec.bold !== undefined ? spec.bold(line) : line));
  if (spec.rule === true) out.push(widths.map((w) => '-'.repeat(w)).join(' '.repeat(GAP)));
  cells.slice(1).forEach((row, i) => {
    for (const line of lines(row)) out.push(spec.paint !== undefined ? spec.paint(i, line) : line);
  });
  return out.join('\n');
}

/** Shrinks the widest columns until the table fits `width` (or nothing more can shrink). */
function fit(natural: readonly number[], header: readonly string[], width: number | undefined): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  const floor = natural.map((w, c) => Math.min(w, Math.max(MIN_COLUMN, longestWord(header[c] ?? ''))));
  const total = (): number => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  // Bounded: each step takes one column one character closer to its floor.
  for (let guard = 0; total() > width && guard < 100_000; guard++) {
    let widest = -1;
    for (let c = 0; c < widths.length; c++) if (widths[c]! > floor[c]! && (widest < 0 || widths[c]! > widths[widest]!)) widest = c;
    if (widest < 0) break;
    widths[widest]!--;
  }
  return widths;
}

/** Splits a cell into lines of at most `width`, breaking after spaces, commas and hyphens, else anywhere. */
export function wrap(text: string, width: number): string[] {
  if (stringWidth(text) <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (const token of text.match(/[^ ,-]+[ ,-]*|[ ,-]+/g) ?? []) {
    if (stringWidth(line + token.trimEnd()) <= width) {
      line += token;
      continue;
    }
    if (line.trim() !== '') out.push(line.trimEnd());
    line = '';
    let rest = token;
    // A word longer than the column is cut.
    while (stringWidth(rest.trimEnd()) > width) {
      out.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    line = rest;
  }
  if (line.trim() !== '') out.push(line.trimEnd());
  return out;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}

function longestWord(text: string): number {
  return Math.max(0, ...text.split(/\s+/).map((w) => stringWidth(w)));
}
