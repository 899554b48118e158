/**
 * Exploration: choices made explicit (runner/choices.ts), state fingerprints with symmetry
 * (explore/fingerprint.ts) and the search (explore/search.ts), on small Raft configurations.
 */
import { describe, expect, it } from 'vitest';
import { explore, type ExploreResult } from '../../src/explore/index.js';
import { Fingerprinter, permutations } from '../../src/explore/fingerprint.js';
import { QuiescentStepper, setPartitions } from '../../src/explore/steppers.js';
import { ChoiceWorld, runChoiceLog } from '../../src/runner/choices.js';
import type { Scenario } from '../../src/scenario/resolve.js';
import { paxos, raft, withChoices } from './scenarios.js';

const TWO_LEADERS = ['timer n1 election', 'deliver n1>n2 request-vote #4', 'deliver n2>n1 vote-reply #8', 'timer n3 election', 'crash n2', 'deliver n3>n2 request-vote #14', 'deliver n2>n3 vote-reply #18'];

describe('choices', () => {
  it('lists what may happen next in a fixed order, and a choice log replays to the same trace hash', () => {
    const world = new ChoiceWorld(raft([], { crashes: 1 }));
    expect(world.choices().map((c) => c.label)).toEqual(['invoke c1 at n1', 'invoke c1 at n2', 'invoke c1 at n3', 'timer n1 election', 'timer n2 election', 'timer n3 election', 'crash n1', 'crash n2', 'crash n3']);
    const scenario = raft(['no-persist-vote'], { crashes: 1, choices: TWO_LEADERS });
    const a = runChoiceLog(scenario);
    const b = runChoiceLog(scenario);
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.checks.find((c) => c.name === 'election-safety')?.verdict).toBe('fail');
    // Without the flaw the same decisions are not all possible: n2 remembers its vote and refuses n3.
    expect(runChoiceLog(raft([], { crashes: 1, choices: TWO_LEADERS })).checks.every((c) => c.verdict === 'pass')).toBe(true);
  });

  it('names a recorded choice that is no longer enabled, by its position', () => {
    expect(() => runChoiceLog(raft([], { choices: ['timer n1 election', 'deliver n1>n2 append #99'] }))).toThrow(/explore\.choices\[1\].*not enabled at step 2/);
  });

  it('bounds crashes, drops, duplicates and timer firings per path', () => {
    const world = new ChoiceWorld(raft([], { drops: 1, duplicates: 1, timeouts: 1 }));
    const fire = (label: string): void => world.apply(world.find(label)!);
    fire('timer n1 election');
    const labels = world.choices().map((c) => c.label);
    expect(labels.filter((l) => l.startsWith('timer'))).toEqual([]);
    expect(labels).toContain('drop n1>n2 request-vote #4');
    fire('duplicate n1>n2 request-vote #4');
    fire('drop n1>n3 request-vote #5');
    expect(world.choices().map((c) => c.label).filter((l) => /^(drop|duplicate)/.test(l))).toEqual([]);
    expect(world.used).toEqual({ crashes: 0, drops: 1, duplicates: 1, timeouts: 1, reorders: 0 });
  });
});

