/**
 * Log replication: AppendEntries with the consistency check and fast backtracking, heartbeat
 * rounds (which also confirm leadership for reads), commit on a majority of the current term, and
 * applying committed entries in order.
 */
import type { NodeId } from '../../core/ids.js';
import type { OpResult } from '../../core/ops.js';
import { readValue } from './kv.js';
import {
  append,
  entryAt,
  firstIndexOfTermAt,
  lastIndex,
  lastIndexOfTerm,
  mixHash,
  slice,
  termAt,
  truncateFrom,
} from './log.js';
import { afterCommit } from './membership.js';
import { TIMER_HEARTBEAT, becomeFollower, persist, quorumSize, refreshConfig, resetElectionTimer } from './roles.js';
import { maybeSnapshot } from './snapshot.js';
import { noteChange, voterProgress, votersAbove } from './voter-tally.js';
import type { AppendMsg, Env, LeaderState, Message, PeerProgress, RaftState } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

/** Rounds remembered for lease reads. */
const MAX_ROUNDS_KEPT = 64;
/** Applied digests kept for the state-machine-safety invariant. */
const MAX_TRAIL = 16;

// ------------------------------------------------------------------ leader side

/** A heartbeat round: AppendEntries to every peer; acks echo the round number. */
export function startRound(state: RaftState, env: Env): void {
  const leader = state.leader!;
  leader.round++;
  leader.roundSentAt.push([leader.round, env.ctx.now()]);
  if (leader.roundSentAt.length > MAX_ROUNDS_KEPT) leader.roundSentAt.shift();
  broadcastAppend(state, env);
  env.ctx.setTimer(TIMER_HEARTBEAT, env.options.heartbeatUs);
  serveReads(state, env); // a single-voter cluster confirms its own round at once
}

export function broadcastAppend(state: RaftState, env: Env): void {
  for (const peer of state.leader!.peers) sendAppend(state, env, peer);
}

/** Sends what the peer lacks from nextIndex on (optimistically advancing it), or the snapshot. */
export function sendAppend(state: RaftState, env: Env, peer: PeerProgress): void {
  const leader = state.leader!;
  const log = state.log;
  if (peer.nextIndex <= log.snapshot.lastIndex) {
    if (peer.snapshotRound === leader.round) return; // one snapshot per round is plenty
    peer.snapshotRound = leader.round;
    env.ctx.send(peer.id, { type: 'install-snapshot', term: state.currentTerm, snapshot: log.snapshot, round: leader.round });
    return;
  }
  const prevLogIndex = peer.nextIndex - 1;
  const entries = slice(log, peer.nextIndex, peer.nextIndex + env.options.maxEntriesPerAppend - 1);
  const msg: AppendMsg = {
    type: 'append',
    term: state.currentTerm,
    prevLogIndex,
    prevLogTerm: termAt(log, prevLogIndex)!,
    entries,
    leaderCommit: state.commitIndex,
    round: leader.round,
  };
  env.ctx.send(peer.id, msg);
  if (entries.length > 0) peer.nextIndex = entries[entries.length - 1]!.index + 1;
}

export function onAppendReply(state: RaftState, env: Env, from: NodeId, msg: Msg<'append-reply'>): void {
  if (msg.term > state.currentTerm) {
    becomeFollower(state, env, msg.term, null);
    return;
  }
  const peer = replyingPeer(state, from, msg);
  if (peer === undefined) return;
  const last = lastIndex(state.log);
  if (msg.success) {
    raiseMatch(state, peer, Math.min(msg.matchIndex, last), msg.matchIndex);
    if (peer.nextIndex <= peer.matchIndex) peer.nextIndex = peer.matchIndex + 1;
    // Only a match above the commit index can make a new majority (every other change to the
    // matches or the log advances the commit where it happens): a heartbeat reply costs O(1).
    if (peer.matchIndex > state.commitIndex) advanceCommit(state, env);
    if (state.leader === null) return;
    if (peer.nextIndex <= last) sendAppend(state, env, peer); // more than one message's worth
    afterPeerProgress(state, env, peer);
  } else {
    let next = msg.conflictIndex;
    if (msg.conflictTerm !== null) {
      const mine = lastIndexOfTerm(state.log, msg.conflictTerm);
      if (mine !== undefined) next = mine + 1;
    }
    peer.nextIndex = Math.max(peer.matchIndex + 1, Math.min(next, last + 1));
    sendAppend(state, env, peer);
  }
  serveReads(state, env);
}

