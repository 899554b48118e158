/**
 * Jepsen EDN histories: one op map per line (`history.edn`, Knossos and Porcupine test data), or
 * one vector of op maps. Pure string functions; the CLI reads the file.
 *
 * Mapping: keywords become strings (`:ok` → "ok"), vectors, lists and sets become arrays, maps
 * become objects with string keys, nil becomes null. `:time` is Jepsen's nanoseconds and becomes
 * `timeUs`; `:index` is kept (or numbered in order when absent). Ops whose `:process` is not an
 * integer (`:nemesis`) are not client ops and are skipped.
 *
 * edn-data decodes values but forgives malformed text (an unclosed map, a key without a value),
 * so each form is first checked by a small structural scanner that reports the line at fault.
 */
import { parseEDNString } from 'edn-data';
import type { History, HistoryEvent } from '../core/history.js';
import { HistoryParseError } from './errors.js';
import { buildEvent, show } from './event-fields.js';
import type { EventFields } from './event-fields.js';

/** Events plus, for each, the 1-based line it came from. */
export interface ParsedHistory {
  readonly events: HistoryEvent[];
  readonly lines: number[];
  /** Records skipped because they are not client ops (nemesis). */
  readonly skipped: number;
}

// ---------------------------------------------------------------------------------------------
// Structural scan

interface Form {
  readonly line: number;
  readonly kind: 'map' | 'vector' | 'list' | 'set' | 'atom';
  /** Lines of the direct children (collected for the top-level vector of the vector layout). */
  readonly childLines: number[];
}

interface Frame {
  readonly kind: 'map' | 'vector' | 'list' | 'set';
  readonly line: number;
  readonly close: string;
  count: number;
  readonly childLines: number[];
  /** Pending `#tag` / `#_` prefixes, innermost last. */
  readonly prefixes: ('tag' | 'discard')[];
}

const DELIMITERS = new Set([' ', '\t', '\n', '\r', ',', '(', ')', '[', ']', '{', '}', '"', ';']);
const MAX_NESTING = 200;

/** Checks `text` is well-formed EDN and returns its top-level forms (with their lines). */
export function scanEdn(text: string, firstLine = 1): Form[] {
  const top: Frame = { kind: 'list', line: firstLine, close: '', count: 0, childLines: [], prefixes: [] };
  const forms: Form[] = [];
  const stack: Frame[] = [];
  let line = firstLine;
  let i = 0;

  const frame = (): Frame => stack[stack.length - 1] ?? top;
  const complete = (form: Form): void => {
    const f = frame();
    while (f.prefixes.length > 0) {
      if (f.prefixes.pop() === 'discard') return;
    }
    f.count++;
    if (stack.length === 1) f.childLines.push(form.line);
    if (stack.length === 0) forms.push(form);
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === ',') {
      i++;
      continue;
    }
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"') {
      const start = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new HistoryParseError(start, 'unterminated string');
        const d = text[i]!;
        if (d === '\\') {
          const e = text[i + 1];
          if (e === undefined || !'trnbf\\"u'.includes(e)) throw new HistoryParseError(line, `bad escape \\${e ?? ''} in a string`);
          i += 2;
          continue;
        }
        if (d === '\n') line++;
        i++;
        if (d === '"') break;
      }
      complete({ line: start, kind: 'atom', childLines: [] });
      continue;
    }
    if (c === '(' || c === '[' || c === '{' || (c === '#' && text[i + 1] === '{')) {
      if (stack.length >= MAX_NESTING) throw new HistoryParseError(line, 'data nested too deeply');
      const kind = c === '(' ? 'list' : c === '[' ? 'vector' : c === '{' ? 'map' : 'set';
      const close = c === '(' ? ')' : c === '[' ? ']' : '}';
      stack.push({ kind, line, close, count: 0, childLines: [], prefixes: [] });
      i += c === '#' ? 2 : 1;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop();
      if (open === undefined) throw new HistoryParseError(line, `unexpected ${c}`);
      if (open.close !== c) throw new HistoryParseError(line, `expected ${open.close} to close the ${open.kind} opened on line ${open.line}, found ${c}`);
      if (open.prefixes.length > 0) throw new HistoryParseError(line, `a tag or #_ with no value before ${c}`);
      if (open.kind === 'map' && open.count % 2 !== 0) {
        throw new HistoryParseError(open.line, 'a map with a key but no value (odd number of forms)');
      }
      i++;
      complete({ line: open.line, kind: open.kind, childLines: open.childLines });
      continue;
    }
    if (c === '#') {
      if (text[i + 1] === '_') {
        frame().prefixes.push('discard');
        i += 2;
        continue;
      }
      let j = i + 1;
      while (j < text.length && !DELIMITERS.has(text[j]!)) j++;
      if (j === i + 1) throw new HistoryParseError(line, 'a # with no tag name');
      frame().prefixes.push('tag');
      i = j;
      continue;
    }
    // An atom: number, keyword, symbol, nil/true/false, or a character literal.
    const start = i;
    if (c === '\\') i += 2; // the character itself may be a delimiter (\( or \space's first letter)
    while (i < text.length && !DELIMITERS.has(text[i]!)) i++;
    const atom = text.slice(start, i);
    if (atom === ':' || (atom[0] === ':' && atom[1] === ':' && atom.length === 2)) throw new HistoryParseError(line, 'an empty keyword');
    complete({ line, kind: 'atom', childLines: [] });
  }
  const open = stack.pop();
  if (open !== undefined) throw new HistoryParseError(open.line, `unclosed ${open.kind}: expected ${open.close}`);
  if (top.prefixes.length > 0) throw new HistoryParseError(line, 'a tag or #_ with no value at the end');
  return forms;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Decodes the first form of `text` (the scanner has checked there is exactly one). */