describe('fingerprints', () => {
  const scenario = raft([], {});
  const after = (labels: string[]): ChoiceWorld => {
    const world = new ChoiceWorld(scenario);
    for (const label of labels) world.apply(world.find(label)!);
    return world;
  };

  it('are equal for deliveries to different nodes in either order, and differ for different states', () => {
    const plain = new Fingerprinter(['n1', 'n2', 'n3'], false);
    const one = after(['timer n1 election', 'deliver n1>n2 request-vote #4', 'deliver n1>n3 request-vote #5']);
    const other = after(['timer n1 election', 'deliver n1>n3 request-vote #5', 'deliver n1>n2 request-vote #4']);
    expect(plain.of(one)).toBe(plain.of(other));
    expect(plain.of(one)).not.toBe(plain.of(after(['timer n1 election', 'deliver n1>n2 request-vote #4'])));
  });

  it('merge states equal up to renaming nodes only under symmetry', () => {
    const plain = new Fingerprinter(['n1', 'n2', 'n3'], false);
    const symmetric = new Fingerprinter(['n1', 'n2', 'n3'], true);
    const n1 = after(['timer n1 election', 'deliver n1>n2 request-vote #4']);
    const n3 = after(['timer n3 election', 'deliver n3>n1 request-vote #4']);
    expect(plain.of(n1)).not.toBe(plain.of(n3));
    expect(symmetric.of(n1)).toBe(symmetric.of(n3));
    expect(symmetric.of(n1)).not.toBe(symmetric.of(after(['timer n3 election'])));
  });

  it('renames over every permutation', () => {
    expect(permutations(3).map((p) => p.join('')).sort()).toEqual(['012', '021', '102', '120', '201', '210']);
  });
});

describe('search', () => {
  it('finds the shortest double vote of no-persist-vote (bfs), and nothing in correct Raft within the same bound', () => {
    const bounds = { crashes: 1, timeouts: 2, symmetry: true };
    const flawed = explore(raft(['no-persist-vote'], bounds), { depth: 8, maxStates: 100_000, strategy: 'bfs', symmetry: true });
    expect(flawed.violation?.path.length).toBe(7);
    expect(flawed.violation?.failed.map((c) => c.name)).toEqual(['election-safety']);
    // The path is a choice log: replayed, it breaks the same invariant.
    const replayed = runChoiceLog(raft(['no-persist-vote'], { ...bounds, choices: flawed.violation!.path }));
    expect(replayed.checks.find((c) => c.name === 'election-safety')?.verdict).toBe('fail');

    const correct = explore(raft([], bounds), { depth: 6, maxStates: 100_000, strategy: 'bfs', symmetry: true });
    expect(correct.violation).toBeUndefined();
    expect(correct.stoppedEarly).toBeUndefined();
    expect(correct.stats.depthCompleted).toBe(6);
    expect(correct.stats.unique).toBeGreaterThan(100);
  });

  it('dfs and random walks find it too, not necessarily shortest; symmetry shrinks the state space', () => {
    const bounds = { crashes: 1, timeouts: 2 };
    const dfs = explore(raft(['no-persist-vote'], bounds), { depth: 7, maxStates: 100_000, strategy: 'dfs', symmetry: true });
    expect(dfs.violation?.failed[0]?.name).toBe('election-safety');
    const walk = explore(raft(['no-persist-vote'], bounds), { depth: 10, maxStates: 50_000, strategy: 'random-walk', symmetry: false });
    expect(walk.violation?.failed[0]?.name).toBe('election-safety');
    const states = (symmetry: boolean): number => explore(raft([], { timeouts: 1 }), { depth: 4, maxStates: 100_000, strategy: 'bfs', symmetry }).stats.unique;
    expect(states(true)).toBeLessThan(states(false));
  });
});

describe('sleep sets', () => {
  it('skip transitions but reach every state: the same unique states, fewer transitions, on complete explorations', () => {
    // Without symmetry: under it, a state and its renamed twin may hash apart (a protocol's own
    // per-node data in some shape not canonicalized), and sleep sets may skip one twin while the other is explored.
    const cases: Array<[Scenario, number]> = [
      [paxos([]), 5],
      [raft([], { crashes: 1, timeouts: 2, time: 'frozen' }), 5],
      [raft([], { timeouts: 3 }), 5],
    ];
    for (const [scenario, depth] of cases) {
      const run = (sleepSets: boolean): ExploreResult => explore(scenario, { depth, maxStates: 100_000, strategy: 'bfs', symmetry: false, sleepSets });
      const on = run(true);
      const off = run(false);
      expect(on.stoppedEarly).toBeUndefined();
      expect(on.stats.unique).toBe(off.stats.unique);
      expect(on.stats.slept).toBeGreaterThan(0);
      expect(off.stats.slept).toBe(0);
      expect(on.stats.explored).toBeLessThan(off.stats.explored);
    }
  });
});

