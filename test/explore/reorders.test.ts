/**
 * Bounded reordering (`explore.reorders`: links FIFO but for N overtaken messages, in single
 * choices and as delay steps of the partition model) and crashes inside a partition step
 * (`crash N after its next message`).
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/index.js';
import { Fingerprinter } from '../../src/explore/fingerprint.js';
import { QuiescentStepper, setPartitions } from '../../src/explore/steppers.js';
import { ChoiceWorld, runChoiceLog } from '../../src/runner/choices.js';
import type { Scenario } from '../../src/scenario/resolve.js';
import { raft } from './scenarios.js';

/** A run where n1 stood for election twice: two request-votes wait on each of its links. */
function twoElections(explore: Record<string, unknown>): ChoiceWorld {
  const world = new ChoiceWorld(raft([], explore));
  world.apply(world.find('timer n1 election')!);
  world.apply(world.find('timer n1 election')!);
  return world;
}

const deliveries = (world: ChoiceWorld): string[] => world.choices().flatMap((c) => (c.kind === 'deliver' ? [c.label] : []));

describe('bounded reordering in single choices', () => {
  it('delivers in any order without a bound, in send order per link with reorders: 0', () => {
    expect(deliveries(twoElections({}))).toEqual(['deliver n1>n2 request-vote #4', 'deliver n1>n2 request-vote #8', 'deliver n1>n3 request-vote #5', 'deliver n1>n3 request-vote #9']);
    expect(deliveries(twoElections({ reorders: 0 }))).toEqual(['deliver n1>n2 request-vote #4', 'deliver n1>n3 request-vote #5']);
  });

  it('counts each overtaken message once against the bound, and fingerprints what was overtaken', () => {
    const world = twoElections({ reorders: 1 });
    const fingerprints = new Fingerprinter(world.nodeIds, false);
    const before = fingerprints.of(world);
    world.apply(world.find('deliver n1>n2 request-vote #8')!);
    expect(world.used.reorders).toBe(1);
    // The bound is spent: the other link is FIFO again; the overtaken message itself still arrives.
    expect(deliveries(world)).toEqual(['deliver n2>n1 vote-reply #12', 'deliver n1>n2 request-vote #4', 'deliver n1>n3 request-vote #5']);
    world.apply(world.find('deliver n1>n2 request-vote #4')!);
    expect(world.used.reorders).toBe(1);
    expect(fingerprints.of(world)).not.toBe(before);
    // A recorded log that overtakes replays only within its bound.
    const log = ['timer n1 election', 'timer n1 election', 'deliver n1>n2 request-vote #8'];
    expect(runChoiceLog(raft([], { reorders: 1, choices: log })).events).toBeGreaterThan(0);
    expect(() => runChoiceLog(raft([], { reorders: 0, choices: log }))).toThrow(/not enabled at step 3/);
  });
});

