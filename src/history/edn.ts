/**
 * Jepsen EDN histories, in every layout Jepsen, Knossos and Porcupine write them:
 * - one op per line, or any number of top-level op forms (`history.edn`);
 * - one vector or list of ops (Knossos's data files, `( {...} {...} )` included);
 * - ops as maps (`{:process 0, :type :invoke, :f :read, :value nil}`), as tagged records
 *   (`#jepsen.history.Op{...}`, what Jepsen 0.3 prints), or as Knossos's
 *   `[process type f value]` tuples;
 * with or without a byte-order mark, comments, `#_` discards and tagged literals.
 * Pure string functions; the CLI reads the file.
 *
 * Mapping (see edn-reader.ts): keywords become strings (`:ok` → "ok"), vectors, lists and sets
 * become arrays, maps become objects with string keys, nil becomes null. Values stay plain data:
 * a transaction's micro-ops `[[:append 1 2] [:r 1 nil]]` become `[["append",1,2],["r",1,null]]`.
 * `:time` is Jepsen's nanoseconds and becomes `timeUs`; `:index` is kept (or numbered in order
 * when absent). Ops whose `:process` is not an integer (`:nemesis`) are not client ops and are
 * skipped.
 */
import type { History, HistoryEvent } from '../core/history.js';
import { HistoryParseError } from './errors.js';
import { MAX_EDN_DEPTH, readEdn } from './edn-reader.js';
import type { EdnForm } from './edn-reader.js';
import { buildEvent, show } from './event-fields.js';
import type { EventFields } from './event-fields.js';

/** Events plus, for each, the 1-based line it came from. */
export interface ParsedHistory {
  readonly events: HistoryEvent[];
  readonly lines: number[];
  /** Records skipped because they are not client ops (nemesis). */
  readonly skipped: number;
}

export interface HistoryParseOptions {
  /** Polled while reading; returning true stops with a ParseStopped (the CLI's timeout). */
  readonly shouldStop?: () => boolean;
}

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Knossos's `[process type f value]`: four items, the second an op type. */
function isTuple(value: unknown): value is readonly [unknown, string, unknown, unknown] {
  return Array.isArray(value) && value.length === 4 && typeof value[1] === 'string' && TYPES.has(value[1]);
}

function isOp(value: unknown): boolean {
  return isRecord(value) || isTuple(value);
}

/** Op fields from one decoded op (map or tuple). */
function fieldsOf(record: unknown, line: number): EventFields {
  if (isTuple(record)) {
    const [process, type, f, value] = record;
    return { process, type, f, value };
  }
  if (!isRecord(record)) {
    throw new HistoryParseError(line, `expected an op map {:process .., :type .., :f .., :value ..} or a [process type f value] tuple, found ${show(record)}`);
  }
  const time = record.time;
  return {
    index: record.index,
    type: record.type,
    process: record.process,
    f: record.f,
    key: record.key,
    value: record.value,
    // Jepsen times are nanoseconds; dsim's are microseconds. Wall-clock nanoseconds exceed 2^53
    // and are read as decimal strings: microseconds fit.
    timeUs: typeof time === 'number' ? Math.floor(time / 1000) : typeof time === 'string' && /^-?[0-9]+$/.test(time) ? Number(BigInt(time) / 1000n) : time,
    node: record.node,
    error: record.error,
  };
}

/** Keywords and strings name non-client processes (`:nemesis`); client processes are integers. */
const nonClientProcess = (p: unknown): boolean => typeof p === 'string';

/** The ops of a history's forms: the elements of one top-level collection, or the forms themselves. */
function opRecords(forms: readonly EdnForm[]): { record: unknown; line: number }[] {
  const only = forms[0];
  if (forms.length === 1 && only !== undefined && (only.kind === 'vector' || only.kind === 'list') && !isOp(only.value)) {
    const items = only.value as unknown[];
    return items.map((record, k) => ({ record, line: only.elementLines?.[k] ?? only.line }));
  }
  return forms.map((form) => {
    if (!isOp(form.value)) {
      const what = form.kind === 'atom' ? show(form.value) : `a ${form.kind}`;
      throw new HistoryParseError(
        form.line,
        forms.length === 1
          ? `expected ops (maps or [process type f value] tuples), or one vector or list of them; found ${what}`
          : `expected an op map {:process .., :type .., :f .., :value ..} or a [process type f value] tuple, found ${what}`,
      );
    }
    return { record: form.value, line: form.line };
  });
}

