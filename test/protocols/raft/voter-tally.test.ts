import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { noteChange, voterProgress, votersAbove, type TallyField } from '../../../src/protocols/raft/voter-tally.js';
import type { LeaderState, PeerProgress, RaftState } from '../../../src/protocols/raft/types.js';

/** A leader `n0` with peers n1..n(size-1); `voters` may leave some out or name one it has no record of. */
function leaderOf(size: number, voters: readonly string[]): { state: RaftState; leader: LeaderState } {
  const peers: PeerProgress[] = [];
  for (let i = 1; i < size; i++) peers.push({ id: `n${i}`, nextIndex: 1, matchIndex: 0, ackedRound: 0, active: true, snapshotRound: -1 });
  const leader = { peers } as unknown as LeaderState;
  const state = { self: 'n0', config: { voters }, leader } as unknown as RaftState;
  return { state, leader };
}

function naive(state: RaftState, leader: LeaderState, field: TallyField, mine: number, threshold: number): number {
  let count = 0;
  for (const v of state.config.voters) {
    const value = v === state.self ? mine : (leader.peers.find((p) => p.id === v)?.[field] ?? 0);
    if (value > threshold) count++;
  }
  return count;
}

describe('voter tally', () => {
  it('keeps the count of voters above a threshold exact as peers rise and the threshold moves', () => {
    const step = fc.oneof(
      fc.record({ raise: fc.nat(7), by: fc.integer({ min: 1, max: 3 }), field: fc.constantFrom<TallyField>('matchIndex', 'ackedRound') }),
      fc.record({ ask: fc.constantFrom<TallyField>('matchIndex', 'ackedRound'), threshold: fc.nat(12), mine: fc.nat(12) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.subarray(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n9']), fc.array(step, { maxLength: 60 }), (size, voters, steps) => {
        const { state, leader } = leaderOf(size, voters);
        expect(voterProgress(state, leader).length).toBe(voters.length);
        for (const s of steps) {
          if ('raise' in s) {
            const peer = leader.peers[s.raise % Math.max(1, leader.peers.length)];
            if (peer === undefined) continue;
            const before = peer[s.field];
            peer[s.field] = before + s.by;
            noteChange(state, leader, peer, s.field, before);
          } else {
            expect(votersAbove(state, leader, s.ask, s.mine, s.threshold)).toBe(naive(state, leader, s.ask, s.mine, s.threshold));
          }
        }
      }),
      { seed: 1414, numRuns: 300 },
    );
  });

  it('starts over for a new peers array or a new voters array', () => {
    const { state, leader } = leaderOf(4, ['n0', 'n1', 'n2', 'n3']);
    expect(votersAbove(state, leader, 'matchIndex', 5, 0)).toBe(1);
    leader.peers = leader.peers.map((p) => ({ ...p, matchIndex: 3 }));
    expect(votersAbove(state, leader, 'matchIndex', 5, 0)).toBe(4);
    (state.config as { voters: readonly string[] }).voters = ['n0', 'n1'];
    expect(votersAbove(state, leader, 'matchIndex', 5, 0)).toBe(2);
  });
});
