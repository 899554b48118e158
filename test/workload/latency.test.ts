import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXACT_SAMPLES, LatencyRecorder } from '../../src/workload/latency.js';

function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('LatencyRecorder', () => {
  it('gives the exact nearest-rank percentiles of a run with few samples', () => {
    const r = new LatencyRecorder();
    for (const v of [30, 10, 20, 40]) r.add('write', v);
    r.add('read', 5);
    expect(r.summary()).toEqual({ read: { count: 1, p50Us: 5, p99Us: 5, maxUs: 5 }, write: { count: 4, p50Us: 30, p99Us: 40, maxUs: 40 } });
  });

  it('past the exact limit, stays within 0.2% of the exact percentiles, with the exact count and max', () => {
    const seed = 1414;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 0, max: 1000 }), (scale, salt) => {
        const r = new LatencyRecorder();
        const values: number[] = [];
        for (let i = 0; i < EXACT_SAMPLES + 5000; i++) {
          const v = Math.floor(((i * 7919 + salt) % 10007) * (scale / 10007));
          values.push(v);
          r.add('cas', v);
        }
        const s = r.summary()['cas']!;
        expect(s.count).toBe(values.length);
        expect(s.maxUs).toBe(Math.max(...values));
        for (const [q, got] of [
          [0.5, s.p50Us],
          [0.99, s.p99Us],
        ] as const) {
          const exact = nearestRank(values, q);
          expect(got).toBeLessThanOrEqual(exact);
          expect(exact - got).toBeLessThanOrEqual(Math.max(0, exact * 0.002));
        }
      }),
      { seed, numRuns: 5 },
    );
  });
});
