/**
 * Timers re-armed lazily: a re-arm to a later deadline leaves the queued event in place and it
 * moves itself when it comes up. These tests pin that this is invisible: timers fire at the last
 * deadline set, in the order they were armed, exactly as if every re-arm queued a fresh event.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairOperations } from '../../src/core/history.js';
import type { ClusterView, Protocol } from '../../src/core/protocol.js';
import { Rng } from '../../src/rng/index.js';
import { Workload } from '../../src/workload/clients.js';
import { OpGenerator } from '../../src/workload/generators.js';
import { makeSim } from '../support/sim.js';

interface TimerState {
  log: string[];
}
type Cmd = { name: 'set'; args: { timer: string; afterUs: number } } | { name: 'cancel'; args: { timer: string } };

/** Timers are set and cancelled by scenario commands; every step is logged with its time. */
function timerProtocol(log: string[]): Protocol<TimerState, { type: 'ping' }> {
  return {
    name: 'timers',
    init: () => ({ log }),
    onMessage(state, from, _msg, ctx) {
      state.log.push(`${ctx.now()} ${ctx.self} msg from ${from}`);
    },
    onTimer(state, timer, ctx) {
      state.log.push(`${ctx.now()} ${ctx.self} timer ${timer}`);
    },
    onRequest() {},
    onCommand(_state, command, ctx) {
      const cmd = command as Cmd;
      if (cmd.name === 'set') ctx.setTimer(cmd.args.timer, cmd.args.afterUs);
      else ctx.cancelTimer(cmd.args.timer);
    },
  };
}

const set = (timer: string, afterUs: number) => ({ name: 'set', args: { timer, afterUs } });

