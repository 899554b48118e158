import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/scenario/index.js';
import { runScenario } from '../../src/runner/index.js';

/** A small run with every kind of nondeterminism dsim must tame: loss, dup, reordering, faults. */
const scenario = resolveScenario(
  {
    name: 'determinism',
    protocol: 'broadcast',
    nodes: 4,
    duration: '600ms',
    network: { latency: { dist: 'exponential', mean: '3ms', min: '500us' }, loss: 0.05, duplicate: 0.05, reorder: { p: 0.1, delay: '20ms' } },
    workload: { model: 'broadcast', clients: 3, rate: '200/s' },
    faults: [
      { at: '100ms', partition: 'majority-minority', for: '200ms' },
      { at: '200ms', crash: 'random', for: '100ms' },
      { at: '300ms', skew: 'random', offset: '-5ms', drift: 0.01 },
    ],
    heal: { quiesce: '200ms' },
    checks: ['broadcast-delivered'],
  },
  'determinism.yaml',
);

describe('determinism', () => {
  it('over 1,000 seeds: the same seed gives the same trace hash; different seeds give different hashes', () => {
    const hashes = new Map<string, number>();
    for (let seed = 0; seed < 1000; seed++) {
      const first = runScenario(scenario, { seed });
      const second = runScenario(scenario, { seed });
      expect(second.traceHash, `seed ${seed}`).toBe(first.traceHash);
      expect(second.events, `seed ${seed}`).toBe(first.events);
      const previous = hashes.get(first.traceHash);
      expect(previous, `seeds ${previous} and ${seed} share hash ${first.traceHash}`).toBeUndefined();
      hashes.set(first.traceHash, seed);
    }
    expect(hashes.size).toBe(1000);
  });
});
