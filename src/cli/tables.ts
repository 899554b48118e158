/** Protocol-specific tables printed after a directory run (after a directory run). */
import { pairOperations } from '../core/history.js';
import { tradeoffTable } from '../protocols/master-slave/tradeoffs.js';
import { txTradeoffTable } from '../protocols/transactions/tradeoffs.js';
import { sideBySideTables } from '../protocols/paxos/side-by-side.js';
import type { RunResult } from '../runner/index.js';
import { formatTable } from './table.js';

/** Ops invoked from the first fault until the heal: what clients saw while the fault was on. */
function opsDuringFaults(result: RunResult): { ok: number; invoked: number } | undefined {
  const first = result.faults.find((f) => !f.skipped);
  if (first === undefined) return undefined;
  const endUs = result.finalReadFromUs ?? result.virtualTimeUs;
  const during = pairOperations(result.history).filter((op) => (op.invokeTimeUs ?? 0) >= first.atUs && (op.invokeTimeUs ?? 0) < endUs);
  return { ok: during.filter((op) => op.outcome === 'ok').length, invoked: during.length };
}

/** The protocol tables a directory run ends with (empty when none applies). */
export function protocolTables(results: readonly RunResult[], width?: number): string[] {
  return [masterSlaveTradeoffs(results, width), transactionTradeoffs(results, width), ...consensusSideBySide(results, width)].filter((text) => text !== '');
}

function transactionTradeoffs(results: readonly RunResult[], width: number | undefined): string {
  const table = txTradeoffTable(results.filter((r) => r.protocol === 'transactions'));
  if (table === undefined) return '';
  return `transactions: the isolation trade-off at a glance (measured; runs without faults or flaws)\n${formatTable({ header: table.header, rows: table.rows, rule: true, ...(width !== undefined ? { width } : {}) })}`;
}

function masterSlaveTradeoffs(results: readonly RunResult[], width: number | undefined): string {
  const runs = results.filter((r) => r.protocol === 'master-slave');
  if (runs.length < 2) return '';
  const table = tradeoffTable(
    runs.map((r) => {
      const during = opsDuringFaults(r);
      return { scenario: r.scenario, options: r.options, checks: r.checks, ops: r.ops, latency: r.latency, ...(during !== undefined ? { opsDuringFaults: during } : {}) };
    }),
  );
  return `master-slave: the trade-off at a glance (measured)\n${formatTable({ header: table.header, rows: table.rows, rule: true, ...(width !== undefined ? { width } : {}) })}`;
}

function consensusSideBySide(results: readonly RunResult[], width: number | undefined): string[] {
  return sideBySideTables(results).map(
    ({ directory, table }) =>
      `${directory}: consensus protocols side by side, same workload and fault plan (measured)\n${formatTable({ header: table.header, rows: table.rows, rule: true, ...(width !== undefined ? { width } : {}) })}`,
  );
}