/** Parses a Jepsen EDN history in any layout, keeping each event's line. Throws HistoryParseError. */
export function parseEdnHistoryDetailed(text: string, options: HistoryParseOptions = {}): ParsedHistory {
  const forms = readEdn(text, { elementLines: true, shouldStop: options.shouldStop });
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  let skipped = 0;
  let previousIndex = -1;
  for (const { record, line } of opRecords(forms)) {
    const result = buildEvent(fieldsOf(record, line), line, previousIndex, nonClientProcess);
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

/** Parses a Jepsen EDN history (any layout) into events. Throws HistoryParseError. */
export function parseEdnHistory(text: string): HistoryEvent[] {
  return parseEdnHistoryDetailed(text).events;
}

/** Parses EDN text into plain data: exactly one form. Throws HistoryParseError. */
export function parseEdnValue(text: string): unknown {
  const forms = readEdn(text);
  if (forms.length !== 1) throw new HistoryParseError(forms[1]?.line ?? 1, forms.length === 0 ? 'expected a value, found nothing' : 'expected one value, found more');
  return forms[0]!.value;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** A value `plainToEdn` writes as a keyword (`:ok`); JSON writes it as its name. */
export class EdnKeyword {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

/** Plain data → EDN text: objects become maps with keyword keys, null becomes nil. */
export function plainToEdn(value: unknown, depth = 0): string {
  if (depth > MAX_EDN_DEPTH) throw new Error(`plainToEdn: data nested more than ${MAX_EDN_DEPTH} levels deep`);
  if (value === null || value === undefined) return 'nil';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isNaN(value)) return '##NaN';
      if (!Number.isFinite(value)) return value > 0 ? '##Inf' : '##-Inf';
      // An integer beyond 2^53 reads back as its exact decimal string: a number that large was
      // a float, so it is written as one.
      return Number.isInteger(value) && !Number.isSafeInteger(value) && !String(value).includes('e') ? `${value}.0` : String(value);
    case 'bigint':
      return `${value}N`;
    case 'string':
      return ednString(value);
    case 'object': {
      if (value instanceof EdnKeyword) return keywordOrString(value.name);
      if (Array.isArray(value)) return `[${value.map((v) => plainToEdn(v, depth + 1)).join(' ')}]`;
      const record = value as Record<string, unknown>;
      const entries = Object.keys(record).map((k) => `${keywordOrString(k)} ${plainToEdn(record[k], depth + 1)}`);
      return `{${entries.join(', ')}}`;
    }
    default:
      return ednString(String(value));
  }
}

/**
 * An EDN string literal. JSON's escapes are EDN's too, except that EDN has no escape for the
 * other control characters: \uXXXX covers them, as JSON writes them.
 */
function ednString(value: string): string {
  return JSON.stringify(value);
}

const KEYWORD_NAME = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.\-/]*$/;

function keywordOrString(name: string): string {
  return KEYWORD_NAME.test(name) && !name.includes('//') && !name.endsWith('/') ? `:${name}` : ednString(name);
}

/**
 * A transaction's micro-ops as Elle writes them: `[[:append 3 5] [:r 3 [1 5]]]`, the micro-op's
 * function a keyword. Anything else is written as plain data.
 */
function txnToEdn(value: unknown): string {
  if (!Array.isArray(value)) return plainToEdn(value);
  const mops = value.map((mop) =>
    Array.isArray(mop) && typeof mop[0] === 'string' && KEYWORD_NAME.test(mop[0]) ? `[:${mop[0]}${mop.slice(1).map((v) => ` ${plainToEdn(v)}`).join('')}]` : plainToEdn(mop),
  );
  return `[${mops.join(' ')}]`;
}

/** One Jepsen op map per line, fields in Jepsen's order. `timeUs` is written as `:time` in ns. */
export function toEdn(history: History): string {
  const out: string[] = [];
  for (const event of history) {
    const parts = [`:process ${event.process}`, `:type :${event.type}`, `:f ${keywordOrString(event.f)}`];
    if (event.key !== undefined) parts.push(`:key ${ednString(event.key)}`);
    parts.push(`:value ${event.f === 'txn' ? txnToEdn(event.value) : plainToEdn(event.value)}`);
    if (event.timeUs !== undefined) parts.push(`:time ${Math.round(event.timeUs * 1000)}`);
    parts.push(`:index ${event.index}`);
    if (event.node !== undefined) parts.push(`:node ${ednString(event.node)}`);
    if (event.error !== undefined) parts.push(`:error ${keywordOrString(event.error)}`);
    out.push(`{${parts.join(', ')}}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
