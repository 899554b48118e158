/**
 * The replication-mode trade-off at a glance: given the results of a directory of master-slave
 * scenario runs, one row per mode (async, semi-sync with its k and fallback, sync) and one column
 * per property: durable, linearizable, converged, availability (ok / invoked), write latency.
 * Pure data: the CLI renders it (one table formatter for every table) after running the scenarios.
 */
import { formatUs } from '../../core/time.js';

/** The part of a run result the table reads (the runner's RunResult has all of it). */
export interface TradeoffRun {
  readonly scenario: string;
  readonly options: unknown;
  readonly checks: readonly { readonly name: string; readonly verdict: string }[];
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number; readonly invoked: number };
  readonly latency: Readonly<Record<string, { readonly p50Us: number; readonly p99Us: number }>>;
  /** Ops invoked while a fault was active, when the caller measured them; else the whole run counts. */
  readonly opsDuringFaults?: { readonly ok: number; readonly invoked: number };
}

export interface TradeoffTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export const TRADEOFF_PROPERTIES = ['durable', 'linearizable', 'converged'] as const;

const MODE_ORDER = ['async', 'semi-sync', 'sync'];

/** One row per replication mode, in the order async, semi-sync (by k, then fallback), sync. */
export function tradeoffTable(runs: readonly TradeoffRun[]): TradeoffTable {
  const groups = new Map<string, { order: [number, number, number]; runs: TradeoffRun[] }>();
  for (const run of runs) {
    const mode = describeMode(run.options);
    let group = groups.get(mode.label);
    if (group === undefined) groups.set(mode.label, (group = { order: mode.order, runs: [] }));
    group.runs.push(run);
  }
  const ordered = [...groups.entries()].sort(([la, a], [lb, b]) => compareOrder(a.order, b.order) || (la < lb ? -1 : la > lb ? 1 : 0));
  const header = ['mode', 'runs', ...TRADEOFF_PROPERTIES, 'availability', 'write p50', 'write p99'];
  const rows = ordered.map(([label, group]) => [
    label,
    String(group.runs.length),
    ...TRADEOFF_PROPERTIES.map((property) => verdictCell(group.runs, property)),
    availabilityCell(group.runs),
    latencyCell(group.runs, 'p50Us'),
    latencyCell(group.runs, 'p99Us'),
  ]);
  return { header, rows };
}

/** The table as aligned plain text (a header, a rule, the rows). */
function describeMode(options: unknown): { label: string; order: [number, number, number] } {
  const o = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  const mode = typeof o['mode'] === 'string' ? o['mode'] : 'async';
  const modeRank = MODE_ORDER.indexOf(mode) < 0 ? MODE_ORDER.length : MODE_ORDER.indexOf(mode);
  // Settings that change what a mode loses get their own row, so rows compare like with like.
  const variant = [
    o['reads'] === 'replica' ? ', replica reads' : '',
    o['promotion'] === 'first-to-notice' ? ', naive promotion' : '',
    o['readLease'] !== undefined && o['readLease'] !== null ? ', read lease' : '',
  ].join('');
  if (mode !== 'semi-sync') return { label: mode + variant, order: [modeRank, 0, variant === '' ? 0 : 1] };
  const k = typeof o['k'] === 'number' ? o['k'] : 1;
  // Accept the options as written (semiSyncTimeout: 100ms) and as resolved (semiSyncTimeoutUs).
  const timeout = o['semiSyncTimeoutUs'] ?? o['semiSyncTimeout'];
  const fallback = typeof timeout === 'number' ? `, async after ${formatUs(timeout)}` : typeof timeout === 'string' ? `, async after ${timeout}` : '';
  return { label: `semi-sync k=${k}${fallback}${variant}`, order: [modeRank, k, (fallback === '' ? 0 : 1) + (variant === '' ? 0 : 2)] };
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function verdictCell(runs: readonly TradeoffRun[], property: string): string {
  const verdicts = runs.flatMap((run) => run.checks.filter((c) => c.name === property).map((c) => c.verdict));
  if (verdicts.length === 0) return '-';
  const fail = verdicts.filter((v) => v === 'fail').length;
  const unknown = verdicts.filter((v) => v !== 'fail' && v !== 'pass').length;
  if (fail === 0 && unknown === verdicts.length) return `unknown ${unknown}/${verdicts.length}`;
  const base = fail === 0 ? `held ${verdicts.length - unknown}/${verdicts.length}` : `broken ${fail}/${verdicts.length}`;
  return unknown > 0 ? `${base} (${unknown} unknown)` : base;
}

function availabilityCell(runs: readonly TradeoffRun[]): string {
  let ok = 0;
  let invoked = 0;
  for (const run of runs) {
    const counts = run.opsDuringFaults ?? run.ops;
    ok += counts.ok;
    invoked += counts.invoked;
  }
  return invoked === 0 ? '-' : `${((100 * ok) / invoked).toFixed(1)}%`;
}

function latencyCell(runs: readonly TradeoffRun[], which: 'p50Us' | 'p99Us'): string {
  const values = runs.map((run) => run.latency['write']?.[which]).filter((v): v is number => v !== undefined);
  if (values.length === 0) return '-';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? formatUs(lo) : `${formatUs(lo)}-${formatUs(hi)}`;
}
