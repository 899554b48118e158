/**
 * Raft's safety properties (Figure 3 of the paper), checked by the kernel after every step. Each
 * monitor remembers what it saw, so a property is judged over the whole run, not one instant.
 * Work per step is proportional to what changed: only the node that just stepped (the kernel names
 * it in `cluster.changed`), and in it only new log entries, new commits, new applies.
 */
import type { ClusterView, Invariant, NodeView } from '../../core/protocol.js';
import type { NodeId } from '../../core/ids.js';
import { IndexWindow } from '../common/index-window.js';
import { eachChanged, eachNode, type Visit as MonitorVisit } from '../common/monitor.js';
import { chainAt, entryAt, lastIndex } from './log.js';
import { peerOf } from './replication.js';
import type { LogEntry, PeerProgress, RaftState } from './types.js';

type Visit = MonitorVisit<RaftState>;
type Cluster = ClusterView<RaftState>;
type Node = NodeView<RaftState>;

/**
 * Memory. The per-index monitors below would otherwise grow with the run (a day-long soak holds
 * millions of log indices). Raft compacts logs, and snapshots are persisted as they are taken, so
 * once every node is up and has compacted through index F, no log can hold an entry at or below F
 * again (a restart restores the persisted snapshot, at or past F; a new node is given a snapshot
 * past F). What the monitors recorded below F can only be compared with entries that no longer
 * exist, and is forgotten. A node that is down may restore a log below F, so nothing is forgotten
 * while one is. The floor is computed every FLOOR_EVERY new indices: O(nodes) per that many entries.
 */
const FLOOR_EVERY = 1024;

/**
 * The least of `of` over every node, or 0 while some node is down (its persisted state may be
 * behind what the live nodes show).
 */
function lowestWhileAllUp(cluster: Cluster, of: (state: RaftState) => number): number {
  let lowest = Infinity;
  for (const n of cluster.nodes as readonly Node[]) {
    if (n.state === undefined) return 0;
    lowest = Math.min(lowest, of(n.state));
  }
  return lowest === Infinity ? 0 : lowest;
}

/** The compaction floor: no log can hold an entry at or below it again. */
const compactionFloor = (cluster: Cluster): number => lowestWhileAllUp(cluster, (state) => state.log.snapshot.lastIndex);

/** Forgets what `window` recorded below the compaction floor once it has grown by FLOOR_EVERY. */
function boundedBy<T>(window: IndexWindow<T>): (cluster: Cluster) => void {
  let next = FLOOR_EVERY;
  return (cluster) => {
    if (window.size < next) return;
    window.forgetBelow(compactionFloor(cluster));
    next = window.size + FLOOR_EVERY;
  };
}

/** At most one leader per term, ever. Only a node's own step makes it leader. */
const electionSafety: Invariant<RaftState> = {
  name: 'election-safety',
  description: 'at most one leader is elected in any term, over the whole run',
  monitor() {
    const leaderOf = new Map<number, NodeId>();
    const visit: Visit = (_index, id, state) => {
      if (state.role !== 'leader') return undefined;
      const known = leaderOf.get(state.currentTerm);
      if (known === undefined) leaderOf.set(state.currentTerm, id);
      else if (known !== id) return `two leaders in term ${state.currentTerm}: ${known} and ${id}`;
      return undefined;
    };
    let nextPrune = FLOOR_EVERY / 16;
    return (cluster) => {
      // No node can lead a term below every node's current term (terms only grow, and are
      // persisted): forget those terms, while every node is up.
      if (leaderOf.size >= nextPrune) {
        const floor = lowestWhileAllUp(cluster, (state) => state.currentTerm);
        for (const term of leaderOf.keys()) if (term < floor) leaderOf.delete(term);
        nextPrune = leaderOf.size + FLOOR_EVERY / 16;
      }
      return eachChanged(cluster, visit);
    };
  },
};


/** One (index, term) point of some log: the chain digest seen there first, and by whom. */
interface ChainPoint {
  readonly term: number;
  readonly chain: number;
  readonly node: NodeId;
  /** Another term seen at the same index. */
  readonly next: ChainPoint | undefined;
}

/**
 * If two logs hold an entry with the same index and term, they agree on every entry up to it.
 * Each node digests its own log prefix (the chain); entries with equal (index, term) must have
 * equal chains. Only entries not yet seen are checked: they are always a suffix of a log.
 */