describe('partitions: quiescent steps', () => {
  it('enumerates set partitions, healed first', () => {
    expect(setPartitions(3)).toEqual([[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [0, 1, 2]]);
    expect(setPartitions(4)).toHaveLength(15);
    expect(setPartitions(5)).toHaveLength(52);
  });

  it('delivers everything that can arrive after a step, holds messages across a cut until a partition joins their nodes', () => {
    const stepper = new QuiescentStepper(new ChoiceWorld(raft([], {})), { partitions: setPartitions(3), maxChanges: Infinity, recording: true });
    const take = (label: string): string[] => {
      const before = stepper.log.length;
      stepper.take(stepper.steps().findIndex((s) => s.label === label));
      return stepper.log.slice(before);
    };
    expect(stepper.steps().map((s) => s.label)).toContain('partition n1 n2 | n3');
    expect(take('partition n1 n2 | n3')).toEqual([]);
    // Another partition change right after one that delivered nothing would only replace it.
    expect(stepper.steps().some((s) => s.label.startsWith('partition') || s.label === 'heal')).toBe(false);
    const election = take('timer n1 election');
    expect(election[0]).toBe('timer n1 election');
    expect(election.some((l) => l.startsWith('deliver n1>n2 request-vote'))).toBe(true);
    expect(election.some((l) => l.includes('>n3'))).toBe(false);
    expect(take('heal').some((l) => l.startsWith('deliver n1>n3 request-vote'))).toBe(true);
    // The log is a choice log: replayed choice by choice, it reaches the same state.
    const replayed = runChoiceLog(raft([], { choices: stepper.log }));
    expect(replayed.traceHash).toBe(stepper.world.sim.traceHash);
  });

  it('tells apart states whose messages wait in another order (quiescence delivers oldest first)', () => {
    const fingerprints = new Fingerprinter(['n1', 'n2', 'n3'], false);
    const after = (labels: string[]): QuiescentStepper => {
      const stepper = new QuiescentStepper(new ChoiceWorld(raft([], {})), { partitions: setPartitions(3), maxChanges: Infinity, recording: true });
      for (const label of labels) stepper.take(stepper.steps().findIndex((s) => s.label === label));
      return stepper;
    };
    // n2 holds both candidates' requests, in the order they were sent: whichever arrives first gets its vote.
    const n1First = after(['partition n1 | n2 | n3', 'timer n1 election', 'timer n3 election']);
    const n3First = after(['partition n1 | n2 | n3', 'timer n3 election', 'timer n1 election']);
    expect(fingerprints.of(n1First.world)).toBe(fingerprints.of(n3First.world));
    expect(fingerprints.of(n1First.world, n1First.extra)).not.toBe(fingerprints.of(n3First.world, n3First.extra));
    const voteOf = (stepper: QuiescentStepper): unknown => {
      stepper.take(stepper.steps().findIndex((s) => s.label === 'heal'));
      return (stepper.world.sim.nodes[1]!.state as { votedFor: unknown }).votedFor;
    };
    expect(voteOf(n1First)).toBe('n1');
    expect(voteOf(n3First)).toBe('n3');
  });

  it('finds Paxos forgetting a promise in two steps, and the choice log replays to the violation', () => {
    const scenario = paxos(['promise-in-memory']);
    const found = explore(scenario, { depth: 4, maxStates: 10_000, strategy: 'partitions', symmetry: true });
    expect(found.violation?.steps).toEqual(['timer n1 election', 'crash n1']);
    expect(found.violation!.path.length).toBeGreaterThan(2);
    const replayed = runChoiceLog(withChoices(scenario, found.violation!.path));
    expect(replayed.checks.find((c) => c.name === 'invariants')?.verdict).toBe('fail');
  });
});
