/**
 * Jepsen's plain-text op lines: `history.txt`, and the op lines of `jepsen.log`.
 *
 * Jepsen prints an op as `PROCESS<TAB>TYPE<TAB>F<TAB>VALUE[<TAB>ERROR]`: the process, type and
 * f with `pr` (`3`, `:nemesis`, `:invoke`, `:read`), the value with `pr` (EDN on one line: `pr`
 * escapes tabs and newlines inside strings, so tabs separate the fields unambiguously), and the
 * error with `print` (free text, kept as a string). In `jepsen.log` the same text follows the
 * logger's prefix, `... jepsen.util - ` (older Jepsen, as in Porcupine's test data) or
 * `... jepsen.util: `; every other log line is skipped. A file is read as a log when any line
 * carries that prefix; otherwise every non-blank line must be an op line. Where the tabs were
 * expanded to spaces, the value is the rest of the line when that is exactly one EDN form; a line
 * whose value and error cannot be told apart is refused.
 */
import type { HistoryEvent } from '../core/history.js';
import { HistoryParseError, ParseStopped } from './errors.js';
import { readEdn } from './edn-reader.js';
import type { ParsedHistory, HistoryParseOptions } from './edn.js';
import { buildEvent } from './event-fields.js';

const OP_LINE = /^(\S+)\t:(invoke|ok|fail|info)\t([^\t]+)\t([^\t]*)(?:\t(.*))?$/;
/** The same with the tabs expanded to spaces (as in some of Porcupine's logs). */
const SPACED_OP_LINE = /^(\S+) +:(invoke|ok|fail|info) +(\S+) +(.*)$/;
const OP_START = /^\S+[\t ]+:(invoke|ok|fail|info)[\t ]/;
const LOG_PREFIX = /jepsen\.util(?: - |: )/;

function ednField(text: string, line: number, what: string): unknown {
  let forms;
  try {
    forms = readEdn(text);
  } catch (error) {
    if (error instanceof HistoryParseError) throw new HistoryParseError(line, `${what} ${JSON.stringify(text)} is not EDN: ${error.detail}`);
    throw error;
  }
  if (forms.length !== 1) throw new HistoryParseError(line, `${what} ${JSON.stringify(text)} should be one EDN value`);
  return forms[0]!.value;
}

/** Parses Jepsen text op lines (history.txt or jepsen.log), keeping each event's line. */
export function parseJepsenTextHistoryDetailed(text: string, options: HistoryParseOptions = {}): ParsedHistory {
  const rows = text.split('\n');
  const isLog = rows.some((row) => LOG_PREFIX.test(row));
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  let skipped = 0;
  let previousIndex = -1;
  for (let r = 0; r < rows.length; r++) {
    if ((r & 4095) === 4095 && options.shouldStop?.() === true) throw new ParseStopped(r + 1);
    let row = rows[r]!.replace(/\r$/, '');
    if (r === 0) row = row.replace(/^\uFEFF/, '');
    const line = r + 1;
    if (isLog) {
      const prefix = LOG_PREFIX.exec(row);
      if (prefix === null) continue; // other log output
      row = row.slice(prefix.index + prefix[0].length);
      // jepsen.util logs other things too (timings, messages): only op lines are ops.
      if (!OP_START.test(row)) continue;
    } else if (row.trim() === '') {
      continue;
    }
    const tabbed = row.includes('\t');
    const match = (tabbed ? OP_LINE : SPACED_OP_LINE).exec(row);
    if (match === null) {
      throw new HistoryParseError(line, 'expected a Jepsen op line: PROCESS<tab>:TYPE<tab>F<tab>VALUE, with an optional <tab>ERROR');
    }
    const [, processText, type, fText, valueText, errorText] = match as unknown as [string, string, string, string, string, string | undefined];
    const process = ednField(processText, line, 'the process');
    const f = ednField(fText, line, 'the f');
    const value = valueText.trim() === '' ? null : ednField(valueText, line, tabbed ? 'the value' : 'without tabs, the rest of the line');
    const error = errorText === undefined || errorText.trim() === '' ? undefined : errorText.trim().replace(/^:(?=\S+$)/, '');
    const result = buildEvent({ process, type, f, value, error }, line, previousIndex, (p) => typeof p === 'string');
    if (result.kind === 'skip') {
      skipped++;
      continue;
    }
    previousIndex = result.event.index;
    events.push(result.event);
    lines.push(line);
  }
  return { events, lines, skipped };
}