describe('lazily re-armed timers', () => {
  it('a timer re-armed later fires once, at the last deadline, and the queue does not grow per re-arm', () => {
    const log: string[] = [];
    const { sim } = makeSim({ protocol: timerProtocol(log), nodes: 1 });
    sim.start();
    for (let i = 0; i < 1000; i++) sim.at(i * 10, () => sim.command('n1', set('t', 5_000)));
    sim.run(9_990);
    expect(sim.pendingEvents).toBeLessThanOrEqual(2);
    sim.run(100_000);
    expect(log).toEqual(['14990 n1 timer t']);
    expect(sim.stats.timersFired).toBe(1);
  });

  it('re-arming earlier, cancelling and re-arming after a cancel all take effect', () => {
    const log: string[] = [];
    const { sim } = makeSim({ protocol: timerProtocol(log), nodes: 1 });
    sim.start();
    sim.command('n1', set('a', 10_000));
    sim.at(1_000, () => sim.command('n1', set('a', 1_000))); // earlier: due 2000
    sim.command('n1', set('b', 3_000));
    sim.at(2_500, () => sim.command('n1', { name: 'cancel', args: { timer: 'b' } }));
    sim.at(2_600, () => sim.command('n1', set('b', 5_000))); // due 7600, behind the stale 3000 event
    sim.run(20_000);
    expect(log).toEqual(['2000 n1 timer a', '7600 n1 timer b']);
  });

  it('ties at one instant break as if the re-arm had queued a fresh event', () => {
    const log: string[] = [];
    const { sim } = makeSim({ protocol: timerProtocol(log), nodes: 1 });
    sim.start();
    // Queued first: a call at 4000. Then the timer, due 2000, re-armed at 1000 to 4000: it was
    // armed after the call was queued, so the call goes first.
    sim.at(4_000, () => log.push('4000 call queued first'));
    sim.command('n1', set('t', 2_000));
    sim.at(1_000, () => {
      sim.command('n1', set('t', 3_000));
      sim.at(4_000, () => log.push('4000 call queued after the re-arm'));
    });
    // Re-armed to the same deadline after another event for that instant was queued: the timer
    // now sorts after it.
    sim.command('n1', set('u', 6_000));
    sim.at(5_000, () => {
      sim.at(6_000, () => log.push('6000 call queued before the second arm'));
      sim.command('n1', set('u', 1_000));
    });
    sim.run(10_000);
    expect(log).toEqual(['4000 call queued first', '4000 n1 timer t', '4000 call queued after the re-arm', '6000 call queued before the second arm', '6000 n1 timer u']);
  });

  it('a paused node fires its timer late, on resume; a crash drops it', () => {
    const log: string[] = [];
    const { sim } = makeSim({ protocol: timerProtocol(log), nodes: 2 });
    sim.start();
    sim.command('n1', set('t', 1_000));
    sim.at(500, () => sim.command('n1', set('t', 2_000))); // due 2500
    sim.at(600, () => sim.pause('n1'));
    sim.at(4_000, () => sim.resume('n1'));
    sim.command('n2', set('t', 1_000));
    sim.at(500, () => sim.command('n2', set('t', 2_000)));
    sim.at(600, () => sim.crash('n2'));
    sim.run(10_000);
    expect(log).toEqual(['4000 n1 timer t']);
  });

  it('matches an eager model over random set/cancel schedules (fast-check, seed 42)', () => {
    // Commands at times ≡ 1 (mod 10), delays ≡ 4 (mod 10): a deadline never ties with a command.
    const action = fc.record({
      slot: fc.integer({ min: 0, max: 199 }),
      node: fc.integer({ min: 0, max: 1 }),
      timer: fc.constantFrom('x', 'y', 'z'),
      cancel: fc.boolean(),
      delay: fc.integer({ min: 0, max: 60 }),
    });
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        const log: string[] = [];
        const { sim } = makeSim({ protocol: timerProtocol(log), nodes: 2 });
        sim.start();
        const sorted = actions.map((a, order) => ({ ...a, order, atUs: a.slot * 10 + 1 })).sort((a, b) => a.atUs - b.atUs || a.order - b.order);
        for (const a of sorted) {
          const node = `n${a.node + 1}`;
          sim.at(a.atUs, () => sim.command(node, a.cancel ? { name: 'cancel', args: { timer: a.timer } } : set(a.timer, a.delay * 10 + 4)));
        }
        sim.run(10_000);
        // The eager model: each (node, timer) holds its latest arm; an arm fires unless a later
        // command on the same timer comes before its deadline. Same-time fires go in arm order.
        const fires: Array<{ dueUs: number; arm: number; line: string }> = [];
        sorted.forEach((a, arm) => {
          if (a.cancel) return;
          const dueUs = a.atUs + a.delay * 10 + 4;
          const superseded = sorted.some((b) => b.node === a.node && b.timer === a.timer && b.atUs < dueUs && (b.atUs > a.atUs || (b.atUs === a.atUs && b.order > a.order)));
          if (!superseded) fires.push({ dueUs, arm, line: `${dueUs} n${a.node + 1} timer ${a.timer}` });
        });
        fires.sort((p, q) => p.dueUs - q.dueUs || p.arm - q.arm);
        expect(log).toEqual(fires.map((f) => f.line));
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('client op timeouts (one pending check per client)', () => {
  it('an op times out exactly timeoutUs after its invoke, whatever ops came before it', () => {
    // n2 never answers; n1 answers after the network delay. Clients pick nodes at random, so
    // timeouts follow ops that completed, each one's deadline a moving target for the check.
    const server: Protocol<null, never> = {
      name: 'half-deaf',
      init: () => null,
      onMessage() {},
      onTimer() {},
      onRequest(_state, req, ctx) {
        if (ctx.self === 'n1') ctx.reply(req.id, { type: 'ok', value: null });
      },
    };
    const { sim } = makeSim({ protocol: server, nodes: 2 });
    const generator = new OpGenerator({ model: 'kv', keys: 2, keyDistribution: { kind: 'uniform' }, mix: { read: 1 } });
    const ids = ['n1', 'n2'];
    const workload = new Workload({ clients: 3, thinkUs: 300, timeoutUs: 50_000, retryDelayUs: 1000, route: 'random' }, sim, generator, Rng.root(9).fork('workload'), () => ids, ids);
    sim.start();
    workload.start(2_000_000);
    sim.run(3_000_000);
    const ops = pairOperations(workload.history);
    const timedOut = ops.filter((o) => o.outcome === 'info');
    expect(timedOut.length).toBeGreaterThan(20);
    expect(ops.filter((o) => o.outcome === 'ok').length).toBeGreaterThan(20);
    for (const o of timedOut) {
      expect(o.error).toBe('timeout');
      expect(o.completeTimeUs! - o.invokeTimeUs!).toBe(50_000);
    }
  });
});

describe('invariant view', () => {
  it('names the node whose step just ended', () => {
    const seen: Array<[string | undefined, number | undefined]> = [];
    const proto: Protocol<TimerState, { type: 'ping' }> = {
      ...timerProtocol([]),
      invariants: [
        {
          name: 'spy',
          monitor: () => (view: ClusterView<TimerState>) => {
            seen.push([view.changed?.id, view.changedIndex]);
            return undefined;
          },
        },
      ],
    };
    const { sim } = makeSim({ protocol: proto, nodes: 2 });
    sim.start();
    sim.command('n2', set('t', 100));
    sim.run(1_000);
    expect(seen).toEqual([
      ['n1', 0],
      ['n2', 1],
      ['n2', 1],
      ['n2', 1],
    ]);
  });
});
