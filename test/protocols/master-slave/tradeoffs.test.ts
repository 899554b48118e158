import { describe, expect, it } from 'vitest';
import { tradeoffTable, type TradeoffRun } from '../../../src/protocols/master-slave/tradeoffs.js';
import { run } from './support.js';

function fake(options: object, checks: Record<string, string>, ok: number, invoked: number, p50Us: number, p99Us: number): TradeoffRun {
  return {
    scenario: 'x',
    options,
    checks: Object.entries(checks).map(([name, verdict]) => ({ name, verdict })),
    ops: { ok, fail: 0, info: invoked - ok, invoked },
    latency: { write: { p50Us, p99Us } },
  };
}

describe('master-slave trade-off table', () => {
  it('groups runs by mode, in the order async, semi-sync (by k, fallback last), sync', () => {
    const table = tradeoffTable([
      fake({ mode: 'sync' }, { durable: 'pass', linearizable: 'pass', converged: 'pass' }, 90, 100, 20_000, 40_000),
      fake({ mode: 'async' }, { durable: 'fail', converged: 'pass' }, 99, 100, 8_000, 25_000),
      fake({ mode: 'semi-sync', k: 1, semiSyncTimeoutUs: 100_000 }, { durable: 'fail', linearizable: 'fail' }, 95, 100, 17_000, 100_000),
      fake({ mode: 'semi-sync', k: 1 }, { durable: 'pass', linearizable: 'unknown' }, 96, 100, 17_000, 45_000),
      fake({ mode: 'async' }, { durable: 'pass', linearizable: 'fail' }, 100, 100, 9_000, 30_000),
    ]);
    expect(table.header).toEqual(['mode', 'runs', 'durable', 'linearizable', 'converged', 'availability', 'write p50', 'write p99']);
    expect(table.rows).toEqual([
      ['async', '2', 'broken 1/2', 'broken 1/1', 'held 1/1', '99.5%', '8ms-9ms', '25ms-30ms'],
      ['semi-sync k=1', '1', 'held 1/1', 'unknown 1/1', '-', '96.0%', '17ms', '45ms'],
      ['semi-sync k=1, async after 100ms', '1', 'broken 1/1', 'broken 1/1', '-', '95.0%', '17ms', '100ms'],
      ['sync', '1', 'held 1/1', 'held 1/1', 'held 1/1', '90.0%', '20ms', '40ms'],
    ]);
  });

  it('prefers the counts measured during the faults when the caller has them, and copes with no data', () => {
    const during = { ...fake({ mode: 'sync' }, {}, 90, 100, 1, 1), opsDuringFaults: { ok: 1, invoked: 4 } };
    expect(tradeoffTable([during]).rows[0]![5]).toBe('25.0%');
    const empty = { scenario: 'y', options: undefined, checks: [], ops: { ok: 0, fail: 0, info: 0, invoked: 0 }, latency: {} };
    expect(tradeoffTable([empty]).rows).toEqual([['async', '1', '-', '-', '-', '-', '-', '-']]);
  });

  it('reads real run results: async loses writes where sync and semi-sync do not', () => {
    const runs = ['async-failover-loses-writes.yaml', 'semi-sync-k1-durable.yaml', 'semi-sync-fallback-loses-writes.yaml', 'sync-failover-durable.yaml'].map((f) => run(f));
    const rows = tradeoffTable(runs).rows;
    expect(rows.map((r) => [r[0], r[2]])).toEqual([
      ['async', 'broken 1/1'],
      ['semi-sync k=1', 'held 1/1'],
      ['semi-sync k=1, async after 100ms', 'broken 1/1'],
      ['sync', 'held 1/1'],
    ]);
  });
});
