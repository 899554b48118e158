/**
 * A leader's quorum arithmetic without a scan per reply. Commit advancement asks how many voters
 * hold an entry above the commit index, and read rounds how many acknowledged a round above the
 * last confirmed one; both used to count over every voter on every reply, so a 101-node leader
 * paid O(voters) for each of the ~100 replies of a round. Here each question's count is kept per
 * threshold and raised as replies raise a peer's match index or acknowledged round (both only
 * rise while a node leads): a reply costs O(1), and a recount (O(voters)) happens only when the
 * threshold moves, once per commit or confirmed round.
 *
 * Counts live in weak maps keyed by the leader's voter-progress array, which is rebuilt whenever
 * its peers or voters change (a new leadership, a configuration change), so a stale count is never
 * read: a new array starts with a recount.
 */
import type { NodeId } from '../../core/ids.js';
import type { LeaderState, PeerProgress, RaftState } from './types.js';

export type TallyField = 'matchIndex' | 'ackedRound';

/** Each voter's progress record, in voter order: undefined for the leader itself and a voter it has no record of. */
export type VoterProgress = ReadonlyArray<PeerProgress | undefined>;

interface ProgressEntry {
  readonly voters: readonly NodeId[];
  readonly progress: VoterProgress;
  /** The records in `progress`: only their rises count. */
  readonly counted: ReadonlySet<PeerProgress>;
  /** Whether the leader itself is a voter (it counts its own value). */
  readonly selfVotes: boolean;
}

/** Cached per (voters, peers) pair: both arrays are replaced on a change, never edited in place. */
const progressCache = new WeakMap<readonly PeerProgress[], ProgressEntry>();

function entryOf(state: RaftState, leader: LeaderState): ProgressEntry {
  const voters = state.config.voters;
  const cached = progressCache.get(leader.peers);
  if (cached !== undefined && cached.voters === voters) return cached;
  const byId = new Map(leader.peers.map((p) => [p.id, p]));
  const progress = voters.map((v) => (v === state.self ? undefined : byId.get(v)));
  const counted = new Set<PeerProgress>();
  for (const p of progress) if (p !== undefined) counted.add(p);
  const entry = { voters, progress, counted, selfVotes: voters.includes(state.self) };
  progressCache.set(leader.peers, entry);
  return entry;
}

/** The leader's voter-progress array (no lookup by id per reply). */
export function voterProgress(state: RaftState, leader: LeaderState): VoterProgress {
  return entryOf(state, leader).progress;
}

/** Voters (other than the leader) whose field exceeds `threshold`, for one voter-progress array. */
interface Tally {
  threshold: number;
  count: number;
}

const tallies: Record<TallyField, WeakMap<VoterProgress, Tally>> = { matchIndex: new WeakMap(), ackedRound: new WeakMap() };

/**
 * How many voters' `field` exceeds `threshold`, the leader counting `mine` for itself. O(1) while
 * the threshold stays where it was last asked at; a recount when it moved.
 */
export function votersAbove(state: RaftState, leader: LeaderState, field: TallyField, mine: number, threshold: number): number {
  const entry = entryOf(state, leader);
  const map = tallies[field];
  let tally = map.get(entry.progress);
  if (tally === undefined || tally.threshold !== threshold) {
    let count = 0;
    for (const p of entry.progress) if (p !== undefined && p[field] > threshold) count++;
    if (tally === undefined) map.set(entry.progress, (tally = { threshold, count }));
    else {
      tally.threshold = threshold;
      tally.count = count;
    }
  }
  return tally.count + (entry.selfVotes && mine > threshold ? 1 : 0);
}

/**
 * `peer`'s `field` changed from `before` to its current value (it rises; a fall is counted too,
 * should one ever happen): the count at the kept threshold follows. Every write to either field
 * goes through here.
 */
export function noteChange(state: RaftState, leader: LeaderState, peer: PeerProgress, field: TallyField, before: number): void {
  const entry = entryOf(state, leader);
  const tally = tallies[field].get(entry.progress);
  if (tally === undefined || !entry.counted.has(peer)) return;
  const wasAbove = before > tally.threshold;
  const isAbove = peer[field] > tally.threshold;
  if (isAbove !== wasAbove) tally.count += isAbove ? 1 : -1;
}
