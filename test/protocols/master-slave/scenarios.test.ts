/**
 * End to end: every scenario file under scenarios/master-slave runs through the runner with its
 * own seed and meets its `expect`, with the verdicts its header promises.
 */
import { describe, expect, it } from 'vitest';
import { run, scenarioFiles, verdicts } from './support.js';

const promised: Record<string, Record<string, string>> = {
  'async-failover-loses-writes.yaml': { durable: 'fail', converged: 'pass', invariants: 'pass' },
  'sync-failover-durable.yaml': { linearizable: 'pass', durable: 'pass', converged: 'pass', liveness: 'pass' },
  'semi-sync-k1-durable.yaml': { linearizable: 'pass', durable: 'pass', converged: 'pass' },
  'semi-sync-fallback-loses-writes.yaml': { durable: 'fail', linearizable: 'fail', converged: 'pass' },
  'replica-reads-stale.yaml': { linearizable: 'fail', durable: 'pass', converged: 'pass' },
  'split-brain-isolated-primary.yaml': { durable: 'fail', linearizable: 'fail', converged: 'pass', invariants: 'pass' },
  'replica-restart-catch-up.yaml': { linearizable: 'pass', durable: 'pass', converged: 'pass', liveness: 'pass' },
  'promotion-first-to-notice-loses-writes.yaml': { durable: 'fail', converged: 'pass' },
  'promotion-most-up-to-date.yaml': { durable: 'pass', linearizable: 'pass', converged: 'pass' },
  'manual-promote.yaml': { durable: 'pass', linearizable: 'pass', liveness: 'pass' },
  // Found by the fuzzer: durable under failover, yet a deposed primary serves stale reads.
  'sync-failover-stale-primary-reads.yaml': { durable: 'pass', linearizable: 'fail', converged: 'pass', invariants: 'pass' },
  // Its cure, a primary read lease; and the lease broken by a clock drift its margin does not cover.
  'sync-failover-lease-reads.yaml': { linearizable: 'pass', durable: 'pass', converged: 'pass', liveness: 'pass', invariants: 'pass' },
  'sync-failover-lease-skew.yaml': { linearizable: 'fail', durable: 'pass', converged: 'pass', invariants: 'pass' },
};

describe('master-slave scenarios', () => {
  it('has a scenario for every promise and a promise for every scenario', () => {
    expect(scenarioFiles()).toEqual(Object.keys(promised).sort());
  });

  for (const file of Object.keys(promised).sort()) {
    it(`${file} meets its expectation`, () => {
      const result = run(file);
      expect(verdicts(result), result.checks.map((c) => `${c.name}: ${c.detail}`).join('\n')).toMatchObject({ health: 'pass', ...promised[file] });
      expect(result.expectation).toBe('held');
    });
  }

  it('the failing scenarios fail by the mechanism they name, on other seeds too', () => {
    for (const seed of [2, 3]) {
      expect(run('async-failover-loses-writes.yaml', seed).expectation).toBe('held');
      expect(run('promotion-first-to-notice-loses-writes.yaml', seed).expectation).toBe('held');
      expect(run('promotion-most-up-to-date.yaml', seed).expectation).toBe('held');
    }
  });

  it('the read lease holds on seeds 1-10; without the lease the same faults break on seeds 6, 8, 10', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const result = run('sync-failover-lease-reads.yaml', seed);
      expect(verdicts(result), `seed ${seed}`).toMatchObject({ linearizable: 'pass', durable: 'pass', converged: 'pass', liveness: 'pass' });
    }
    const broken = [6, 8, 10].filter((seed) => verdicts(run('sync-failover-stale-primary-reads.yaml', seed)).linearizable === 'fail');
    expect(broken).toEqual([6, 8, 10]);
  });

  it('is deterministic: one seed, one trace hash', () => {
    const a = run('split-brain-isolated-primary.yaml');
    const b = run('split-brain-isolated-primary.yaml');
    expect(a.traceHash).toBe(b.traceHash);
    expect(run('split-brain-isolated-primary.yaml', 2).traceHash).not.toBe(a.traceHash);
  });
});
