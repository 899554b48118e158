/**
 * Building a HistoryEvent from a decoded record (EDN map or JSON object), shared by both formats,
 * so both reject the same mistakes with the same words.
 */
import type { EventType, HistoryEvent } from '../core/history.js';
import { HistoryParseError } from './errors.js';

const TYPES: ReadonlySet<string> = new Set<EventType>(['invoke', 'ok', 'fail', 'info']);

export interface EventFields {
  readonly index?: unknown;
  readonly type?: unknown;
  readonly process?: unknown;
  readonly f?: unknown;
  readonly key?: unknown;
  readonly value?: unknown;
  readonly timeUs?: unknown;
  readonly node?: unknown;
  readonly error?: unknown;
}

/** What a record turned into: an event, or a line to skip (a nemesis op: not a client's). */
export type RecordResult = { readonly kind: 'event'; readonly event: HistoryEvent } | { readonly kind: 'skip' };

/**
 * Validates and builds one event. `defaultIndex` is used when the record has no index; a given
 * index must exceed `previousIndex` (histories are in order).
 */
export function buildEvent(fields: EventFields, line: number, previousIndex: number, nonClientProcess: (p: unknown) => boolean): RecordResult {
  if (fields.process === undefined) throw new HistoryParseError(line, 'missing :process');
  if (nonClientProcess(fields.process)) return { kind: 'skip' };
  const process = fields.process;
  if (typeof process !== 'number' || !Number.isSafeInteger(process) || process < 0) {
    throw new HistoryParseError(line, `:process must be a non-negative integer, got ${show(process)}`);
  }
  if (typeof fields.type !== 'string' || !TYPES.has(fields.type)) {
    throw new HistoryParseError(line, `:type must be one of invoke, ok, fail, info, got ${show(fields.type)}`);
  }
  const type = fields.type as EventType;
  if (fields.f === undefined || fields.f === null) throw new HistoryParseError(line, 'missing :f');
  if (typeof fields.f !== 'string' && typeof fields.f !== 'number') {
    throw new HistoryParseError(line, `:f must be a keyword or string, got ${show(fields.f)}`);
  }
  let index = previousIndex + 1;
  if (fields.index !== undefined && fields.index !== null) {
    if (typeof fields.index !== 'number' || !Number.isSafeInteger(fields.index) || fields.index < 0) {
      throw new HistoryParseError(line, `:index must be a non-negative integer, got ${show(fields.index)}`);
    }
    if (fields.index <= previousIndex) {
      throw new HistoryParseError(line, `:index ${fields.index} does not increase (previous ${previousIndex})`);
    }
    index = fields.index;
  }
  if (typeof fields.value === 'object' && fields.value !== null && nestedDeeperThan(fields.value, MAX_VALUE_DEPTH)) {
    throw new HistoryParseError(line, `:value nested more than ${MAX_VALUE_DEPTH} levels deep`);
  }
  const event: { -readonly [K in keyof HistoryEvent]: HistoryEvent[K] } = {
    index,
    type,
    process,
    f: String(fields.f),
    value: fields.value === undefined ? null : fields.value,
  };
  if (fields.key !== undefined && fields.key !== null) {
    event.key = typeof fields.key === 'string' ? fields.key : show(fields.key);
  }
  if (fields.timeUs !== undefined && fields.timeUs !== null) {
    if (typeof fields.timeUs !== 'number' || !Number.isFinite(fields.timeUs)) {
      throw new HistoryParseError(line, `:time must be a number, got ${show(fields.timeUs)}`);
    }
    event.timeUs = fields.timeUs;
  }
  if (fields.node !== undefined && fields.node !== null) event.node = typeof fields.node === 'string' ? fields.node : show(fields.node);
  if (fields.error !== undefined && fields.error !== null) {
    event.error = typeof fields.error === 'string' ? fields.error : show(fields.error);
  }
  return { kind: 'event', event };
}

/** Values deeper than this are refused: checkers recurse over values (and refuse beyond 100). */
export const MAX_VALUE_DEPTH = 60;

/** Is `value` nested more than `max` containers deep? Iterative: any depth is safe to ask about. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (d > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ v: child, d: d + 1 });
  }
  return false;
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
