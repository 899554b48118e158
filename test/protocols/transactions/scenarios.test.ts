/**
 * End to end: every scenario under scenarios/transactions runs through the runner with its own
 * seed and meets its `expect`, with the verdicts its header promises; and the isolation table a
 * directory run prints measures the trade-off it claims.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../../src/runner/index.js';
import { parseScenarioText } from '../../../src/scenario/index.js';
import { txTradeoffTable } from '../../../src/protocols/transactions/tradeoffs.js';
import { renderRunHtml } from '../../../src/report/html.js';

const DIR = join(import.meta.dirname, '../../../scenarios/transactions');
const results = new Map<string, RunResult>();

function run(file: string): RunResult {
  let result = results.get(file);
  if (result === undefined) {
    result = runScenario(parseScenarioText(readFileSync(join(DIR, file), 'utf8'), file));
    results.set(file, result);
  }
  return result;
}

const verdicts = (r: RunResult): Record<string, string> => Object.fromEntries(r.checks.map((c) => [c.name, c.verdict]));

const promised: Record<string, Record<string, string>> = {
  'coordinator-crash-blocks.yaml': { 'non-blocking': 'fail', invariants: 'pass', isolation: 'pass', durable: 'pass', liveness: 'pass' },
  'coordinator-crash-cooperative.yaml': { 'non-blocking': 'pass', invariants: 'pass', isolation: 'pass', durable: 'pass' },
  'three-phase-commit-crash.yaml': { 'non-blocking': 'pass', invariants: 'pass', isolation: 'pass', durable: 'pass' },
  'three-phase-commit-partition.yaml': { invariants: 'fail', isolation: 'fail', durable: 'fail' },
  'flaw-unilateral-abort.yaml': { invariants: 'fail', isolation: 'fail', durable: 'fail' },
  'flaw-commit-before-log.yaml': { invariants: 'fail', isolation: 'fail', durable: 'fail' },
  'flaw-vote-before-log.yaml': { invariants: 'fail', isolation: 'fail', durable: 'fail' },
  'flaw-early-read-unlock.yaml': { isolation: 'fail', invariants: 'pass', durable: 'pass' },
  'shard-move-under-load.yaml': { invariants: 'pass', isolation: 'pass', durable: 'pass', liveness: 'pass' },
  'isolation-serializable.yaml': { isolation: 'pass', 'strict-serializable': 'pass' },
  'isolation-read-committed.yaml': { isolation: 'pass', 'strict-serializable': 'fail' },
  'primary-crash-failover.yaml': { 'non-blocking': 'pass', invariants: 'pass', isolation: 'pass', durable: 'pass', liveness: 'pass' },
  'primary-crash-no-replication.yaml': { 'non-blocking': 'fail', invariants: 'pass', isolation: 'pass', durable: 'pass', liveness: 'pass' },
  'flaw-vote-before-backup.yaml': { invariants: 'fail' },
};

describe('transactions scenarios', () => {
  it('has a scenario for every promise and a promise for every scenario', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(promised).sort());
  });

  for (const file of Object.keys(promised).sort()) {
    it(`${file} meets its expectation`, () => {
      const result = run(file);
      expect(verdicts(result), result.checks.map((c) => `${c.name}: ${c.detail}`).join('\n')).toMatchObject({ health: 'pass', ...promised[file] });
      expect(result.expectation).toBe('held');
    });
  }

  it('each flaw breaks atomicity by the mechanism its header names', () => {
    const detail = (file: string): string => run(file).checks.find((c) => c.name === 'invariants')!.detail;
    expect(detail('flaw-unilateral-abort.yaml')).toMatch(/atomicity: transaction \S+ was committed by \S+( \(its coordinator\))? but aborted at n\d/);
    expect(detail('flaw-commit-before-log.yaml')).toMatch(/atomicity: transaction (n\d)\/\S+ was committed by \1 \(its coordinator\) but aborted at \1/);
    expect(detail('flaw-vote-before-log.yaml')).toMatch(/voted yes for it and came back from a crash without its PREPARED record/);
    expect(detail('flaw-vote-before-backup.yaml')).toMatch(/atomicity: transaction \S+ was committed by \S+ \(its coordinator\), but s2 voted yes for it, and n4 took the shard over without its PREPARED record/);
    expect(run('flaw-early-read-unlock.yaml').checks.find((c) => c.name === 'isolation')!.detail).toMatch(/G2-item|G-single/);
  });

  it('a primary-backup shard finishes what its crashed primary left in doubt; a single-node shard blocks', () => {
    const blocking = (file: string): string => run(file).checks.find((c) => c.name === 'non-blocking')!.detail;
    expect(blocking('primary-crash-failover.yaml')).toMatch(/none longer than 1s/);
    expect(blocking('primary-crash-no-replication.yaml')).toMatch(/1 blocked longer than 1s/);
  });

  it('the isolation table: read committed commits more and aborts less, and shows anomalies serializable does not', () => {
    const runs = ['isolation-serializable.yaml', 'isolation-read-committed.yaml'].map((f) => run(f));
    const table = txTradeoffTable(runs)!;
    expect(table.rows.map((r) => r[0])).toEqual(['serializable, 2pc, wait-die', 'read-committed, 2pc, wait-die']);
    const [ser, rc] = table.rows as [string[], string[]];
    expect(Number(ser[3])).toBe(0);
    expect(Number(rc[3])).toBeGreaterThan(0);
    expect(Number(rc[4])).toBeGreaterThan(Number(ser[4]));
    expect(parseFloat(rc[5]!)).toBeLessThan(parseFloat(ser[5]!));
  });

  it('the run report draws the anomalies\' cycles', () => {
    const html = renderRunHtml({ result: run('flaw-early-read-unlock.yaml'), events: [], truncated: false });
    expect(html).toContain('<section class="txn-view">');
    expect(html).toMatch(/<h2>Transactions \(check isolation\): <span class="verdict-invalid" id="txn-verdict">not strict-serializable<\/span>/);
    expect(html).toMatch(/<div class="anomaly" data-type="G-single"><svg/);
    expect((html.match(/<li><span class="kind"/g) ?? []).length).toBeGreaterThan(3);
  });
});
