/**
 * Invariants that catch a Raft mistake at the step it happens: terms and votes that survive
 * crashes, a commit index bounded by the log, a leader's match index that the follower really
 * holds. Hand-built states pin each rule; mutants (a flaw, a patched handler) show each catches
 * a mistake the older invariants see late or not at all.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterView, Invariant, NodeView, ProtocolDefinition } from '../../../src/core/protocol.js';
import { definition, raftInvariants, type RaftState } from '../../../src/protocols/raft/index.js';
import { NOOP_HASH, append, emptySnapshot } from '../../../src/protocols/raft/log.js';
import { resolveScenario } from '../../../src/scenario/index.js';
import { protocols, run, scenario } from '../../support/runs.js';

const invariant = (name: string): Invariant<RaftState> => raftInvariants.find((i) => i.name === name)!;

function node(id: string, fields: { term: number; terms: number[]; commit?: number; votedFor?: string | null; leaderOf?: Record<string, number> }): NodeView<RaftState> & { state: RaftState } {
  const log = { snapshot: emptySnapshot(['n1', 'n2', 'n3']), entries: [] };
  fields.terms.forEach((term, k) => append(log, { kind: 'noop', index: k + 1, term, hash: NOOP_HASH }));
  const leader = fields.leaderOf === undefined ? null : { peers: Object.entries(fields.leaderOf).map(([peer, matchIndex]) => ({ id: peer, matchIndex, nextIndex: matchIndex + 1 })) };
  const state = {
    self: id,
    role: leader === null ? 'follower' : 'leader',
    currentTerm: fields.term,
    votedFor: fields.votedFor ?? null,
    log,
    commitIndex: fields.commit ?? 0,
    lastApplied: 0,
    appliedTrail: [[0, 0]],
    leader,
  } as unknown as RaftState;
  return { id, status: 'up', state };
}

const at = (nodes: NodeView<RaftState>[], changed: number, nowUs = 1): ClusterView<RaftState> => ({ nowUs, nodes, changed: nodes[changed], changedIndex: changed });

describe('terms-and-votes', () => {
  it('a term never goes back and one term has one vote, across restarts (a new state object)', () => {
    const check = invariant('terms-and-votes').monitor();
    const a = node('n1', { term: 2, terms: [], votedFor: 'n2' });
    expect(check(at([a], 0))).toBeUndefined();
    const restarted = node('n1', { term: 2, terms: [], votedFor: 'n2' });
    expect(check(at([restarted], 0))).toBeUndefined();
    restarted.state.votedFor = 'n3';
    expect(check(at([restarted], 0))).toBe('n1 voted for n2 and then for n3 in term 2');
    const forgot = invariant('terms-and-votes').monitor();
    expect(forgot(at([node('n1', { term: 4, terms: [], votedFor: 'n2' })], 0))).toBeUndefined();
    expect(forgot(at([node('n1', { term: 4, terms: [] })], 0))).toBe('n1 forgot its vote for n2 in term 4 (a vote must survive a crash)');
    const back = invariant('terms-and-votes').monitor();
    expect(back(at([node('n1', { term: 4, terms: [] })], 0))).toBeUndefined();
    expect(back(at([node('n1', { term: 3, terms: [] })], 0))).toBe("n1's term went back from 4 to 3");
    // A new term frees the vote.
    const fresh = invariant('terms-and-votes').monitor();
    expect(fresh(at([node('n1', { term: 4, terms: [], votedFor: 'n2' })], 0))).toBeUndefined();
    expect(fresh(at([node('n1', { term: 5, terms: [], votedFor: 'n3' })], 0))).toBeUndefined();
  });
});

describe('commit-bounded', () => {
  it('commit within the log, never back while up, applied within commit; a restart may forget it', () => {
    const check = invariant('commit-bounded').monitor();
    const a = node('n1', { term: 1, terms: [1, 1, 1], commit: 2 });
    expect(check(at([a], 0))).toBeUndefined();
    a.state.commitIndex = 1;
    expect(check(at([a], 0))).toBe("n1's commit index went back from 2 to 1");
    const b = node('n1', { term: 1, terms: [1, 1, 1], commit: 0 }); // restarted: volatile commit is 0 again
    expect(check(at([b], 0))).toBeUndefined();
    b.state.commitIndex = 4;
    expect(check(at([b], 0))).toBe('n1 has commit index 4 beyond its last log index 3');
    b.state.commitIndex = 2;
    b.state.lastApplied = 3;
    expect(check(at([b], 0))).toBe('n1 applied through 3, past its commit index 2');
  });
});

describe('match-index-held', () => {
  it("judges a leader's match index against followers of its term, whichever of them stepped", () => {
    const leader = node('n1', { term: 3, terms: [1, 3, 3], leaderOf: { n2: 3, n3: 2 } });
    const f2 = node('n2', { term: 3, terms: [1, 3, 3] });
    const f3 = node('n3', { term: 3, terms: [1, 3] });
    const nodes = [leader, f2, f3];
    const check = invariant('match-index-held').monitor();
    expect(check({ nowUs: 0, nodes })).toBeUndefined();
    // n2 loses its last entry while still in term 3: the leader's belief is now wrong.
    f2.state.log.entries.pop();
    expect(check(at(nodes, 1))).toBe('n1 (leader of term 3) has match index 3 for n2, which holds only 2 entries');
    // n3's log differs at index 2 (another leader's entry of term 2).
    const f3b = node('n3', { term: 3, terms: [1, 2] });
    expect(invariant('match-index-held').monitor()({ nowUs: 0, nodes: [leader, node('n2', { term: 3, terms: [1, 3, 3] }), f3b] })).toBe(
      "n1 (leader of term 3) has match index 2 for n3, whose log differs from the leader's at or before it",
    );
    // A follower that moved on to a later term is not judged by the old leader's beliefs.
    const moved = node('n2', { term: 4, terms: [1] });
    expect(invariant('match-index-held').monitor()({ nowUs: 0, nodes: [leader, moved, f3] })).toBeUndefined();
  });
});

/** Raft whose followers commit whatever the leader says, past what the append verified (a mutant). */
const commitsUnverified: ProtocolDefinition<unknown> = {
  ...(definition as ProtocolDefinition<unknown>),
  name: 'raft-commits-unverified',
  create(config) {
    const raft = definition.create(config as Parameters<typeof definition.create>[0]);
    return {
      ...raft,
      onMessage(state: RaftState, from, msg: { type: string; term: number; leaderCommit?: number }, ctx) {
        raft.onMessage(state, from, msg, ctx);
        if (msg.type === 'append' && msg.term === state.currentTerm && msg.leaderCommit !== undefined && state.role === 'follower') {
          state.commitIndex = Math.max(state.commitIndex, msg.leaderCommit);
        }
      },
    };
  },
};