const logMatching: Invariant<RaftState> = {
  name: 'log-matching',
  description: 'logs that share an entry (same index and term) are identical up to it',
  monitor() {
    /** By log index (dense: logs grow from index 1 without gaps). */
    const pointsAt = new IndexWindow<ChainPoint>();
    const forget = boundedBy(pointsAt);
    // Per node: the state and the last entry of its log at the previous check. Entries are
    // immutable and new objects on every append, so while that entry is still at its index the
    // log up to it is unchanged and only what follows is new; otherwise (truncated, compacted, a
    // new state) every entry is checked again, which is idempotent.
    const stateOf: Array<RaftState | undefined> = [];
    const lastOf: Array<LogEntry | undefined> = [];
    const visit: Visit = (i, id, state) => {
      const log = state.log;
      const entries = log.entries;
      const last = lastOf[i];
      let k = 0;
      if (stateOf[i] === state && last !== undefined) {
        const at = last.index - log.snapshot.lastIndex - 1;
        if (at >= 0 && entries[at] === last) k = at + 1;
      }
      stateOf[i] = state;
      lastOf[i] = entries[entries.length - 1];
      for (; k < entries.length; k++) {
        const e = entries[k]!;
        const first = pointsAt.get(e.index);
        let known = first;
        while (known !== undefined && known.term !== e.term) known = known.next;
        if (known === undefined) pointsAt.set(e.index, { term: e.term, chain: e.chain, node: id, next: first });
        else if (known.chain !== e.chain) return `${known.node} and ${id} both hold index ${e.index} of term ${e.term} but their logs differ at or before it`;
      }
      return undefined;
    };
    return (cluster) => {
      forget(cluster);
      return eachChanged(cluster, visit);
    };
  },
};

/**
 * A committed entry is in the log of every leader of a later term. Commits are recorded as
 * (index, chain) per term in which a node saw them; a leader of a higher term must hold the same
 * chain at that index (the chain covers the whole prefix). Entries a leader compacted into its
 * snapshot are covered by state-machine safety instead. A leader is checked when it first leads
 * and again whenever a new commit point appears (then every leader is, whichever node stepped).
 */
const leaderCompleteness: Invariant<RaftState> = {
  name: 'leader-completeness',
  description: 'every committed entry is present in the log of every leader of a later term',
  monitor() {
    /** Per term in which commits were observed: the highest committed point. */
    const committed = new Map<number, { term: number; index: number; chain: number; node: NodeId }>();
    let version = 0;
    // Per node: the state last seen, its commit index then, and the (term, version) it was last
    // checked as a leader at.
    const stateOf: Array<RaftState | undefined> = [];
    const commitOf: number[] = [];
    const checkedTermOf: number[] = [];
    const checkedVersionOf: number[] = [];
    const recordCommit: Visit = (i, id, state) => {
      if (stateOf[i] !== state) {
        stateOf[i] = state;
        checkedTermOf[i] = -1;
      } else if (commitOf[i] === state.commitIndex) return undefined;
      commitOf[i] = state.commitIndex;
      const chain = chainAt(state.log, state.commitIndex);
      if (chain === undefined) return undefined; // commit index beyond the log (possible only under flaws)
      const known = committed.get(state.currentTerm);
      if (known === undefined || known.index < state.commitIndex) {
        committed.set(state.currentTerm, { term: state.currentTerm, index: state.commitIndex, chain, node: id });
        version++;
      }
      return undefined;
    };
    const checkLeader: Visit = (i, id, state) => {
      if (state.role !== 'leader') return undefined;
      if (stateOf[i] === state && checkedTermOf[i] === state.currentTerm && checkedVersionOf[i] === version) return undefined;
      checkedTermOf[i] = state.currentTerm;
      checkedVersionOf[i] = version;
      for (const point of committed.values()) {
        const term = point.term;
        if (term >= state.currentTerm || point.index <= state.log.snapshot.lastIndex) continue;
        const entry = entryAt(state.log, point.index);
        if (entry === undefined) return `${id} leads term ${state.currentTerm} without index ${point.index}, which ${point.node} saw committed in term ${term}`;
        if (entry.chain !== point.chain) return `${id} leads term ${state.currentTerm} with a log that differs at or before index ${point.index}, which ${point.node} saw committed in term ${term}`;
      }
      return undefined;
    };
    let nextPrune = FLOOR_EVERY / 16;
    return (cluster) => {
      // Points every node has compacted past are skipped by checkLeader anyway: forget them.
      if (committed.size >= nextPrune) {
        const floor = compactionFloor(cluster);
        for (const [term, point] of committed) if (point.index <= floor) committed.delete(term);
        nextPrune = committed.size + FLOOR_EVERY / 16;
      }
      const before = version;
      eachChanged(cluster, recordCommit);
      // A new commit point: every current leader must hold it, not only the node that stepped.
      return version === before ? eachChanged(cluster, checkLeader) : eachNode(cluster, checkLeader);
    };
  },
};

