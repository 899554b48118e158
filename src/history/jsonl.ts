/**
 * dsim's own history format: one HistoryEvent as JSON per line
 * (`{"index":0,"type":"invoke","process":1,"f":"write","value":3,"timeUs":1500}`).
 */
import type { History, HistoryEvent } from '../core/history.js';
import type { HistoryParseOptions, ParsedHistory } from './edn.js';
import { HistoryParseError, ParseStopped } from './errors.js';
import { buildEvent } from './event-fields.js';
import { jsonText } from '../core/short-json.js';

/** Parses JSON lines, keeping each event's line. Blank lines are allowed. Throws HistoryParseError. */
export function parseJsonLinesHistoryDetailed(text: string, options: HistoryParseOptions = {}): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  let previousIndex = -1;
  const rows = text.split('\n');
  for (let r = 0; r < rows.length; r++) {
    if ((r & 4095) === 4095 && options.shouldStop?.() === true) throw new ParseStopped(r + 1);
    const row = (r === 0 ? rows[r]!.replace(/^\uFEFF/, '') : rows[r]!).trim();
    if (row === '') continue;
    const line = r + 1;
    let decoded: unknown;
    try {
      decoded = JSON.parse(row);
    } catch (error) {
      throw new HistoryParseError(line, `invalid JSON (${(error as Error).message})`);
    }
    if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
      throw new HistoryParseError(line, 'expected a JSON object');
    }
    const result = buildEvent(decoded as Record<string, unknown>, line, previousIndex, () => false);
    if (result.kind === 'skip') continue;
    previousIndex = result.event.index;
    events.push(result.event);
    lines.push(line);
  }
  return { events, lines, skipped: 0 };
}

export function parseJsonLinesHistory(text: string): HistoryEvent[] {
  return parseJsonLinesHistoryDetailed(text).events;
}

/** One event per line, fields in a fixed order so equal histories serialize equally. */
export function toJsonLines(history: History): string {
  const out: string[] = [];
  for (const event of history) {
    const ordered: Record<string, unknown> = { index: event.index, type: event.type, process: event.process, f: event.f };
    if (event.key !== undefined) ordered.key = event.key;
    ordered.value = event.value === undefined ? null : event.value;
    if (event.timeUs !== undefined) ordered.timeUs = event.timeUs;
    if (event.node !== undefined) ordered.node = event.node;
    if (event.error !== undefined) ordered.error = event.error;
    out.push(jsonText(ordered));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
