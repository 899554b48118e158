/**
 * Kernel fault shapes aimed at protocol moments: crash points inside a step's effects, permanent
 * node loss (a wiped disk), coarse clocks, and the step observer that event-triggered faults use.
 */
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../src/core/protocol.js';
import type { ObservedKind } from '../../src/kernel/simulation.js';
import { makeSim } from '../support/sim.js';

interface S {
  ticks: number;
  got: number;
  stamps: number[];
  leader: boolean;
}
type M = { type: 'vote'; tick: number };

/** On each tick: persist the tick, then broadcast it to every peer; n1 becomes 'leader' at tick 2. */
const broadcaster: Protocol<S, M, { ticks: number }> = {
  name: 'broadcaster',
  init(ctx, durable) {
    ctx.setTimer('tick', 10_000);
    return { ticks: durable?.ticks ?? 0, got: 0, stamps: [], leader: false };
  },
  onMessage(state) {
    state.got++;
  },
  onTimer(state, _name, ctx) {
    state.ticks++;
    state.stamps.push(ctx.now());
    if (ctx.self === 'n1' && state.ticks === 2) {
      state.leader = true;
      ctx.note('elected', { tick: state.ticks });
    }
    ctx.persist({ ticks: state.ticks });
    for (const p of ctx.peers) ctx.send(p, { type: 'vote', tick: state.ticks });
    ctx.setTimer('tick', 10_000);
  },
  onRequest() {},
  role: (s) => (s.leader ? 'leader' : 'follower'),
};

const ticksOnDisk = (sim: ReturnType<typeof makeSim>['sim'], id: string): number | undefined => (sim.durableOf(id) as { ticks: number } | undefined)?.ticks;

describe('crash points', () => {
  it('after-persist: the step persists, then the node crashes before any of its messages leave', () => {
    const { sim } = makeSim({ protocol: broadcaster, nodes: 4 });
    sim.start();
    sim.run(5_000);
    let crashedAt = -1;
    sim.armCrashPoint('n1', 'after-persist', () => (crashedAt = sim.now));
    sim.run(30_000);
    expect(crashedAt).toBe(10_000);
    expect(sim.nodeStatus('n1')).toBe('crashed');
    expect(ticksOnDisk(sim, 'n1')).toBe(1); // the persist of the crashing step is on disk
    // None of n1's three votes left; the other nodes' votes reached each other (2 each, twice).
    for (const id of ['n2', 'n3', 'n4']) expect((sim.nodes[sim.nodeIndex(id)]!.state as S).got).toBe(4);
    expect(sim.crashPointArmed('n1')).toBe(false);
  });

  it('partial-send: some but not all of a broadcast leaves, drawn from the crash-points stream', () => {
    const outcomes = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const { sim } = makeSim({ protocol: broadcaster, nodes: 5, seed });
      sim.start();
      sim.armCrashPoint('n1', 'partial-send');
      sim.run(11_000);
      expect(sim.nodeStatus('n1')).toBe('crashed');
      expect(ticksOnDisk(sim, 'n1')).toBe(1);
      // Every peer has the three other peers' votes; those with a fourth got n1's.
      const fromN1 = ['n2', 'n3', 'n4', 'n5'].filter((id) => (sim.nodes[sim.nodeIndex(id)]!.state as S).got === 4).length;
      expect(fromN1).toBeGreaterThanOrEqual(1);
      expect(fromN1).toBeLessThanOrEqual(3);
      outcomes.add(fromN1);
    }
    expect(outcomes.size).toBeGreaterThan(1);
  });

  it('a crash point waits for a step that reaches it, and is disarmed by a crash or on request', () => {
    const { sim } = makeSim({ protocol: broadcaster, nodes: 1 });
    sim.start();
    sim.armCrashPoint('n1', 'partial-send'); // a one-node cluster never sends: never reached
    sim.run(50_000);
    expect(sim.nodeStatus('n1')).toBe('up');
    expect(sim.crashPointArmed('n1')).toBe(true);
    sim.disarmCrashPoint('n1');
    expect(sim.crashPointArmed('n1')).toBe(false);
  });

  it('invariants see the state the crashing step computed, before the crash drops it', () => {
    const seen: number[] = [];
    const watched: Protocol<S, M, { ticks: number }> = {
      ...broadcaster,
      invariants: [{ name: 'watch', monitor: () => (cluster) => (cluster.changed?.id === 'n1' && cluster.changed.state !== undefined ? (seen.push(cluster.changed.state.ticks), undefined) : undefined) }],
    };
    const { sim } = makeSim({ protocol: watched, nodes: 2 });
    sim.start();
    sim.armCrashPoint('n1', 'partial-send');
    sim.armCrashPoint('n1', 'after-persist'); // re-arming replaces
    sim.run(15_000);
    expect(sim.nodeStatus('n1')).toBe('crashed');
    expect(seen).toEqual([0, 1]); // init, then the tick that crashed after its persist
  });

  it('is part of the run: the same arming gives the same trace hash, a different point another', () => {
    const run = (point: 'after-persist' | 'partial-send'): string => {
      const { sim } = makeSim({ protocol: broadcaster, nodes: 3 });
      sim.start();
      sim.armCrashPoint('n2', point);
      sim.run(100_000);
      return sim.traceHash;
    };
    expect(run('partial-send')).toBe(run('partial-send'));
    expect(run('partial-send')).not.toBe(run('after-persist'));
  });
});