/** Every node applies the same entry at each index: applied sequences are prefixes of one another. */
const stateMachineSafety: Invariant<RaftState> = {
  name: 'state-machine-safety',
  description: "every node's applied sequence is a prefix of the longest one",
  monitor() {
    /** By log index (dense: applies go in index order from 0). */
    const digestAt = new IndexWindow<{ digest: number; node: NodeId }>();
    const forget = boundedBy(digestAt);
    // Per node: the state last seen and its last applied index then.
    const stateOf: Array<RaftState | undefined> = [];
    const cursorOf: number[] = [];
    const visit: Visit = (i, id, state) => {
      const from = stateOf[i] === state ? cursorOf[i]! : -1;
      if (from === state.lastApplied) return undefined;
      stateOf[i] = state;
      cursorOf[i] = state.lastApplied;
      // The trail is in index order: start after the last index already checked.
      const trail = state.appliedTrail;
      let k = trail.length;
      if (from !== -1) while (k > 0 && trail[k - 1]![0] > from) k--;
      else k = 0;
      for (; k < trail.length; k++) {
        const point = trail[k]!;
        const index = point[0];
        const digest = point[1];
        const known = digestAt.get(index);
        if (known === undefined) digestAt.set(index, { digest, node: id });
        else if (known.digest !== digest) return `${known.node} and ${id} applied different sequences through index ${index}`;
      }
      return undefined;
    };
    return (cluster) => {
      forget(cluster);
      return eachChanged(cluster, visit);
    };
  },
};

/**
 * The invariants below catch a mistake at the step it happens, where the four above often see only
 * its consequences later (or, for mistakes that merely stall the cluster, never).
 */

/**
 * A node's term never goes back, even across a restart (it is persisted), and a node never votes
 * for two candidates in one term — the vote must survive a crash too. Remembered per node index
 * across incarnations: a restarted node is the same voter.
 */