describe('mutants caught at the step', () => {
  it('a follower that commits past what the append verified breaks commit-bounded', () => {
    const mutant = new Map<string, ProtocolDefinition<unknown>>(protocols).set(commitsUnverified.name, commitsUnverified);
    const raw = {
      protocol: commitsUnverified.name,
      nodes: 3,
      duration: '3s',
      workload: { model: 'kv', clients: 3, keys: 2, rate: '150/s' },
      faults: [{ at: '500ms', partition: 'isolate', target: 'random-other', for: '1s' }],
      checks: ['invariants'],
      limits: { events: 200_000 },
    };
    let caught: string | undefined;
    for (let seed = 1; seed <= 5 && caught === undefined; seed++) {
      const result = run(resolveScenario(raw, '<mutant>', { protocols: mutant }), seed);
      caught = result.findings.find((f) => f.kind === 'invariant')?.name;
    }
    expect(caught).toBe('commit-bounded');
  });

  it('the no-persist-vote flaw is caught when the vote is forgotten, not when two leaders appear', () => {
    const raw = {
      options: { preVote: false, checkQuorum: false, electionTimeoutMinUs: '150ms', electionTimeoutMaxUs: '165ms' },
      flaws: ['no-persist-vote'],
      nodes: 3,
      duration: '1s',
      faults: Array.from({ length: 12 }, (_, i) => ({ at: `${50 + i * 75}ms`, crash: 'random', for: '5ms' })),
      checks: ['invariants'],
      limits: { events: 200_000 },
    };
    const names = new Set<string>();
    for (let seed = 1; seed <= 10 && !names.has('terms-and-votes'); seed++) for (const f of run(scenario(raw), seed).findings) if (f.kind === 'invariant') names.add(f.name!);
    expect(names).toContain('terms-and-votes');
  });

  it('the truncate-on-stale-append flaw breaks match-index-held at the step', () => {
    const raw = {
      flaws: ['truncate-on-stale-append'],
      nodes: 3,
      duration: '2s',
      workload: { model: 'kv', clients: 3, keys: 2, rate: '150/s' },
      network: { latency: { dist: 'uniform', min: '1ms', max: '30ms' } },
      faults: [{ at: '0s', network: { reorder: 0.3, duplicate: 0.1 } }],
      checks: ['invariants'],
      limits: { events: 200_000 },
    };
    const names = new Set<string>();
    for (let seed = 1; seed <= 5 && !names.has('match-index-held'); seed++) for (const f of run(scenario(raw), seed).findings) if (f.kind === 'invariant') names.add(f.name!);
    expect(names).toContain('match-index-held');
  });

  it('the correct Raft keeps the new invariants under the same faults', () => {
    const result = run(
      scenario({
        nodes: 5,
        duration: '3s',
        workload: { model: 'kv', clients: 3, keys: 2, rate: '150/s' },
        faults: [
          { at: '0s', network: { reorder: 0.3, duplicate: 0.1 } },
          { at: '500ms', partition: 'isolate', target: 'leader', for: '700ms' },
          { at: '1500ms', crash: 'leader', point: 'partial-send', for: '100ms' },
        ],
        checks: ['invariants'],
      }),
      3,
    );
    expect(result.findings).toEqual([]);
  });
});
