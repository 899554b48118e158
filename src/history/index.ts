/** History formats: Jepsen EDN and dsim JSON lines, both ways. Pure string functions. */
import { parseEdnHistoryDetailed } from './edn.js';
import type { ParsedHistory } from './edn.js';
import { parseJsonLinesHistoryDetailed } from './jsonl.js';

export { HistoryParseError } from './errors.js';
export { parseEdnHistory, parseEdnHistoryDetailed, toEdn, ednToPlain, plainToEdn, scanEdn } from './edn.js';
export type { ParsedHistory } from './edn.js';
export { parseJsonLinesHistory, parseJsonLinesHistoryDetailed, toJsonLines } from './jsonl.js';

export type HistoryFormat = 'edn' | 'jsonl';

/**
 * Guesses the format from the text: a first line that is a JSON object (`{"`) is JSON lines;
 * anything else (`{:`, `[`, comments) is EDN.
 */
export function detectHistoryFormat(text: string): HistoryFormat {
  const first = text.split('\n').find((row) => row.trim() !== '');
  return first !== undefined && /^\s*\{\s*"/.test(first) ? 'jsonl' : 'edn';
}

/** Parses a history in the given format (or detected). Throws HistoryParseError with the line. */
export function parseHistory(text: string, format: HistoryFormat | 'auto' = 'auto'): ParsedHistory & { readonly format: HistoryFormat } {
  const chosen = format === 'auto' ? detectHistoryFormat(text) : format;
  const parsed = chosen === 'jsonl' ? parseJsonLinesHistoryDetailed(text) : parseEdnHistoryDetailed(text);
  return { ...parsed, format: chosen };
}
