/**
 * The isolation checker on large histories: 10,000 and 100,000 transactions, list-append and
 * rw-register, valid (a serializable store) and broken (1% of transactions read a stale snapshot).
 * The baseline is a linear pass over the same history (pairing invocations with completions and
 * parsing the micro-ops), so the ratio says how many such passes the whole check costs; the
 * per-transaction cost at 10k and 100k shows whether it stays near-linear.
 *
 *   npx tsx bench/isolation.ts
 *
 * Histories come from a small simulated store (not dsim runs: those take longer than the check).
 * Concurrency 20 processes; each txn has 1–5 micro-ops, half reads, over 10 active keys; like
 * Elle's generator, a key retires after 32 writes and a fresh key takes its place.
 */
import { performance } from 'node:perf_hooks';
import { pairOperations, type HistoryEvent } from '../src/core/history.js';
import { checkIsolation, txnsOf, type IsolationResult } from '../src/checkers/isolation/index.js';
import { xorshift32 } from './bare-loop.js';

type Model = 'list-append' | 'rw-register';


/**
 * A history of `count` transactions from `processes` concurrent clients. Each txn takes effect
 * atomically at one instant between its invocation and completion (so the store is strict
 * serializable), except that a `staleShare` of them read as of 50 transactions earlier.
 */
export function simulatedHistory(model: Model, count: number, staleShare: number, seed = 7): HistoryEvent[] {
  // A deterministic stream, so every run checks the same histories.
  const random = xorshift32(seed);
  const processes = 20;
  const history: HistoryEvent[] = [];
  const lists = new Map<number, number[]>();
  /** Per key: the (apply number, length or value) at each change, for stale reads. */
  const changes = new Map<number, Array<{ at: number; value: unknown }>>();
  const active = Array.from({ length: 10 }, (_, i) => i);
  const writesTo = new Map<number, number>();
  let nextKey = active.length;
  let nextValue = 1;
  let applied = 0;
  let invoked = 0;
  type Running = { ops: unknown[][]; done: boolean; result?: unknown[][] };
  const running: Array<Running | undefined> = Array.from({ length: processes }, () => undefined);
  const valueAt = (key: number, at: number): unknown => {
    const list = changes.get(key) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.at <= at) return list[i]!.value;
    return null;
  };
  while (invoked < count || running.some((r) => r !== undefined)) {
    const p = Math.floor(random() * processes);
    const r = running[p];
    if (r === undefined) {
      if (invoked >= count) continue;
      const ops: unknown[][] = [];
      const length = 1 + Math.floor(random() * 5);
      for (let i = 0; i < length; i++) {
        const slot = Math.floor(random() * active.length);
        const key = active[slot]!;
        if (random() < 0.5) ops.push(['r', key, null]);
        else {
          ops.push([model === 'list-append' ? 'append' : 'w', key, nextValue++]);
          const writes = (writesTo.get(key) ?? 0) + 1;
          writesTo.set(key, writes);
          if (writes >= 32) active[slot] = nextKey++;
        }
      }
      running[p] = { ops, done: false };
      history.push({ index: history.length, type: 'invoke', process: p, f: 'txn', value: ops });
      invoked++;
    } else if (!r.done) {
      const stale = random() < staleShare;
      const at = applied - 50;
      applied++;
      r.result = r.ops.map(([f, key, value]) => {
        const k = key as number;
        if (f === 'r') {
          if (model === 'list-append') {
            const current = lists.get(k) ?? [];
            const length = stale ? ((valueAt(k, at) as number | null) ?? 0) : current.length;
            return ['r', k, length === 0 ? null : current.slice(0, length)];
          }
          return ['r', k, stale ? valueAt(k, at) : (valueAt(k, Infinity) ?? null)];
        }
        let log = changes.get(k);
        if (log === undefined) changes.set(k, (log = []));
        if (model === 'list-append') {
          const list = lists.get(k) ?? [];
          list.push(value as number);
          lists.set(k, list);
          log.push({ at: applied, value: list.length });
        } else log.push({ at: applied, value });
        return [f, k, value];
      });
      r.done = true;
    } else {
      history.push({ index: history.length, type: 'ok', process: p, f: 'txn', value: r.result });
      running[p] = undefined;
    }
  }
  return history;
}

export interface IsolationBenchCase {
  readonly model: Model;
  readonly txns: number;
  readonly staleShare: number;
  readonly checkMs: number;
  readonly baselineMs: number;
  readonly usPerTxn: number;
  readonly result: IsolationResult;
}

function best(repeat: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    fn();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

export function benchIsolation(): IsolationBenchCase[] {
  const cases: IsolationBenchCase[] = [];
  for (const model of ['list-append', 'rw-register'] as const) {
    for (const txns of [10_000, 100_000]) {
      for (const staleShare of [0, 0.01]) {
        const history = simulatedHistory(model, txns, staleShare);
        const repeat = txns > 10_000 ? 3 : 5;
        let result: IsolationResult | undefined;
        checkIsolation(pairOperations(history), { model }); // warm-up
        const checkMs = best(repeat, () => {
          result = checkIsolation(pairOperations(history), { model });
        });
        const baselineMs = best(repeat, () => void txnsOf(pairOperations(history)));
        cases.push({ model, txns, staleShare, checkMs, baselineMs, usPerTxn: (checkMs * 1000) / txns, result: result! });
      }
    }
  }
  return cases;
}

export function formatIsolationBench(cases: readonly IsolationBenchCase[]): string {
  const lines = cases.map((c) => {
    const r = c.result;
    const anomalies = r.anomalyTypes.length === 0 ? 'none' : r.anomalyTypes.map((t) => `${t} ${r.counts[t]}`).join(', ');
    const edges = Object.values(r.stats.edges).reduce((a, b) => a + b, 0);
    return `${c.model.padEnd(11)} ${c.txns.toLocaleString('en-US').padStart(7)} txns, ${(c.staleShare * 100).toFixed(0)}% stale: ${c.checkMs.toFixed(0).padStart(5)} ms (${c.usPerTxn.toFixed(1)} µs/txn, ${(c.checkMs / c.baselineMs).toFixed(1)}x a linear pass of ${c.baselineMs.toFixed(0)} ms); ${edges.toLocaleString('en-US')} edges, ${r.stats.cyclicComponents} cyclic components (largest ${r.stats.largestComponent}); anomalies: ${anomalies}`;
  });
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(formatIsolationBench(benchIsolation()));