const termsAndVotes: Invariant<RaftState> = {
  name: 'terms-and-votes',
  description: "a node's term never decreases, even across restarts, and it votes for at most one candidate per term",
  monitor() {
    const termOf: number[] = [];
    const voteOf: Array<NodeId | null> = [];
    const visit: Visit = (i, id, state) => {
      const term = state.currentTerm;
      const known = termOf[i];
      if (known !== undefined && term < known) return `${id}'s term went back from ${known} to ${term}`;
      if (known === undefined || term > known) {
        termOf[i] = term;
        voteOf[i] = state.votedFor;
        return undefined;
      }
      const vote = voteOf[i] ?? null;
      if (vote !== null && state.votedFor === null) return `${id} forgot its vote for ${vote} in term ${term} (a vote must survive a crash)`;
      if (vote !== null && state.votedFor !== vote) return `${id} voted for ${vote} and then for ${state.votedFor} in term ${term}`;
      voteOf[i] = state.votedFor;
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

/**
 * A node's commit index never exceeds its last log index and never decreases while it is up (a
 * restart may forget it: it is volatile), and what it applied never exceeds what it committed.
 */
const commitBounded: Invariant<RaftState> = {
  name: 'commit-bounded',
  description: "a node's commit index stays within its log and never decreases while it is up; it applies only what is committed",
  monitor() {
    const stateOf: Array<RaftState | undefined> = [];
    const commitOf: number[] = [];
    const visit: Visit = (i, id, state) => {
      const last = lastIndex(state.log);
      if (state.commitIndex > last) return `${id} has commit index ${state.commitIndex} beyond its last log index ${last}`;
      if (state.lastApplied > state.commitIndex) return `${id} applied through ${state.lastApplied}, past its commit index ${state.commitIndex}`;
      if (stateOf[i] === state && state.commitIndex < commitOf[i]!) return `${id}'s commit index went back from ${commitOf[i]} to ${state.commitIndex}`;
      stateOf[i] = state;
      commitOf[i] = state.commitIndex;
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

/**
 * What a leader believes a follower holds (its match index) is what the follower holds: while both
 * are in the leader's term, the follower's log reaches the match index and agrees with the
 * leader's there (equal chains). A leader of an older term may hold stale beliefs; a follower
 * that moved on to a later term is no longer the leader's to judge.
 */
const matchIndexHeld: Invariant<RaftState> = {
  name: 'match-index-held',
  description: "a leader's match index for a follower of its term never exceeds what that follower holds, and their logs agree up to it",
  monitor() {
    const judge = (leader: RaftState, leaderId: NodeId, follower: RaftState, followerId: NodeId): string | undefined => {
      const peer = peerOf(leader.leader!, followerId);
      if (peer === undefined || peer.matchIndex === 0) return undefined;
      const m = peer.matchIndex;
      const held = lastIndex(follower.log);
      if (held < m) return `${leaderId} (leader of term ${leader.currentTerm}) has match index ${m} for ${followerId}, which holds only ${held} entries`;
      const mine = chainAt(leader.log, m);
      const theirs = chainAt(follower.log, m);
      if (mine !== undefined && theirs !== undefined && mine !== theirs) return `${leaderId} (leader of term ${leader.currentTerm}) has match index ${m} for ${followerId}, whose log differs from the leader's at or before it`;
      return undefined;
    };
    const nodesOf = (cluster: Cluster): readonly Node[] => cluster.nodes as readonly Node[];
    /** Node index by id, rebuilt when it points at the wrong node (the node list changed). */
    let indexOf = new Map<NodeId, number>();
    const nodeById = (cluster: Cluster, id: NodeId): Node | undefined => {
      const nodes = nodesOf(cluster);
      let i = indexOf.get(id);
      if (i === undefined || nodes[i]?.id !== id) {
        indexOf = new Map(nodes.map((n, k) => [n.id, k]));
        i = indexOf.get(id);
      }
      return i === undefined ? undefined : nodes[i];
    };
    /**
     * What was last judged per leadership (keyed by its peers array): each peer's match index, and
     * a point of the leader's log with its chain digest. Between two of the leader's steps a
     * follower's log changes only in the follower's own step (judged then, by asFollower), so a
     * leader's step needs judging only for the peers whose match index, or the leader's entry at
     * it, changed. While the leader's chain at the recorded point is unchanged, so is its log up to
     * there (the chain covers the prefix), and a peer whose match index is unchanged is skipped by
     * one number comparison; when it changed (a compaction, or a leader rewriting its own log), every
     * peer is judged again.
     */
    interface Judged {
      /** Match index per peer (int32: log indexes), -1 before the first judgment. */
      readonly matches: Int32Array;
      prefixIndex: number;
      prefixChain: number | undefined;
    }
    const judged = new WeakMap<readonly PeerProgress[], Judged>();
    const judgePeer = (cluster: Cluster, leader: RaftState, leaderId: NodeId, peer: PeerProgress): string | undefined => {
      const f = nodeById(cluster, peer.id)?.state;
      if (f === undefined || peer.id === leaderId || f.currentTerm !== leader.currentTerm) return undefined;
      return judge(leader, leaderId, f, peer.id);
    };
    /** Every follower of `leader` that is in its term (only those not judged as they stand). */
    const asLeader = (cluster: Cluster, leader: RaftState, leaderId: NodeId): string | undefined => {
      const peers = leader.leader!.peers;
      const log = leader.log;
      let seen = judged.get(peers);
      if (seen === undefined || seen.matches.length !== peers.length) judged.set(peers, (seen = { matches: new Int32Array(peers.length).fill(-1), prefixIndex: -1, prefixChain: undefined }));
      const matches = seen.matches;
      // While the prefix held, the leader's entry at an unchanged match index at or below it is
      // unchanged too: one comparison per peer (this runs on every reply a leader takes).
      const prefixIndex = seen.prefixChain !== undefined && chainAt(log, seen.prefixIndex) === seen.prefixChain ? seen.prefixIndex : -1;
      for (let k = 0; k < peers.length; k++) {
        const peer = peers[k]!;
        const match = peer.matchIndex;
        if (match === matches[k] && match <= prefixIndex) continue;
        const message = judgePeer(cluster, leader, leaderId, peer);
        if (message !== undefined) return message;
        matches[k] = match;
      }
      seen.prefixIndex = lastIndex(log);
      seen.prefixChain = chainAt(log, seen.prefixIndex);
      return undefined;
    };
    /** Nodes that led when last seen: the only candidates for a follower's leader. */
    const leaders = new Set<number>();
    /** Every leader of `follower`'s term. */
    const asFollower = (cluster: Cluster, follower: RaftState, followerId: NodeId): string | undefined => {
      const nodes = nodesOf(cluster);
      for (const i of leaders) {
        const n = nodes[i];
        const l = n?.state;
        if (n === undefined || l === undefined || l.leader === null) {
          leaders.delete(i); // it has stepped down or crashed since
          continue;
        }
        if (n.id === followerId || l.currentTerm !== follower.currentTerm) continue;
        const message = judge(l, n.id, follower, followerId);
        if (message !== undefined) return message;
      }
      return undefined;
    };
    const visit = (cluster: Cluster, index: number, id: NodeId, state: RaftState): string | undefined => {
      if (state.leader === null) {
        leaders.delete(index);
        return asFollower(cluster, state, id);
      }
      leaders.add(index);
      return asLeader(cluster, state, id);
    };
    return (cluster) => {
      const changed = cluster.changed;
      const changedIndex = cluster.changedIndex;
      if (changed !== undefined && changedIndex !== undefined) {
        if (changed.state === undefined) {
          leaders.delete(changedIndex);
          return undefined;
        }
        return visit(cluster, changedIndex, changed.id, changed.state);
      }
      // No promise about what changed: judge every leader afresh.
      leaders.clear();
      const nodes = nodesOf(cluster);
      for (let i = 0; i < nodes.length; i++) {
        const n = nodes[i]!;
        if (n.state === undefined || n.state.leader === null) continue;
        leaders.add(i);
        const peers = n.state.leader.peers;
        judged.delete(peers);
        const message = asLeader(cluster, n.state, n.id);
        if (message !== undefined) return message;
      }
      return undefined;
    };
  },
};

/**
 * A read lease is a promise about true time: while a leader's lease holds on its clock, no leader
 * of a later term exists (the voters that granted it refuse to elect one until it has run out).
 * Judged whenever a leader steps, against every other leader, on each node's own clock reading
 * (ClusterView.clockUs). A lease that does not cover the clock drift the configuration claims to
 * tolerate, or one confirmed by acknowledgements that were not of its round, shows here the
 * moment the next leader is elected, whether or not a client happened to read from the old leader
 * in that window (which the linearizability check would need).
 */
const leaseSafety: Invariant<RaftState> = {
  name: 'lease-safety',
  description: "no leader of a later term exists while a leader's read lease still holds on its clock",
  monitor() {
    let cluster!: Cluster;
    const leaseHolds = (index: number, state: RaftState): boolean =>
      state.leader !== null && state.leader.leaseUntilUs > 0 && state.leader.leaseUntilUs > cluster.clockUs!(index);
    const visit: Visit = (i, id, state) => {
      if (state.role !== 'leader') return undefined;
      const nodes = cluster.nodes as readonly Node[];
      for (let j = 0; j < nodes.length; j++) {
        const other = nodes[j]!.state;
        if (j === i || other === undefined || other.role !== 'leader' || other.currentTerm === state.currentTerm) continue;
        const [older, olderIndex, olderId, newer, newerId] = other.currentTerm < state.currentTerm ? [other, j, nodes[j]!.id, state, id] : [state, i, id, other, nodes[j]!.id];
        if (leaseHolds(olderIndex, older)) {
          const leftUs = older.leader!.leaseUntilUs - cluster.clockUs!(olderIndex);
          return `${newerId} leads term ${newer.currentTerm} while ${olderId}'s read lease of term ${older.currentTerm} holds for ${leftUs}µs more on its clock`;
        }
      }
      return undefined;
    };
    return (view) => {
      if (view.clockUs === undefined) return undefined; // no clocks to judge by
      cluster = view;
      return eachChanged(view, visit);
    };
  },
};

export const raftInvariants: readonly Invariant<RaftState>[] = [
  electionSafety,
  logMatching,
  leaderCompleteness,
  stateMachineSafety,
  termsAndVotes,
  leaseSafety,
  commitBounded,
  matchIndexHeld,
];