function decodeOne(text: string): unknown {
  // edn-data wraps the text in a list; the newline ends a trailing comment before that list closes.
  return parseEDNString(`${text}\n`, { mapAs: 'doubleArray', keywordAs: 'object', symbolAs: 'object', charAs: 'string', listAs: 'array', setAs: 'array' });
}

/** EDN value (edn-data's tagged representation) → plain JSON data. */
export function ednToPlain(value: unknown, depth = 0): unknown {
  if (depth > MAX_NESTING) throw new Error('data nested too deeply');
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => ednToPlain(v, depth + 1));
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.key === 'string' && Object.keys(o).length === 1) return o.key;
    if (typeof o.sym === 'string' && Object.keys(o).length === 1) return o.sym;
    if (typeof o.char === 'string' && Object.keys(o).length === 1) return o.char;
    if (Array.isArray(o.map)) {
      const out: Record<string, unknown> = {};
      for (const pair of o.map as [unknown, unknown][]) {
        const k = ednToPlain(pair[0], depth + 1);
        out[typeof k === 'string' ? k : show(k)] = ednToPlain(pair[1], depth + 1);
      }
      return out;
    }
    if (Array.isArray(o.set)) return (o.set as unknown[]).map((v) => ednToPlain(v, depth + 1));
    if (Array.isArray(o.list)) return (o.list as unknown[]).map((v) => ednToPlain(v, depth + 1));
    if (typeof o.tag === 'string' && 'val' in o) return ednToPlain(o.val, depth + 1);
  }
  return String(value);
}

function isKeyword(value: unknown): value is { key: string } {
  return typeof value === 'object' && value !== null && typeof (value as { key?: unknown }).key === 'string' && Object.keys(value).length === 1;
}

/** Op fields from one decoded EDN map; keyword or string keys. */
function fieldsOf(decoded: unknown, line: number): { fields: EventFields; processIsKeyword: boolean } {
  const map = (decoded as { map?: unknown } | null)?.map;
  if (!Array.isArray(map)) throw new HistoryParseError(line, 'expected an EDN map');
  const raw: Record<string, unknown> = {};
  for (const [k, v] of map as [unknown, unknown][]) {
    const name = isKeyword(k) ? k.key : typeof k === 'string' ? k : undefined;
    if (name !== undefined) raw[name] = v;
  }
  const time = raw.time === undefined ? undefined : ednToPlain(raw.time);
  const fields: EventFields = {
    index: raw.index === undefined ? undefined : ednToPlain(raw.index),
    type: raw.type === undefined ? undefined : ednToPlain(raw.type),
    process: raw.process === undefined ? undefined : ednToPlain(raw.process),
    f: raw.f === undefined ? undefined : ednToPlain(raw.f),
    key: raw.key === undefined ? undefined : ednToPlain(raw.key),
    value: raw.value === undefined ? undefined : ednToPlain(raw.value),
    // Jepsen times are nanoseconds; dsim's are microseconds.
    timeUs: typeof time === 'number' ? Math.floor(time / 1000) : time,
    node: raw.node === undefined ? undefined : ednToPlain(raw.node),
    error: raw.error === undefined ? undefined : ednToPlain(raw.error),
  };
  return { fields, processIsKeyword: isKeyword(raw.process) };
}

