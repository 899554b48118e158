import { describe, expect, it } from 'vitest';
import type { NodeContext, Protocol } from '../../src/core/protocol.js';
import { makeSim } from '../support/sim.js';

interface PingState {
  received: number;
  log: string[];
  ticks: number;
}
type PingMsg = { type: 'ping'; n: number };

/** Every node pings every peer once per 10ms tick and persists its receive count. */
const ping: Protocol<PingState, PingMsg, { received: number }> = {
  name: 'ping',
  init(ctx, durable) {
    ctx.setTimer('tick', 10_000);
    return { received: durable?.received ?? 0, log: [], ticks: 0 };
  },
  onMessage(state, from, msg, ctx) {
    state.received++;
    state.log.push(`${from}:${msg.n}`);
    ctx.persist({ received: state.received });
  },
  onTimer(state, _timer, ctx) {
    state.ticks++;
    for (const p of ctx.peers) ctx.send(p, { type: 'ping', n: state.ticks });
    ctx.setTimer('tick', 10_000);
  },
  onRequest() {},
};

describe('Simulation kernel', () => {
  it('counts the time no up node holds the role leader: from the start, while the leader is paused or crashed', () => {
    // n1 leads from its third tick (30ms) on; nobody else ever does.
    const leads: Protocol<PingState, PingMsg, { received: number }> = { ...ping, role: (s) => (s.ticks >= 3 ? 'leader' : 'follower') };
    const { sim } = makeSim({ protocol: leads, nodes: 1 });
    sim.start();
    sim.run(100_000);
    expect(sim.settleStats().leaderlessUs).toBe(30_000);
    sim.pause('n1');
    sim.run(150_000);
    sim.resume('n1');
    sim.run(200_000);
    expect(sim.settleStats().leaderlessUs).toBe(80_000);
    sim.crash('n1');
    sim.run(230_000);
    sim.restart('n1');
    sim.run(300_000);
    // Restarted at 230ms, leading again from its third tick (260ms).
    expect(sim.settleStats().leaderlessUs).toBe(80_000 + 60_000);
  });

  it('delivers messages after the network delay and fires timers on time', () => {
    const { sim } = makeSim({ protocol: ping, nodes: 3 });
    sim.start();
    sim.run(10_999);
    expect(sim.stats.timersFired).toBe(3);
    expect(sim.stats.messagesDelivered).toBe(0); // in flight for 1ms
    sim.run(11_000);
    expect(sim.stats.messagesDelivered).toBe(6);
    sim.run(100_000);
    expect(sim.now).toBe(100_000);
    expect(sim.stats.timersFired).toBe(30);
    expect(sim.findings).toEqual([]);
  });

  it('is deterministic: same seed, same hash; different seeds, different hashes', () => {
    const run = (seed: number) => {
      const { sim } = makeSim({ protocol: ping, nodes: 4, seed, network: { latency: { dist: 'exponential', meanUs: 2000, minUs: 100 }, loss: 0.1 } });
      sim.start();
      sim.run(1_000_000);
      return sim.traceHash;
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });

  it('crash loses volatile state and timers; restart recovers the persisted value', () => {
    const { sim } = makeSim({ protocol: ping, nodes: 2 });
    sim.start();
    sim.run(50_000);
    const before = (sim.nodes[0]!.state as PingState).received;
    expect(before).toBeGreaterThan(0);
    sim.crash('n1');
    expect(sim.nodes[0]!.state).toBeUndefined();
    expect(sim.nodeStatus('n1')).toBe('crashed');
    const firedBefore = sim.stats.timersFired;
    sim.run(100_000);
    // Only n2's timer fires while n1 is down; n2's pings to n1 are dropped.
    expect(sim.stats.timersFired - firedBefore).toBe(5);
    expect(sim.stats.dropsByReason.crashed).toBeGreaterThan(0);
    sim.restart('n1');
    const after = sim.nodes[0]!.state as PingState;
    expect(after.received).toBe(before); // persisted count survives
    expect(after.log).toEqual([]); // volatile log is gone
  });

  it('a persisted value is a copy: later mutations are not durable', () => {
    interface S { items: number[] }
    const proto: Protocol<S, never, { items: number[] }> = {
      name: 'copy',
      init(ctx, durable) {
        const s = { items: durable?.items ?? [1] };
        if (durable === undefined) ctx.persist(s);
        ctx.setTimer('mutate', 5);
        return s;
      },
      onMessage() {},
      onTimer(state) {
        state.items.push(99); // mutated, never persisted again
      },
      onRequest() {},
    };
    const { sim } = makeSim({ protocol: proto, nodes: 1 });
    sim.start();
    sim.run(100);
    sim.crash('n1');
    sim.restart('n1');
    expect((sim.nodes[0]!.state as S).items).toEqual([1]);
  });

  it('pause queues messages and timers; resume delivers them late, in order', () => {
    const { sim } = makeSim({ protocol: ping, nodes: 2 });
    sim.start();
    sim.run(5_000);
    sim.pause('n1');
    sim.run(45_000);
    const paused = sim.nodes[0]!.state as PingState;
    expect(paused.ticks).toBe(0);
    expect(paused.received).toBe(0);
    sim.resume('n1');
    sim.run(45_000);
    expect(paused.ticks).toBe(1); // one timer, fired late (re-armed after)
    expect(paused.received).toBe(4); // n2's pings from 11ms..41ms, in order
    expect(paused.log).toEqual(['n2:1', 'n2:2', 'n2:3', 'n2:4']);
  });

  it('clock skew and drift show through now() and the node timers', () => {
    const seen: number[] = [];
    const proto: Protocol<null, never> = {
      name: 'clock',
      init(ctx) {
        ctx.setTimer('t', 1_000_000);
        return null;
      },
      onMessage() {},
      onTimer(_s, _t, ctx) {
        seen.push(ctx.now());
      },
      onRequest() {},
    };
    const { sim } = makeSim({ protocol: proto, nodes: 2 });
    sim.setClock('n2', { offsetUs: 200_000, drift: 1 }); // +200ms, runs twice as fast
    sim.start();
    expect(sim.clockOf('n1')).toBe(0);
    expect(sim.clockOf('n2')).toBe(200_000);
    sim.run(2_000_000);
    // n2's 1s timer fires after 0.5s of true time, when its clock reads 1.2s; n1's at 1s.
    expect(seen).toEqual([1_200_000, 1_000_000]);
  });

  it('applies effects in order persist, sends, timers, replies, and drops effects of a throwing handler', () => {
    const proto: Protocol<null, { type: string }, number> = {
      name: 'thrower',
      init(ctx) {
        ctx.setTimer('boom', 10);
        return null;
      },
      onMessage() {},
      onTimer(_s, _t, ctx) {
        ctx.send('n1', { type: 'never-sent' });
        throw new Error('kaboom');
      },
      onRequest() {},
    };
    const { sim } = makeSim({ protocol: proto, nodes: 1, seed: 99 });
    sim.start();
    sim.run(1000);
    expect(sim.isStopped).toBe(true);
    expect(sim.stats.messagesSent).toBe(0);
    expect(sim.findings).toHaveLength(1);
    expect(sim.findings[0]).toMatchObject({ kind: 'handler-threw', node: 'n1', seed: '99', event: 'timer boom' });
    expect(sim.findings[0]!.message).toContain('kaboom');
  });

  it('ends a run that exceeds its event budget with a finding, never a hang', () => {
    const spin: Protocol<null, never> = {
      name: 'spin',
      init(ctx) {
        ctx.setTimer('t', 1);
        return null;
      },
      onMessage() {},
      onTimer(_s, _t, ctx: NodeContext<never, never>) {
        ctx.setTimer('t', 1);
      },
      onRequest() {},
    };
    const { sim } = makeSim({ protocol: spin, nodes: 1, limits: { maxEvents: 1000 } });
    sim.start();
    sim.run(Number.POSITIVE_INFINITY);
    expect(sim.findings[0]?.kind).toBe('budget-exceeded');
  });

  it('names time standing still (zero-delay timer loops) as a livelock', () => {
    const spin: Protocol<null, never> = {
      name: 'spin0',
      init(ctx) {
        ctx.setTimer('t', 0);
        return null;
      },
      onMessage() {},
      onTimer(_s, _t, ctx: NodeContext<never, never>) {
        ctx.setTimer('t', 0);
      },
      onRequest() {},
    };
    const { sim } = makeSim({ protocol: spin, nodes: 1, limits: { maxEventsPerInstant: 500 } });
    sim.start();
    sim.run(10);
    expect(sim.findings[0]?.kind).toBe('livelock');
  });

  it('reports a node that floods the queue', () => {
    const flood: Protocol<null, { type: 'x' }> = {
      name: 'flood',
      init(ctx) {
        ctx.setTimer('t', 1);
        return null;
      },
      onMessage() {},
      onTimer(_s, _t, ctx) {
        if (ctx.self === 'n1') for (let i = 0; i < 500; i++) ctx.send('n2', { type: 'x' });
        ctx.setTimer('t', 1);
      },
      onRequest() {},
    };
    const { sim } = makeSim({ protocol: flood, nodes: 2, limits: { maxQueue: 5000 } });
    sim.start();
    sim.run(1_000_000);
    expect(sim.findings[0]).toMatchObject({ kind: 'queue-overflow', node: 'n1' });
  });

  it('checks invariants after every step and names the first violation', () => {
    const proto: Protocol<{ v: number }, never> = {
      name: 'counter',
      init(ctx) {
        ctx.setTimer('inc', 1000);
        return { v: 0 };
      },
      onMessage() {},
      onTimer(state, _t, ctx) {
        state.v++;
        ctx.setTimer('inc', 1000);
      },
      onRequest() {},
      invariants: [
        {
          name: 'below-five',
          monitor: () => (view) => {
            const bad = view.nodes.find((n) => n.state !== undefined && n.state.v >= 5);
            return bad ? `${bad.id} reached ${bad.state!.v}` : undefined;
          },
        },
      ],
    };
    const { sim } = makeSim({ protocol: proto, nodes: 2 });
    sim.start();
    sim.run(20_000);
    expect(sim.findings).toHaveLength(1);
    expect(sim.findings[0]).toMatchObject({ kind: 'invariant', name: 'below-five', timeUs: 5000, message: 'n1 reached 5' });
    expect(sim.isStopped).toBe(false); // invariant violations are recorded; the run goes on
  });
});

describe('Simulation kernel: a protocol that misbehaves outside its handlers', () => {
  it('reports a role() that throws as a finding instead of crashing the run', () => {
    const proto: Protocol<{ n: number }, never> = {
      name: 'bad-role',
      init: (ctx) => {
        ctx.setTimer('t', 10);
        return { n: 0 };
      },
      onMessage() {},
      onTimer(state) {
        state.n++;
      },
      onRequest() {},
      role: (state) => {
        if (state.n > 0) throw new Error('no role today');
        return 'follower';
      },
    };
    const { sim } = makeSim({ protocol: proto, nodes: 1 });
    sim.start();
    sim.run(100);
    expect(sim.roleOf('n1')).toBeUndefined();
    expect(sim.findings[0]).toMatchObject({ kind: 'handler-threw', node: 'n1' });
    expect(sim.findings[0]!.message).toContain('role() threw Error: no role today');
  });
});

describe('Simulation kernel: a lying disk', () => {
  interface S { n: number }
  /** Persists a counter on every tick. */
  const counter: Protocol<S, never, number> = {
    name: 'disk-counter',
    init(ctx, durable) {
      ctx.setTimer('tick', 1000);
      return { n: durable ?? 0 };
    },
    onMessage() {},
    onTimer(state, _t, ctx) {
      state.n++;
      ctx.persist(state.n);
      ctx.setTimer('tick', 1000);
    },
    onRequest() {},
  };

  it('loses the writes a crash catches in the disk cache, keeps what had synced', () => {
    const { sim } = makeSim({ protocol: counter, nodes: 1 });
    sim.setDisk('n1', 2500); // a write reaches the disk 2.5ms after it was made
    sim.start();
    sim.run(10_500); // ticks at 1..10ms persisted 1..10; a write synced 2.5ms later: up to 8 by now
    expect(sim.durableOf('n1')).toBe(8);
    sim.crash('n1');
    sim.restart('n1');
    expect((sim.nodes[0]!.state as S).n).toBe(8);
  });

  it('an honest disk again syncs what was pending, and loses nothing', () => {
    const { sim } = makeSim({ protocol: counter, nodes: 1 });
    sim.setDisk('n1', 2500);
    sim.start();
    sim.run(10_500);
    sim.setDisk('n1', 0);
    expect(sim.durableOf('n1')).toBe(10);
    sim.run(12_000);
    sim.crash('n1');
    sim.restart('n1');
    expect((sim.nodes[0]!.state as S).n).toBe(12);
  });
});

describe('replies to client requests', () => {
  /** Answers every request twice, the second time 1 s later (a duplicate long after the op ended). */
  const echo: Protocol<{ late: string[] }, never, never> = {
    name: 'echo',
    init(ctx) {
      ctx.setTimer('late', 1_000_000);
      return { late: [] };
    },
    onMessage() {},
    onTimer(state, _t, ctx) {
      for (const id of state.late) ctx.reply(id, { type: 'ok', value: id });
      state.late = [];
      ctx.setTimer('late', 1_000_000);
    },
    onRequest(state, request, ctx) {
      ctx.reply(request.id, { type: 'ok', value: request.id });
      state.late.push(request.id);
    },
  };

  it('reach the process named by the request id, duplicates included, and other ids by what was sent', () => {
    const { sim } = makeSim({ protocol: echo, nodes: 1 });
    const got: string[] = [];
    const c1 = sim.addProcess('c1', 'n1', { onReply: (id) => got.push(`c1<-${id}`) });
    const other = sim.addProcess('tester', 'n1', { onReply: (id) => got.push(`tester<-${id}`) });
    sim.start();
    sim.sendRequest(c1, 'n1', { id: 'c1:1:1', client: 'c1', seq: 1, op: { f: 'read', value: null } });
    sim.sendRequest(other, 'n1', { id: 'req-7', client: 'tester', seq: 1, op: { f: 'read', value: null } });
    sim.run(1_500_000);
    expect(got).toEqual(['c1<-c1:1:1', 'tester<-req-7', 'c1<-c1:1:1', 'tester<-req-7']);
    expect(sim.stats.replies).toBe(4);
  });
});
