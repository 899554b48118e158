/**
 * The Raft invariants look only at the node that just stepped (`cluster.changed`). These tests pin
 * that this loses nothing: they agree step by step with the same monitors given the whole cluster,
 * and a new commit point is checked against leaders that did not step.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterView, Invariant, NodeView, ProtocolDefinition } from '../../../src/core/protocol.js';
import { definition, raftInvariants, type RaftState } from '../../../src/protocols/raft/index.js';
import { NOOP_HASH, append, chainAt, compactTo, emptySnapshot } from '../../../src/protocols/raft/log.js';
import type { Scenario } from '../../../src/scenario/index.js';
import { run, scenarioFile } from '../../support/runs.js';

const invariant = (name: string): Invariant<RaftState> => raftInvariants.find((i) => i.name === name)!;

/** A hand-made node: a log of no-ops with the given terms, and the fields the invariants read. */
function node(id: string, fields: { role: RaftState['role']; term: number; terms: number[]; commit: number }): NodeView<RaftState> & { state: RaftState } {
  const log = { snapshot: emptySnapshot(['n1', 'n2', 'n3']), entries: [] };
  fields.terms.forEach((term, k) => append(log, { kind: 'noop', index: k + 1, term, hash: NOOP_HASH }));
  const state = { self: id, role: fields.role, currentTerm: fields.term, log, commitIndex: fields.commit, lastApplied: 0, appliedTrail: [[0, 0]] } as unknown as RaftState;
  return { id, status: 'up', state };
}

