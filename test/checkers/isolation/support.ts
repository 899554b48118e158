/** Helpers for isolation-checker tests: transactional histories from compact specs, and a serial store. */
import type { HistoryEvent } from '../../../src/core/history.js';
import { pairOperations } from '../../../src/core/history.js';
import { checkIsolation, type IsolationOptions, type IsolationResult } from '../../../src/checkers/isolation/index.js';

export type Mop = readonly [string, unknown, unknown];

export interface TxnSpec {
  readonly p: number;
  /** Micro-ops as completed (reads filled in). */
  readonly ops: readonly Mop[];
  readonly outcome?: 'ok' | 'fail' | 'info';
  /** Invocation and completion times; default: one after another. */
  readonly start?: number;
  readonly end?: number;
}

/** The invocation's micro-ops: reads carry nil. */
export function invoked(ops: readonly Mop[]): Mop[] {
  return ops.map(([f, k, v]) => (f === 'r' ? [f, k, null] : [f, k, v]));
}

/**
 * A history of txns. Without times, each runs alone after the previous one; with times, events are
 * ordered by time, invocations first at equal times.
 */
export function txnHistory(specs: readonly TxnSpec[]): HistoryEvent[] {
  const raw: { time: number; order: number; seq: number; event: Omit<HistoryEvent, 'index'> }[] = [];
  specs.forEach((spec, seq) => {
    const start = spec.start ?? seq * 10;
    const end = spec.end ?? start + 5;
    raw.push({ time: start, order: 0, seq, event: { type: 'invoke', process: spec.p, f: 'txn', value: invoked(spec.ops), timeUs: start } });
    const outcome = spec.outcome ?? 'ok';
    if (outcome === 'info') return;
    raw.push({ time: end, order: 1, seq, event: { type: outcome, process: spec.p, f: 'txn', value: outcome === 'ok' ? spec.ops : invoked(spec.ops), timeUs: end } });
  });
  raw.sort((a, b) => a.time - b.time || a.order - b.order || a.seq - b.seq);
  return raw.map((r, index) => ({ ...r.event, index }) as HistoryEvent);
}

export function check(history: readonly HistoryEvent[], options: IsolationOptions): IsolationResult {
  return checkIsolation(pairOperations(history, { allowInvokeAfterInfo: true }), options);
}

/** Runs txns one at a time against an in-memory store, filling in reads: a serial execution. */
export function serialExecute(model: 'list-append' | 'rw-register', txns: readonly (readonly Mop[])[]): Mop[][] {
  const lists = new Map<unknown, unknown[]>();
  const registers = new Map<unknown, unknown>();
  return txns.map((txn) =>
    txn.map(([f, k, v]): Mop => {
      if (f === 'append') {
        const list = lists.get(k) ?? [];
        lists.set(k, [...list, v]);
        return [f, k, v];
      }
      if (f === 'w') {
        registers.set(k, v);
        return [f, k, v];
      }
      return model === 'list-append' ? [f, k, lists.has(k) ? [...lists.get(k)!] : null] : [f, k, registers.has(k) ? registers.get(k) : null];
    }),
  );
}
