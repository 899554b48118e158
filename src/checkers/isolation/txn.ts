/**
 * Transactions as Jepsen writes them: an op with `f: txn` whose value is a list of micro-ops
 * `[f key value]` — `[append k 3]` and `[r k [1 3]]` for list-append, `[w k 3]` and `[r k 3]` for
 * read/write registers. An invocation's reads carry nil; an `ok` completion carries what was read.
 *
 * This module turns paired operations into `Txn` records the analyses share, and renders them for
 * evidence. It validates the shape and names the history event at fault.
 */
import { HistoryError, type Operation } from '../../core/history.js';

export type MicroOpName = 'append' | 'r' | 'w';

export interface MicroOp {
  readonly f: MicroOpName;
  /** The key as written in the history (numbers stay numbers, keywords became strings). */
  readonly key: unknown;
  /** The key's identity for maps: equal keys have equal ids, 1 and "1" differ. */
  readonly keyId: string;
  readonly value: unknown;
}

export type TxnOutcome = 'ok' | 'info' | 'fail';

export interface Txn {
  /** 0-based position among the history's transactions, in invocation order. */
  readonly index: number;
  /** `T1`, `T2`, ...: how evidence names it. */
  readonly name: string;
  readonly process: number;
  readonly outcome: TxnOutcome;
  /** ok: the completion's micro-ops (reads filled in); info and fail: the invocation's. */
  readonly mops: readonly MicroOp[];
  readonly invokeIndex: number;
  /** History index of the ok completion; Infinity for info and fail (they never constrain later txns). */
  readonly completeIndex: number;
  readonly invokeTimeUs?: number;
  readonly completeTimeUs?: number;
  readonly node?: string;
  readonly error?: string;
}

/** What the transactions of a history look like, once validated. */
export interface TxnHistory {
  readonly txns: readonly Txn[];
  /** Ops whose f is not `txn` (a Jepsen history's other client ops); counted, not judged. */
  readonly skipped: number;
}

const MOP_NAMES: ReadonlySet<string> = new Set(['append', 'r', 'w']);

export function keyIdOf(key: unknown): string {
  return typeof key === 'string' ? `s${key}` : typeof key === 'number' ? `n${key}` : `j${JSON.stringify(key)}`;
}

/** Parses one micro-op `[f key value]`; throws a message (without location) when malformed. */
function parseMop(raw: unknown, position: number): MicroOp {
  if (!Array.isArray(raw) || raw.length !== 3) throw new Error(`micro-op ${position} must be [f key value], got ${short(raw)}`);
  const [f, key, value] = raw as [unknown, unknown, unknown];
  if (typeof f !== 'string' || !MOP_NAMES.has(f)) throw new Error(`micro-op ${position} must start with append, r or w, got ${short(f)}`);
  if (key === null || key === undefined || (typeof key === 'object' && !Array.isArray(key))) {
    throw new Error(`micro-op ${position} needs a key (a number, string or keyword), got ${short(key)}`);
  }
  return { f: f as MicroOpName, key, keyId: keyIdOf(key), value: value === undefined ? null : value };
}

/** The micro-ops of a txn value; throws a message naming the problem. */
export function parseMops(value: unknown): MicroOp[] {
  if (!Array.isArray(value)) throw new Error(`a txn's value must be a list of micro-ops, got ${short(value)}`);
  return value.map((raw, i) => parseMop(raw, i));
}

/**
 * Builds the transactions of paired operations. An `ok` completion must carry the same micro-ops
 * (f and key) as its invocation, with reads filled in.
 */
export function txnsOf(ops: readonly Operation[]): TxnHistory {
  const txns: Txn[] = [];
  let skipped = 0;
  for (const op of ops) {
    if (op.f !== 'txn') {
      skipped++;
      continue;
    }
    let invoked: MicroOp[];
    try {
      invoked = parseMops(op.input);
    } catch (error) {
      throw new HistoryError(op.invokeIndex, (error as Error).message);
    }
    let mops = invoked;
    if (op.outcome === 'ok') {
      try {
        mops = parseMops(op.output);
      } catch (error) {
        throw new HistoryError(op.completeIndex, (error as Error).message);
      }
      const mismatch = mops.length !== invoked.length ? -1 : mops.findIndex((m, i) => m.f !== invoked[i]!.f || m.keyId !== invoked[i]!.keyId);
      if (mops.length !== invoked.length || mismatch >= 0) {
        throw new HistoryError(op.completeIndex, `the completed txn ${formatMops(mops)} does not match its invocation ${formatMops(invoked)}`);
      }
    }
    const index = txns.length;
    const txn: { -readonly [K in keyof Txn]: Txn[K] } = {
      index,
      name: `T${index + 1}`,
      process: op.process,
      outcome: op.outcome,
      mops,
      invokeIndex: op.invokeIndex,
      completeIndex: op.outcome === 'ok' ? op.completeIndex : Infinity,
    };
    if (op.invokeTimeUs !== undefined) txn.invokeTimeUs = op.invokeTimeUs;
    if (op.completeTimeUs !== undefined) txn.completeTimeUs = op.completeTimeUs;
    if (op.node !== undefined) txn.node = op.node;
    if (op.error !== undefined) txn.error = op.error;
    txns.push(txn);
  }
  return { txns, skipped };
}

/** `[append 3 5]`, `[r 3 [1 5]]`, `[r x nil]`: EDN-like, keywords without their colon. */
export function formatMop(mop: MicroOp): string {
  return `[${mop.f} ${formatValue(mop.key)} ${formatValue(mop.value)}]`;
}

export function formatMops(mops: readonly MicroOp[]): string {
  return `[${mops.map(formatMop).join(' ')}]`;
}

/** Like formatMops, with long read lists cut to their first and last elements: `[r 3 [1 2 ... 8 9]]`. */
export function formatMopsBrief(mops: readonly MicroOp[]): string {
  return `[${mops.map((m) => (Array.isArray(m.value) && m.value.length > 6 ? `[${m.f} ${formatValue(m.key)} [${[...m.value.slice(0, 2).map(formatValue), '...', ...m.value.slice(-3).map(formatValue)].join(' ')}]]` : formatMop(m))).join(' ')}]`;
}

/** A value as evidence shows it: lists in brackets without commas, nil for null. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `[${value.map(formatValue).join(' ')}]`;
  if (typeof value === 'string') return /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.\-/]*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function short(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