describe('wiped disks', () => {
  it('a crashed node that loses its disk boots as a new machine', () => {
    const { sim } = makeSim({ protocol: broadcaster, nodes: 2 });
    sim.start();
    sim.run(35_000);
    sim.crash('n2');
    expect(ticksOnDisk(sim, 'n2')).toBe(3);
    sim.wipeDisk('n2');
    expect(sim.durableOf('n2')).toBeUndefined();
    sim.restart('n2');
    expect((sim.nodes[1]!.state as S).ticks).toBe(0);
    expect(() => sim.wipeDisk('n1')).toThrow(/only a node that is down/);
  });
});

describe('coarse clocks', () => {
  it('readings are rounded down to the resolution, so they tie; timers still fire on time', () => {
    const { sim } = makeSim({ protocol: broadcaster, nodes: 1 });
    sim.start();
    sim.setClock('n1', { resolutionUs: 25_000 });
    sim.run(100_000);
    const state = sim.nodes[0]!.state as S;
    expect(state.ticks).toBe(10);
    // Ticks at 10, 20, ..., 100 ms of true time, read on a clock that moves in 25 ms steps.
    expect(state.stamps).toEqual([0, 0, 25_000, 25_000, 50_000, 50_000, 50_000, 75_000, 75_000, 100_000]);
    expect(sim.clockOf('n1')).toBe(100_000);
  });
});

describe('the step observer', () => {
  it('reports role changes, persists, sends, deliveries, timers, notes, crashes and restarts by node', () => {
    const { sim } = makeSim({ protocol: broadcaster, nodes: 2 });
    const seen: Array<[string, ObservedKind, string]> = [];
    sim.observe((node, kind, detail) => seen.push([node, kind, detail]));
    sim.start();
    sim.run(21_000);
    sim.crash('n2');
    sim.restart('n2');
    sim.observe(undefined);
    sim.run(40_000);
    // A second observer (watch) sees the same moments, independently of the first.
    const watched: string[] = [];
    sim.watch((node, kind) => watched.push(`${node}:${kind}`));
    sim.observe(() => undefined);
    sim.crash('n1');
    sim.observe(undefined);
    sim.restart('n1');
    sim.watch(undefined);
    expect(watched).toEqual(['n1:crash', 'n1:role', 'n1:restart']);
    const kinds = (node: string): string[] => seen.filter(([n]) => n === node).map(([, k, d]) => (d ? `${k}:${d}` : k));
    expect(kinds('n1')).toEqual([
      'role:follower', // init (the first step): the role appears
      'persist',
      'send:vote',
      'timer:tick',
      'deliver:vote',
      'note:elected',
      'persist',
      'send:vote',
      'timer:tick',
      'role:leader',
      'deliver:vote',
    ]);
    expect(kinds('n2').slice(-3)).toEqual(['crash', 'role:follower', 'restart']);
  });
});