describe('delay steps in the partition model', () => {
  const steps = (stepper: QuiescentStepper): string[] => stepper.steps().map((s) => s.label);
  const take = (stepper: QuiescentStepper, label: string): string[] => {
    const before = stepper.log.length;
    const index = steps(stepper).indexOf(label);
    expect(index, `${label} among ${steps(stepper).join('; ')}`).toBeGreaterThanOrEqual(0);
    stepper.take(index);
    return stepper.log.slice(before);
  };
  const stepper = (scenario: Scenario): QuiescentStepper => new QuiescentStepper(new ChoiceWorld(scenario), { partitions: setPartitions(3), maxChanges: Infinity, recording: true });

  it('holds a waiting message back until the later ones on its link have arrived, within the bound', () => {
    expect(steps(stepper(raft([], {}))).some((l) => l.startsWith('delay'))).toBe(false);
    const s = stepper(raft([], { reorders: 1, clients: [['write x 1'], ['write x 2']] }));
    take(s, 'timer n1 election');
    take(s, 'partition n1 | n2 n3');
    take(s, 'invoke c1 at n1');
    take(s, 'invoke c2 at n1');
    const delays = steps(s).filter((l) => l.startsWith('delay'));
    expect(delays).toEqual(['delay n1>n2 append #20', 'delay n1>n2 append #23', 'delay n1>n3 append #21', 'delay n1>n3 append #24']);
    take(s, 'delay n1>n2 append #20');
    // The budget is held by the delayed message: no second delay.
    expect(steps(s).some((l) => l.startsWith('delay'))).toBe(false);
    const arrived = take(s, 'partition n1 n2 | n3').filter((l) => l.startsWith('deliver n1>n2 append'));
    expect(arrived[0]).toBe('deliver n1>n2 append #23');
    expect(arrived).toContain('deliver n1>n2 append #20');
    expect(arrived.indexOf('deliver n1>n2 append #20')).toBeGreaterThan(0);
    expect(s.world.used.reorders).toBe(1);
    // The log is an ordinary choice log: it replays, overtaking included, to the same run.
    expect(runChoiceLog(raft([], { reorders: 1, clients: [['write x 1'], ['write x 2']], choices: s.log })).traceHash).toBe(s.world.sim.traceHash);
  });

  it('a crash armed for after a node\'s next message strikes inside a later step: no-persist-vote in five steps', () => {
    const scenario = raft(['no-persist-vote'], { crashes: 1, timeouts: 2 });
    const found = explore(scenario, { depth: 6, maxStates: 20_000, strategy: 'partitions', symmetry: true });
    expect(found.violation?.steps).toHaveLength(5);
    expect(found.violation!.steps!.filter((l) => / after its next message$/.test(l))).toHaveLength(1);
    expect(found.violation!.failed.map((c) => c.name)).toContain('election-safety');
    const replayed = runChoiceLog(raft(['no-persist-vote'], { crashes: 1, timeouts: 2, choices: found.violation!.path }));
    expect(replayed.checks.find((c) => c.name === 'election-safety')?.verdict).toBe('fail');
    // Without the flaw the same bound is clean.
    const clean = explore(raft([], { crashes: 1, timeouts: 2 }), { depth: 5, maxStates: 20_000, strategy: 'partitions', symmetry: true });
    expect(clean.violation).toBeUndefined();
    expect(clean.stoppedEarly).toBeUndefined();
  });
});

describe('symmetry over per-node records', () => {
  it('hashes a leader\'s per-peer progress in the renamed nodes\' order: twins that built it in their own node order share a fingerprint', () => {
    const elect = (candidate: string, voter: string): ChoiceWorld => {
      const world = new ChoiceWorld(raft([], {}));
      world.apply(world.find(`timer ${candidate} election`)!);
      world.apply(world.choices().find((c) => c.label.startsWith(`deliver ${candidate}>${voter} request-vote`))!);
      world.apply(world.choices().find((c) => c.label.startsWith(`deliver ${voter}>${candidate} vote-reply`))!);
      return world;
    };
    // n1 leads with n3's vote; n3 leads with n1's: one state up to swapping n1 and n3, whose
    // leaders keep their peers as [n2, n3] and [n1, n2].
    const a = elect('n1', 'n3');
    const b = elect('n3', 'n1');
    expect((a.sim.nodes[0]!.state as { leader: { peers: Array<{ id: string }> } }).leader.peers.map((p) => p.id)).toEqual(['n2', 'n3']);
    const symmetric = new Fingerprinter(a.nodeIds, true);
    expect(symmetric.of(a)).toBe(symmetric.of(b));
    const plain = new Fingerprinter(a.nodeIds, false);
    expect(plain.of(a)).not.toBe(plain.of(b));
    // n2's vote instead: the same state up to swapping n2 and n3 (their records stay in order).
    expect(symmetric.of(elect('n1', 'n2'))).toBe(symmetric.of(a));
  });
});