function firstSignificant(text: string): string | undefined {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',') {
      i++;
      continue;
    }
    return c;
  }
  return undefined;
}

/** Parses either EDN layout, keeping each event's line. Throws HistoryParseError. */
export function parseEdnHistoryDetailed(text: string): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  let skipped = 0;
  let previousIndex = -1;
  const add = (decoded: unknown, line: number): void => {
    const { fields, processIsKeyword } = fieldsOf(decoded, line);
    const result = buildEvent(fields, line, previousIndex, () => processIsKeyword);
    if (result.kind === 'skip') {
      skipped++;
      return;
    }
    previousIndex = result.event.index;
    events.push(result.event);
    lines.push(line);
  };

  if (firstSignificant(text) === '[') {
    const forms = scanEdn(text);
    const vector = forms[0];
    if (forms.length !== 1 || vector === undefined || vector.kind !== 'vector') {
      throw new HistoryParseError(forms[1]?.line ?? 1, 'expected one vector of op maps');
    }
    const decoded = decodeOne(text);
    if (!Array.isArray(decoded) || decoded.length !== vector.childLines.length) {
      throw new HistoryParseError(vector.line, 'could not decode the vector of op maps');
    }
    decoded.forEach((item, k) => add(item, vector.childLines[k]!));
    return { events, lines, skipped };
  }

  const rows = text.split('\n');
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const line = r + 1;
    const forms = scanEdn(row, line);
    if (forms.length === 0) continue; // blank or comment
    if (forms.length > 1) throw new HistoryParseError(line, 'expected one EDN map per line, found more than one form');
    if (forms[0]!.kind !== 'map') throw new HistoryParseError(line, 'expected an EDN map');
    add(decodeOne(row), line);
  }
  return { events, lines, skipped };
}

/** Parses a Jepsen EDN history (either layout) into events. Throws HistoryParseError. */
export function parseEdnHistory(text: string): HistoryEvent[] {
  return parseEdnHistoryDetailed(text).events;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Plain data → EDN text: objects become maps with keyword keys, null becomes nil. */
export function plainToEdn(value: unknown, depth = 0): string {
  if (depth > MAX_NESTING) throw new Error('data nested too deeply');
  if (value === null || value === undefined) return 'nil';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? String(value) : 'nil';
    case 'bigint':
      return `${value}N`;
    case 'string':
      // JSON's string escapes (\" \\ \n \t \r \b \f \uXXXX) are all EDN's too.
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => plainToEdn(v, depth + 1)).join(' ')}]`;
      const record = value as Record<string, unknown>;
      const entries = Object.keys(record).map((k) => `${keywordOrString(k)} ${plainToEdn(record[k], depth + 1)}`);
      return `{${entries.join(', ')}}`;
    }
    default:
      return JSON.stringify(String(value));
  }
}

const KEYWORD_NAME = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.\-/]*$/;

function keywordOrString(name: string): string {
  return KEYWORD_NAME.test(name) && !name.includes('//') ? `:${name}` : JSON.stringify(name);
}

/** One Jepsen op map per line, fields in Jepsen's order. `timeUs` is written as `:time` in ns. */
export function toEdn(history: History): string {
  const out: string[] = [];
  for (const event of history) {
    const parts = [`:process ${event.process}`, `:type :${event.type}`, `:f ${keywordOrString(event.f)}`];
    if (event.key !== undefined) parts.push(`:key ${JSON.stringify(event.key)}`);
    parts.push(`:value ${plainToEdn(event.value)}`);
    if (event.timeUs !== undefined) parts.push(`:time ${Math.round(event.timeUs * 1000)}`);
    parts.push(`:index ${event.index}`);
    if (event.node !== undefined) parts.push(`:node ${JSON.stringify(event.node)}`);
    if (event.error !== undefined) parts.push(`:error ${keywordOrString(event.error)}`);
    out.push(`{${parts.join(', ')}}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