describe('incremental Raft invariants', () => {
  it('leader-completeness: a commit seen by a lagging follower is checked against a leader that did not step', () => {
    const leader = node('n1', { role: 'leader', term: 3, terms: [1], commit: 0 });
    const follower = node('n2', { role: 'follower', term: 2, terms: [1, 2], commit: 0 });
    const nodes = [leader, follower];
    const check = invariant('leader-completeness').monitor();
    expect(check({ nowUs: 0, nodes })).toBeUndefined();
    follower.state.commitIndex = 2; // the old leader of term 2 told n2 that index 2 committed
    const view: ClusterView<RaftState> = { nowUs: 1, nodes, changed: follower, changedIndex: 1 };
    expect(check(view)).toMatch(/n1 leads term 3 without index 2, which n2 saw committed in term 2/);
  });

  it('election-safety and log-matching judge the node that stepped', () => {
    const a = node('n1', { role: 'leader', term: 2, terms: [1, 2], commit: 0 });
    const b = node('n2', { role: 'follower', term: 2, terms: [1, 1], commit: 0 });
    const nodes = [a, b];
    const election = invariant('election-safety').monitor();
    const matching = invariant('log-matching').monitor();
    expect(election({ nowUs: 0, nodes })).toBeUndefined();
    expect(matching({ nowUs: 0, nodes })).toBeUndefined();
    b.state.role = 'leader';
    expect(election({ nowUs: 1, nodes, changed: b, changedIndex: 1 })).toMatch(/two leaders in term 2: n1 and n2/);
    // n2 appends index 3 of term 2 on top of a different prefix than n1's later index 3 of term 2.
    append(b.state.log, { kind: 'noop', index: 3, term: 2, hash: NOOP_HASH });
    expect(matching({ nowUs: 2, nodes, changed: b, changedIndex: 1 })).toBeUndefined();
    append(a.state.log, { kind: 'noop', index: 3, term: 2, hash: NOOP_HASH });
    expect(matching({ nowUs: 3, nodes, changed: a, changedIndex: 0 })).toMatch(/n2 and n1 both hold index 3 of term 2/);
  });

  it("lease-safety: a newer leader while an older leader's lease holds on that leader's own clock", () => {
    const old = node('n1', { role: 'leader', term: 2, terms: [1, 2], commit: 2 });
    const fresh = node('n2', { role: 'follower', term: 3, terms: [1, 2], commit: 2 });
    old.state.leader = { leaseUntilUs: 1_000 } as RaftState['leader'];
    fresh.state.leader = { leaseUntilUs: 0 } as RaftState['leader'];
    const nodes = [old, fresh];
    const check = invariant('lease-safety').monitor();
    // n1's clock runs behind: at true time 5,000 µs it reads 900, so its lease of 1,000 still holds.
    const clockUs = (index: number): number => (index === 0 ? 900 : 5_000);
    expect(check({ nowUs: 5_000, nodes, clockUs })).toBeUndefined();
    fresh.state.role = 'leader';
    // Without clocks nothing is judged; with them, the new leader's step shows the overlap.
    expect(check({ nowUs: 5_000, nodes, changed: fresh, changedIndex: 1 })).toBeUndefined();
    expect(check({ nowUs: 5_000, nodes, changed: fresh, changedIndex: 1, clockUs })).toMatch(/n2 leads term 3 while n1's read lease of term 2 holds for 100µs more on its clock/);
    // Judged from the old leader's step too, and not once its clock has passed the lease.
    expect(invariant('lease-safety').monitor()({ nowUs: 5_000, nodes, changed: old, changedIndex: 0, clockUs })).toMatch(/n1's read lease/);
    expect(invariant('lease-safety').monitor()({ nowUs: 5_000, nodes, changed: fresh, changedIndex: 1, clockUs: () => 1_000 })).toBeUndefined();
  });

  /** Raft whose invariants run both ways every step and record any step where they disagree. */
  function differential(s: Scenario, disagreements: string[]): Scenario {
    const wrapped: ProtocolDefinition<unknown> = {
      ...(definition as ProtocolDefinition<unknown>),
      create(config) {
        const protocol = definition.create(config as Parameters<typeof definition.create>[0]);
        return {
          ...protocol,
          invariants: raftInvariants.map((inv) => ({
            name: inv.name,
            monitor() {
              const incremental = inv.monitor();
              const whole = inv.monitor();
              return (view: ClusterView<RaftState>) => {
                const a = incremental(view);
                const b = whole({ nowUs: view.nowUs, nodes: view.nodes });
                if (a !== b) disagreements.push(`${inv.name} at ${view.nowUs}µs: incremental ${String(a)}, whole ${String(b)}`);
                return a;
              };
            },
          })),
        };
      },
    };
    return { ...s, protocol: wrapped };
  }

  it.each([
    ['scenarios/raft/flaw-no-election-restriction.yaml', [1, 2, 3]],
    ['scenarios/raft/flaw-no-persist-vote.yaml', [2]],
    ['scenarios/raft/unreliable-network.yaml', [5, 6]],
    ['scenarios/raft/membership-under-load.yaml', [1]],
    ['scenarios/raft/snapshot-lagging-follower.yaml', [1]],
  ] as const)('%s: the incremental checks agree with whole-cluster checks at every step', (file, seeds) => {
    let violations = 0;
    for (const seed of seeds) {
      const disagreements: string[] = [];
      const result = run(differential(scenarioFile(file), disagreements), seed);
      expect(disagreements, `seed ${seed}`).toEqual([]);
      violations += result.findings.filter((f) => f.kind === 'invariant').length;
    }
    if (file.includes('flaw-')) expect(violations).toBeGreaterThan(0);
  });
});

describe('Raft monitors in bounded memory', () => {
  it('log-matching still catches a mismatch after forgetting what every node compacted away', () => {
    const matching = invariant('log-matching').monitor();
    const nodes = ['n1', 'n2', 'n3'].map((id) => node(id, { role: 'follower', term: 1, terms: new Array<number>(3000).fill(1), commit: 3000 }));
    expect(matching({ nowUs: 0, nodes })).toBeUndefined();
    // Everyone compacts through 2500 and appends 1,100 more: the monitor may forget below 2500 and
    // must still judge above it.
    for (const n of nodes) {
      const log = n.state.log;
      compactTo(log, { ...log.snapshot, lastIndex: 2500, lastTerm: 1, chain: chainAt(log, 2500)! });
      for (let k = 3001; k <= 4100; k++) append(log, { kind: 'noop', index: k, term: 1, hash: NOOP_HASH });
    }
    expect(matching({ nowUs: 1, nodes })).toBeUndefined();
    const [a, b] = nodes;
    append(a!.state.log, { kind: 'noop', index: 4101, term: 2, hash: NOOP_HASH });
    b!.state.log.entries.pop();
    append(b!.state.log, { kind: 'noop', index: 4100, term: 3, hash: NOOP_HASH });
    append(b!.state.log, { kind: 'noop', index: 4101, term: 2, hash: NOOP_HASH });
    expect(matching({ nowUs: 2, nodes, changed: a, changedIndex: 0 })).toBeUndefined();
    expect(matching({ nowUs: 3, nodes, changed: b, changedIndex: 1 })).toMatch(/n1 and n2 both hold index 4101 of term 2/);
  });
});
