/** PCT (explore/pct.ts): priorities over links, timers and clients, d-1 change points, seeded. */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/index.js';
import { PctScheduler } from '../../src/explore/pct.js';
import { EventKind, SimEvent } from '../../src/kernel/queue.js';
import { Rng } from '../../src/rng/index.js';
import { runChoiceLog, type Choice } from '../../src/runner/choices.js';
import { paxos, withChoices } from './scenarios.js';

function message(source: number, target: number, id: number): Choice {
  const event = new SimEvent();
  Object.assign(event, { kind: EventKind.Message, source, target, id });
  return { kind: 'deliver', label: `deliver ${source}>${target} #${id}`, event };
}

/** Two links into node 2: 0>2 with messages #1 and #3, 1>2 with #2. */
const CHOICES = [message(0, 2, 1), message(0, 2, 3), message(1, 2, 2)];
const NO_FAULTS = { crash: 0, drop: 0, duplicate: 0 };

describe('PCT scheduler', () => {
  it('runs the highest-priority thread, each link in send order; priorities are drawn per run', () => {
    const firsts = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const scheduler = new PctScheduler(Rng.root(`pct-${seed}`), { depth: 1, steps: 10, faults: NO_FAULTS });
      const first = CHOICES[scheduler.pick(CHOICES, 0)]!.event!.id;
      expect(first).not.toBe(3); // never ahead of #1 on its link
      firsts.add(first);
      // Without change points (d = 1) the same thread keeps running while it has a choice.
      const again = CHOICES[scheduler.pick(CHOICES, 1)]!.event!.id;
      expect(again).toBe(first);
    }
    expect([...firsts].sort()).toEqual([1, 2]);
  });

  it('lowers the running thread below every other at a change point', () => {
    for (let seed = 0; seed < 20; seed++) {
      // One step and d = 2: the one change point is step 0. The draws, in order: the change
      // point's step, then each thread's priority as it first appears (link 0>2, then 1>2).
      const draws = Rng.root(`pct-${seed}`);
      draws.int(1);
      const [p0, p1] = [draws.next(), draws.next()];
      const scheduler = new PctScheduler(Rng.root(`pct-${seed}`), { depth: 2, steps: 1, faults: NO_FAULTS });
      const lower = p0 < p1 ? 0 : 1;
      // The thread that would run (the higher) yields at the change point, and stays below.
      expect(CHOICES[scheduler.pick(CHOICES, 0)]!.event!.source).toBe(lower);
      expect(CHOICES[scheduler.pick(CHOICES, 1)]!.event!.source).toBe(lower);
    }
  });

  it('makes each arming of a timer its own thread, with a priority of its own', () => {
    const timer = (id: number): Choice => {
      const event = new SimEvent();
      Object.assign(event, { kind: EventKind.Timer, source: 0, target: 0, id, payload: 'election' });
      return { kind: 'timer', label: 'timer n1 election', event };
    };
    const scheduler = new PctScheduler(Rng.root('timers'), { depth: 1, steps: 10, faults: NO_FAULTS });
    scheduler.pick([timer(10)], 0);
    scheduler.pick([timer(11)], 1);
    expect(scheduler.threads).toBe(2);
  });

  it('injects each allowed fault at a drawn step, when one of its kind is enabled', () => {
    const crash: Choice = { kind: 'crash', label: 'crash n1', node: 'n1' };
    const scheduler = new PctScheduler(Rng.root('faults'), { depth: 1, steps: 5, faults: { crash: 1, drop: 0, duplicate: 0 } });
    const picks = Array.from({ length: 5 }, (_, step) => [...CHOICES, crash][scheduler.pick([...CHOICES, crash], step)]!.kind);
    expect(picks.filter((k) => k === 'crash')).toHaveLength(1);
  });
});

describe('dsim explore --strategy pct', () => {
  it('finds Paxos forgetting a promise, the same run for the same seed, and the path replays to it', () => {
    const scenario = paxos(['promise-in-memory']);
    const run = (): ReturnType<typeof explore> => explore(scenario, { depth: 20, maxStates: 20_000, strategy: 'pct', symmetry: false, pctDepth: 3 });
    const found = run();
    expect(found.violation).toBeDefined();
    expect(found.stats.runs).toBeGreaterThan(0);
    expect(run().violation!.path).toEqual(found.violation!.path);
    const replayed = runChoiceLog(withChoices(scenario, found.violation!.path));
    expect(replayed.checks.find((c) => c.name === 'invariants')?.verdict).toBe('fail');
  });
});