export function onSnapshotReply(state: RaftState, env: Env, from: NodeId, msg: Msg<'snapshot-reply'>): void {
  if (msg.term > state.currentTerm) {
    becomeFollower(state, env, msg.term, null);
    return;
  }
  const peer = replyingPeer(state, from, msg);
  if (peer === undefined) return;
  raiseMatch(state, peer, Math.min(msg.matchIndex, lastIndex(state.log)), msg.matchIndex);
  if (peer.nextIndex <= peer.matchIndex) peer.nextIndex = peer.matchIndex + 1;
  advanceCommit(state, env);
  if (state.leader === null) return;
  if (peer.nextIndex <= lastIndex(state.log)) sendAppend(state, env, peer);
  afterPeerProgress(state, env, peer);
  serveReads(state, env);
}

/** The peer a reply of this term comes from, marked as heard from; undefined if not leading it. */
function replyingPeer(state: RaftState, from: NodeId, msg: { term: number; round: number }): PeerProgress | undefined {
  if (state.leader === null || msg.term !== state.currentTerm) return undefined;
  const peer = peerOf(state.leader, from);
  if (peer === undefined) return undefined;
  peer.active = true;
  if (msg.round > peer.ackedRound) {
    const before = peer.ackedRound;
    peer.ackedRound = msg.round;
    noteChange(state, state.leader, peer, 'ackedRound', before);
  }
  return peer;
}

/** A reply reports `reported` held (`match`: that, capped at the leader's log): the match index only rises. */
function raiseMatch(state: RaftState, peer: PeerProgress, match: number, reported: number): void {
  if (reported <= peer.matchIndex) return;
  const before = peer.matchIndex;
  peer.matchIndex = match;
  noteChange(state, state.leader!, peer, 'matchIndex', before);
}

/** A transfer completes once the target holds the whole log. */
function afterPeerProgress(state: RaftState, env: Env, peer: PeerProgress): void {
  const transfer = state.leader?.transfer;
  if (transfer && transfer.to === peer.id && peer.matchIndex === lastIndex(state.log)) {
    env.ctx.send(peer.id, { type: 'timeout-now', term: state.currentTerm });
  }
}

/**
 * Commits the highest index of the current term stored on a majority of voters. Entries of older
 * terms commit only with it (Figure 8): counting their replicas is not enough, as another leader
 * may still overwrite them.
 */
export function advanceCommit(state: RaftState, env: Env): void {
  const leader = state.leader;
  if (leader === null) return;
  const voters = state.config.voters;
  if (voters.length === 0) return;
  const quorum = quorumSize(voters);
  const last = lastIndex(state.log);
  // Match indexes only rise while this node leads: the commit can move only once a quorum holds
  // something above it. That count is kept as replies come (voter-tally.ts), so the replies that
  // cannot commit yet (all but one per batch of entries) cost O(1).
  if (votersAbove(state, leader, 'matchIndex', last, state.commitIndex) < quorum) return;
  const progress = voterProgress(state, leader);
  // The highest index a majority holds: the quorum-th largest match index (the leader holds its
  // whole log).
  const matches = matchScratch;
  matches.length = 0;
  for (let i = 0; i < voters.length; i++) matches.push(voters[i] === state.self ? last : (progress[i]?.matchIndex ?? 0));
  matches.sort(descending);
  const n = matches[quorum - 1]!;
  if (n <= state.commitIndex) return;
  const term = termAt(state.log, n);
  if (term === undefined) return;
  // Terms only fall going back: if the majority's index is of an older term, so is all below it.
  if (term !== state.currentTerm && !env.flaws.commitPreviousTerm) return;
  state.commitIndex = n;
  applyCommitted(state, env);
}

/** Scratch for advanceCommit and majorityRound: reused, since they run on every reply and nothing keeps it. */
const matchScratch: number[] = [];
const descending = (a: number, b: number): number => b - a;

// ------------------------------------------------------------------ follower side

/** `round`: the round the rejection acknowledges (the append's, or 0 for none); the conflict hint for fast backtracking. */
function rejectAppend(state: RaftState, env: Env, from: NodeId, reply: { round: number; conflictIndex: number; conflictTerm: number | null }): void {
  // Fields in the order every append-reply has them (payloads feed the trace hash).
  env.ctx.send(from, { type: 'append-reply', term: state.currentTerm, success: false, matchIndex: 0, conflictIndex: reply.conflictIndex, conflictTerm: reply.conflictTerm, round: reply.round });
}

