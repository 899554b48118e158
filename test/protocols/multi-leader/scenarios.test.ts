/** The three ways of resolving one multi-leader conflict, side by side, on several seeds. */
import { describe, expect, it } from 'vitest';
import { run, scenarioFiles, verdicts } from '../leaderless/support.js';

const SEEDS = [1, 2, 3, 4];

describe('multi-leader scenarios', () => {
  it('has the three conflict files', () => {
    expect(scenarioFiles('multi-leader')).toEqual(['multi-leader/conflict-crdt.yaml', 'multi-leader/conflict-lww.yaml', 'multi-leader/conflict-version-vector.yaml']);
  });

  for (const file of scenarioFiles('multi-leader')) {
    it(`${file}: expectation holds on seeds ${SEEDS.join(', ')}`, () => {
      for (const seed of SEEDS) {
        const result = run(file, seed);
        expect({ seed, expectation: result.expectation, checks: result.checks.map((c) => `${c.name}: ${c.verdict} (${c.detail})`) }).toMatchObject({ seed, expectation: 'held' });
      }
    });
  }

  it('same run, same acknowledged adds; only lww loses some', () => {
    const results = ['lww', 'version-vector', 'crdt'].map((m) => run(`multi-leader/conflict-${m}.yaml`));
    // The conflict rule changes nothing about what clients are told: identical histories up to heal.
    const acked = results.map((r) => r.history.filter((e) => e.type === 'ok' && e.f === 'add').length);
    expect(new Set(acked).size).toBe(1);
    expect(results.map((r) => verdicts(r)['set-complete'])).toEqual(['fail', 'pass', 'pass']);
    expect(results.map((r) => verdicts(r)['converged'])).toEqual(['pass', 'pass', 'pass']);
  });
});
