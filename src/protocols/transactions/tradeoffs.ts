/**
 * The isolation trade-off at a glance: given the runs of a directory of transactions scenarios,
 * one row per configuration that differs only in isolation (and commit protocol), with what each
 * costs and buys, measured: anomalies the isolation checker finds (against strict
 * serializability) per 1,000 committed transactions, committed transactions per second of the
 * main phase, the abort rate, and commit latency. Runs with faults or flaws are left out: they
 * measure something else. Pure: the CLI renders it after running the scenarios.
 */
import { pairOperations, type History } from '../../core/history.js';
import { formatUs } from '../../core/time.js';
import { checkIsolation } from '../../checkers/isolation/index.js';

/** The part of a run result the table reads (the runner's RunResult has all of it). */
export interface TxTradeoffRun {
  readonly options: unknown;
  readonly flaws: readonly string[];
  readonly faults: readonly unknown[];
  readonly history: History;
  /** When the final reads began: ops invoked from then on are not the workload's. */
  readonly finalReadFromUs?: number;
  readonly latency: Readonly<Record<string, { readonly p50Us: number; readonly p99Us: number }>>;
}

/** Rows of cells under a header, for the CLI's table formatter. */
export interface TxTradeoffTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export function txTradeoffTable(runs: readonly TxTradeoffRun[]): TxTradeoffTable | undefined {
  const plain = runs.filter((r) => r.flaws.length === 0 && r.faults.length === 0);
  const groups = new Map<string, TxTradeoffRun[]>();
  for (const run of plain) {
    const label = labelOf(run.options);
    let list = groups.get(label);
    if (list === undefined) groups.set(label, (list = []));
    list.push(run);
  }
  if (groups.size < 2) return undefined;
  const header = ['configuration', 'runs', 'committed', 'anomalies per 1,000', 'commits/s', 'abort rate', 'commit p50', 'commit p99'];
  const rows = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0)) // serializable before read-committed
    .map(([label, list]) => {
      let committed = 0;
      let aborted = 0;
      let anomalies = 0;
      let seconds = 0;
      for (const run of list) {
        const m = measure(run);
        committed += m.committed;
        aborted += m.aborted;
        anomalies += m.anomalies;
        seconds += m.seconds;
      }
      const p50 = list.map((r) => r.latency['txn']?.p50Us).filter((v): v is number => v !== undefined);
      const p99 = list.map((r) => r.latency['txn']?.p99Us).filter((v): v is number => v !== undefined);
      return [
        label,
        String(list.length),
        String(committed),
        committed === 0 ? '-' : ((1000 * anomalies) / committed).toFixed(1),
        seconds === 0 ? '-' : (committed / seconds).toFixed(1),
        committed + aborted === 0 ? '-' : `${((100 * aborted) / (committed + aborted)).toFixed(1)}%`,
        range(p50),
        range(p99),
      ];
    });
  return { header, rows };
}

function labelOf(options: unknown): string {
  const o = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  const isolation = typeof o['isolation'] === 'string' ? o['isolation'] : 'serializable';
  const commit = typeof o['commit'] === 'string' ? o['commit'] : '2pc';
  const locking = typeof o['locking'] === 'string' ? o['locking'] : 'wait-die';
  return `${isolation}, ${commit}, ${locking}`;
}

/** A run's committed and aborted workload transactions, anomalies (strict serializability), main-phase seconds. */
function measure(run: TxTradeoffRun): { committed: number; aborted: number; anomalies: number; seconds: number } {
  const ops = pairOperations(run.history);
  const finalFrom = run.finalReadFromUs ?? Infinity;
  const workload = ops.filter((op) => (op.invokeTimeUs ?? 0) < finalFrom);
  const committed = workload.filter((op) => op.outcome === 'ok');
  const endUs = committed.reduce((max, op) => Math.max(max, op.completeTimeUs ?? 0), 0);
  const result = checkIsolation(ops, { model: writesRegisters(run.history) ? 'rw-register' : 'list-append', consistency: 'strict-serializable' });
  const anomalies = Object.values(result.counts).reduce((a, b) => a + (b ?? 0), 0);
  return { committed: committed.length, aborted: workload.filter((op) => op.outcome === 'fail').length, anomalies, seconds: endUs / 1e6 };
}

/** Whether the transactions write registers ([w k v]) rather than append to lists. */
function writesRegisters(history: History): boolean {
  for (const event of history) {
    if (event.f !== 'txn' || !Array.isArray(event.value)) continue;
    for (const mop of event.value as unknown[]) if (Array.isArray(mop) && (mop[0] === 'w' || mop[0] === 'append')) return mop[0] === 'w';
  }
  return false;
}

function range(values: readonly number[]): string {
  if (values.length === 0) return '-';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? formatUs(lo) : `${formatUs(lo)}-${formatUs(hi)}`;
}