export function onAppend(state: RaftState, env: Env, from: NodeId, msg: AppendMsg): void {
  const ctx = env.ctx;
  if (msg.term < state.currentTerm) {
    // Round 0: a reply to an older term's message acknowledges no round. It carries our term, to
    // depose the old leader; but if the sender has since been elected again in our very term, it
    // would take the old message's round number as an acknowledgement of its own round of that
    // number, and confirm ReadIndex reads and leases on a vote this node never gave.
    rejectAppend(state, env, from, { round: 0, conflictIndex: 0, conflictTerm: null });
    return;
  }
  heardFromLeader(state, env, from, msg.term);

  const log = state.log;
  const snapshotIndex = log.snapshot.lastIndex;
  let entries = msg.entries;
  let prev = msg.prevLogIndex;
  const lastNew = msg.prevLogIndex + msg.entries.length;
  if (prev < snapshotIndex) {
    // Our snapshot holds only committed entries, which every leader's log has: skip them.
    entries = entries.slice(Math.min(entries.length, snapshotIndex - prev));
    prev = snapshotIndex;
  } else if (prev > lastIndex(log)) {
    rejectAppend(state, env, from, { round: msg.round, conflictIndex: lastIndex(log) + 1, conflictTerm: null });
    return;
  } else {
    const term = termAt(log, prev)!;
    if (term !== msg.prevLogTerm) {
      rejectAppend(state, env, from, { round: msg.round, conflictIndex: firstIndexOfTermAt(log, prev, term), conflictTerm: term });
      return;
    }
  }

  let changed = false;
  // The configuration is the latest in the log: it can change only by truncation or a config entry.
  let configChanged = false;
  if (env.flaws.truncateOnStaleAppend && prev < lastIndex(log)) {
    // The flaw: whatever follows prevLogIndex goes, even entries that match.
    truncateFrom(log, prev + 1);
    changed = true;
    configChanged = true;
  }
  for (const entry of entries) {
    const mine = termAt(log, entry.index);
    if (mine === entry.term) continue; // already have it: a stale or duplicated message must not shorten the log
    if (mine !== undefined) {
      if (entry.index <= state.commitIndex) ctx.note('truncating-committed', { index: entry.index, commitIndex: state.commitIndex });
      truncateFrom(log, entry.index);
      configChanged = true;
    }
    append(log, entry);
    changed = true;
    if (entry.kind === 'config') configChanged = true;
  }
  if (changed) {
    if (configChanged) refreshConfig(state);
    persist(state, env);
  }
  // Commit only what this message verified: min(leaderCommit, index of its last entry).
  const verified = Math.max(snapshotIndex, lastNew);
  if (msg.leaderCommit > state.commitIndex) {
    const commit = Math.min(msg.leaderCommit, verified);
    if (commit > state.commitIndex) {
      state.commitIndex = commit;
      applyCommitted(state, env);
    }
  }
  ctx.send(from, { type: 'append-reply', term: state.currentTerm, success: true, matchIndex: verified, conflictIndex: 0, conflictTerm: null, round: msg.round });
}

/** A message from the leader of `term` (>= ours): follow it and hold off elections. */
export function heardFromLeader(state: RaftState, env: Env, from: NodeId, term: number): void {
  if (term > state.currentTerm || state.role !== 'follower') becomeFollower(state, env, term, from);
  state.leaderId = from;
  state.lastLeaderContactUs = env.ctx.now();
  resetElectionTimer(env);
}

// ------------------------------------------------------------------ applying

/** Applies committed entries in order; a leader answers the clients waiting on them. */
export function applyCommitted(state: RaftState, env: Env): void {
  const log = state.log;
  const leader = state.leader;
  while (state.lastApplied < state.commitIndex) {
    const entry = entryAt(log, state.lastApplied + 1);
    if (entry === undefined) break; // commit index beyond what this log holds (only under flaws)
    state.lastApplied = entry.index;
    const result = entry.kind === 'command' ? env.apply(state.kv, entry.command, entry.index) : undefined;
    state.appliedDigest = mixHash(mixHash(mixHash(state.appliedDigest, entry.index), entry.term), entry.hash);
    state.appliedTrail.push([entry.index, state.appliedDigest]);
    if (state.appliedTrail.length > MAX_TRAIL) state.appliedTrail.shift();
    if (leader !== null) answerWrites(leader, env, entry.index, entry.term, result);
  }
  if (state.leader !== null) {
    serveReads(state, env);
    afterCommit(state, env);
  }
  maybeSnapshot(state, env);
}

