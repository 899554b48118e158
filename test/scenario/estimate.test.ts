import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateEvents, workloadEventsAtLeast } from '../../src/scenario/estimate.js';

const closed = (clients: number, untilUs: number, timeoutUs = 1_000_000, thinkUs = 0) => ({ workload: { clients, untilUs, timeoutUs, thinkUs } });

describe('workloadEventsAtLeast', () => {
  it('closed loop: each client issues at least one op per timeout (plus think time)', () => {
    expect(workloadEventsAtLeast(closed(3, 10_000_000)).events).toBe(30);
    expect(workloadEventsAtLeast(closed(2, 10_000_000, 500_000, 500_000)).events).toBe(20);
    expect(workloadEventsAtLeast(closed(1, 999_999)).events).toBe(0);
  });

  it('open loop: half the arrivals, at most one a microsecond', () => {
    expect(workloadEventsAtLeast({ workload: { clients: 1, ratePerSecond: 100, untilUs: 10_000_000, timeoutUs: 1, thinkUs: 0 } }).events).toBe(500);
    const fast = workloadEventsAtLeast({ workload: { clients: 1, ratePerSecond: 1e9, untilUs: 1_000_000, timeoutUs: 1, thinkUs: 0 } });
    expect(fast.events).toBe(500_000);
    expect(fast.basis).toContain('at most one arrival a microsecond');
  });

  it('grows with the workload: more clients, a higher rate or a longer run never lower it (fast-check, seed 19)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 1e7 }), (clients, untilUs, timeoutUs) => {
        const base = workloadEventsAtLeast(closed(clients, untilUs, timeoutUs)).events;
        expect(workloadEventsAtLeast(closed(clients + 1, untilUs, timeoutUs)).events).toBeGreaterThanOrEqual(base);
        expect(workloadEventsAtLeast(closed(clients, untilUs * 2, timeoutUs)).events).toBeGreaterThanOrEqual(base);
      }),
      { seed: 19, numRuns: 200 },
    );
  });

  it('estimateEvents: arrivals, the ops the clients can issue, each a request, a reply and a round trip to every other node', () => {
    const latency = { dist: 'exponential' as const, meanUs: 5_000, minUs: 1_000 };
    const open = (nodes: number, clients: number, ratePerSecond: number, untilUs: number) => ({ nodes, network: { latency }, workload: { clients, ratePerSecond, untilUs, timeoutUs: 1_000_000, thinkUs: 0 } });
    // 64-node Raft at 1,000 ops/s for 10 s with 16 clients took 1,393,885 events (7,822 ops issued).
    expect(estimateEvents(open(64, 16, 1000, 10_000_000))).toMatchObject({ events: 1_026_000, basis: expect.stringContaining('16 clients issue about 8,000 of them, one op per 20ms each') });
    expect(estimateEvents(open(1, 100, 1000, 1_000_000))!.events).toBe(2_000);
    expect(estimateEvents({ nodes: 5, network: { latency }, ...closed(3, 10_000_000) })).toBeUndefined();
  });
});
