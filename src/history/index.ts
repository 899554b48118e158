/** History formats: Jepsen EDN (every layout), Jepsen's text op lines, dsim JSON lines. Pure string functions. */
import { parseEdnHistoryDetailed } from './edn.js';
import type { HistoryParseOptions, ParsedHistory } from './edn.js';
import { parseJepsenTextHistoryDetailed } from './jepsen-text.js';
import { parseJsonLinesHistoryDetailed } from './jsonl.js';

export { HistoryParseError, ParseStopped } from './errors.js';
export { parseEdnHistory, parseEdnHistoryDetailed, parseEdnValue, toEdn, plainToEdn, EdnKeyword } from './edn.js';
export type { ParsedHistory, HistoryParseOptions } from './edn.js';
export { readEdn, EdnReader, MAX_EDN_DEPTH } from './edn-reader.js';
export type { EdnForm, EdnReadOptions } from './edn-reader.js';
export { parseJepsenTextHistoryDetailed } from './jepsen-text.js';
export { parseJsonLinesHistory, parseJsonLinesHistoryDetailed, toJsonLines } from './jsonl.js';

export type HistoryFormat = 'edn' | 'jsonl' | 'jepsen-text';
export const HISTORY_FORMATS: readonly HistoryFormat[] = ['edn', 'jsonl', 'jepsen-text'];

/**
 * Guesses the format from the first significant character: `{"` is JSON lines; `{`, `[`, `(`,
 * `#`, `"` or a `;` comment is EDN; anything else (a process number, `:nemesis`, a log line) is
 * Jepsen's text op lines.
 */
export function detectHistoryFormat(text: string): HistoryFormat {
  const match = /^[\s\uFEFF,]*(\S)(\s*\S)?/.exec(text);
  const first = match?.[1];
  if (first === undefined) return 'edn';
  if (first === '{') return match?.[2]?.trim() === '"' ? 'jsonl' : 'edn';
  return '[(#;"'.includes(first) ? 'edn' : 'jepsen-text';
}

/** Parses a history in the given format (or detected). Throws HistoryParseError with the line, or ParseStopped. */
export function parseHistory(
  text: string,
  format: HistoryFormat | 'auto' = 'auto',
  options: HistoryParseOptions = {},
): ParsedHistory & { readonly format: HistoryFormat } {
  const chosen = format === 'auto' ? detectHistoryFormat(text) : format;
  switch (chosen) {
    case 'jsonl':
      return { ...parseJsonLinesHistoryDetailed(text, options), format: chosen };
    case 'edn':
      return { ...parseEdnHistoryDetailed(text, options), format: chosen };
    case 'jepsen-text':
      return { ...parseJepsenTextHistoryDetailed(text, options), format: chosen };
  }
}