function answerWrites(leader: LeaderState, env: Env, index: number, term: number, result: OpResult | undefined): void {
  const pending = leader.pendingWrites;
  while (pending.length > 0 && pending[0]!.index <= index) {
    const w = pending.shift()!;
    if (w.index === index && w.term === term && result !== undefined) env.ctx.reply(w.requestId, result);
    else env.ctx.reply(w.requestId, { type: 'info', error: 'the entry was replaced' });
  }
}

// ------------------------------------------------------------------ reads

/**
 * Peers by id for big clusters, per peers array: a leader's peers array is replaced, never
 * changed in place (election, membership), so an index built once stays right.
 */
const peerIndex = new WeakMap<readonly PeerProgress[], Map<NodeId, PeerProgress>>();

/** A leader's progress record for `id`: this runs for every reply (a plain loop for small clusters). */
export function peerOf(leader: LeaderState, id: NodeId): PeerProgress | undefined {
  const peers = leader.peers;
  if (peers.length <= 8) {
    for (let i = 0; i < peers.length; i++) if (peers[i]!.id === id) return peers[i];
    return undefined;
  }
  let index = peerIndex.get(peers);
  if (index === undefined) peerIndex.set(peers, (index = new Map(peers.map((p) => [p.id, p]))));
  return index.get(id);
}

/**
 * The highest round a majority of voters acknowledged (this leader counts its current round).
 * Acknowledged rounds only rise while this node leads, so the answer only rises: it is the last
 * answer until a quorum acknowledged a later round, which the kept count tells in O(1).
 */
function majorityRound(state: RaftState): number {
  const leader = state.leader!;
  const voters = state.config.voters;
  if (voters.length === 0) return 0;
  const quorum = quorumSize(voters);
  const progress = voterProgress(state, leader);
  const known = confirmedRounds.get(progress);
  if (known !== undefined && votersAbove(state, leader, 'ackedRound', leader.round, known) < quorum) return known;
  const rounds = matchScratch;
  rounds.length = 0;
  for (let i = 0; i < voters.length; i++) rounds.push(voters[i] === state.self ? leader.round : (progress[i]?.ackedRound ?? 0));
  rounds.sort(descending);
  const confirmed = rounds[quorum - 1]!;
  confirmedRounds.set(progress, confirmed);
  return confirmed;
}

/** The last majorityRound answer per voter-progress array (one per leadership and configuration). */
const confirmedRounds = new WeakMap<ReadonlyArray<PeerProgress | undefined>, number>();

/**
 * How long a lease lasts on the leader's clock after the round that grants it was sent. Voters
 * that acknowledged the round refuse votes for electionTimeoutMin on their clocks; with clocks
 * off by up to maxClockDrift either way, the leader must stop sooner by that factor, and by the
 * margin for clock jumps.
 */
export function leaseDurationUs(env: Env): number {
  const o = env.options;
  if (env.flaws.leaseNoMargin) return o.electionTimeoutMinUs;
  return Math.floor((o.electionTimeoutMinUs * (1 - o.maxClockDrift)) / (1 + o.maxClockDrift)) - o.leaseMarginUs;
}

/** Updates the lease and answers the reads whose round is confirmed and whose index is applied. */
export function serveReads(state: RaftState, env: Env): void {
  const leader = state.leader;
  if (leader === null) return;
  const lease = env.options.reads === 'lease';
  if (!lease && leader.pendingReads.length === 0) return; // nothing to confirm
  const confirmed = majorityRound(state);
  if (lease && !leader.leaseForfeited) {
    const sent = leader.roundSentAt.find(([round]) => round === confirmed);
    if (sent !== undefined) leader.leaseUntilUs = Math.max(leader.leaseUntilUs, sent[1] + leaseDurationUs(env));
  }
  if (leader.pendingReads.length === 0) return;
  // In place: reads leave in arrival order, the rest keep theirs.
  const reads = leader.pendingReads;
  let kept = 0;
  for (let i = 0; i < reads.length; i++) {
    const read = reads[i]!;
    if (read.round <= confirmed && state.lastApplied >= read.readIndex) env.ctx.reply(read.requestId, { type: 'ok', value: readValue(state.kv, read.key) });
    else reads[kept++] = read;
  }
  reads.length = kept;
}
