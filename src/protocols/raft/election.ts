/**
 * Leader election: randomized timeouts, PreVote, RequestVote with the election restriction, votes
 * persisted before the reply leaves, and the start of a leader's term.
 */
import type { NodeId } from '../../core/ids.js';
import { NOOP_HASH, append, isUpToDate, lastIndex, lastTerm } from './log.js';
import { advanceCommit, startRound } from './replication.js';
import {
  TIMER_CHECK_QUORUM,
  TIMER_ELECTION,
  becomeFollower,
  hasQuorum,
  hearsFromLeader,
  isVoter,
  persist,
  resetElectionTimer,
} from './roles.js';
import type { Env, Message, RaftState } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

export function onElectionTimeout(state: RaftState, env: Env): void {
  if (state.role === 'leader') return;
  resetElectionTimer(env);
  if (!mayCampaign(state)) return;
  if (env.options.preVote) startPreVote(state, env);
  else startElection(state, env, false);
}

/**
 * Spares wait empty until a leader contacts them, and a server whose removal is committed stays
 * quiet. A server whose latest configuration leaves it out but is not committed yet still
 * campaigns, among that configuration's voters: it may be the leader that was removing itself and
 * lost its term before the entry spread, and then its log alone holds that configuration. Were it
 * to stay quiet, a voter still on the older configuration needs its vote and never gets it (its
 * log is behind), and the cluster has no leader ever again (found by the default fuzz campaign:
 * remove one server, then the leader removes itself and is paused). Winning is safe: the votes it
 * needs are a majority of its latest configuration, as any candidate's are, and it steps down
 * once that configuration commits (afterCommit), as a removed leader does (thesis §4.2.2).
 */
function mayCampaign(state: RaftState): boolean {
  return isVoter(state, state.self) || state.config.index > state.commitIndex;
}

function startPreVote(state: RaftState, env: Env): void {
  state.role = 'pre-candidate';
  state.leaderId = null;
  state.votes = [state.self];
  if (hasQuorum(state.config.voters, state.votes)) {
    startElection(state, env, false);
    return;
  }
  const msg: Message = { type: 'pre-vote', term: state.currentTerm + 1, lastLogIndex: lastIndex(state.log), lastLogTerm: lastTerm(state.log) };
  for (const v of state.config.voters) if (v !== state.self) env.ctx.send(v, msg);
}

/** Raises the term and asks for votes; `transfer` marks a leadership transfer (voters skip the leader check). */
export function startElection(state: RaftState, env: Env, transfer: boolean): void {
  state.currentTerm++;
  state.votedFor = state.self;
  state.role = 'candidate';
  state.leaderId = null;
  state.votes = [state.self];
  persist(state, env);
  resetElectionTimer(env);
  env.ctx.note('campaign', { term: state.currentTerm, transfer });
  if (hasQuorum(state.config.voters, state.votes)) {
    becomeLeader(state, env);
    return;
  }
  const msg: Message = { type: 'request-vote', term: state.currentTerm, lastLogIndex: lastIndex(state.log), lastLogTerm: lastTerm(state.log), transfer };
  for (const v of state.config.voters) if (v !== state.self) env.ctx.send(v, msg);
}

function logAllowsVote(state: RaftState, env: Env, lastLogIndex: number, lastLogTerm: number): boolean {
  return env.flaws.noElectionRestriction || isUpToDate(state.log, lastLogIndex, lastLogTerm);
}

export function onPreVote(state: RaftState, env: Env, from: NodeId, msg: Msg<'pre-vote'>): void {
  // A pre-vote changes nothing here: no term, no vote, no timer.
  const granted = msg.term > state.currentTerm && !hearsFromLeader(state, env) && logAllowsVote(state, env, msg.lastLogIndex, msg.lastLogTerm);
  env.ctx.send(from, { type: 'pre-vote-reply', term: granted ? msg.term : state.currentTerm, granted });
}

export function onPreVoteReply(state: RaftState, env: Env, from: NodeId, msg: Msg<'pre-vote-reply'>): void {
  if (!msg.granted && msg.term > state.currentTerm) {
    becomeFollower(state, env, msg.term, null);
    return;
  }
  if (state.role !== 'pre-candidate' || !msg.granted || msg.term !== state.currentTerm + 1) return;
  if (!state.votes.includes(from)) state.votes.push(from);
  if (hasQuorum(state.config.voters, state.votes)) startElection(state, env, false);
}

export function onRequestVote(state: RaftState, env: Env, from: NodeId, msg: Msg<'request-vote'>): void {
  const ctx = env.ctx;
  if (msg.term < state.currentTerm) {
    ctx.send(from, { type: 'vote-reply', term: state.currentTerm, granted: false });
    return;
  }
  if (!msg.transfer && hearsFromLeader(state, env)) {
    // Leader stickiness: ignore the higher term rather than adopt it and depose a live leader.
    ctx.send(from, { type: 'vote-reply', term: state.currentTerm, granted: false });
    return;
  }
  if (msg.term > state.currentTerm) becomeFollower(state, env, msg.term, null);
  const free = state.votedFor === null || state.votedFor === from;
  const granted = free && logAllowsVote(state, env, msg.lastLogIndex, msg.lastLogTerm);
  if (granted) {
    state.votedFor = from;
    persist(state, env); // on disk before the reply leaves (the kernel applies persist first)
    resetElectionTimer(env);
  }
  ctx.send(from, { type: 'vote-reply', term: state.currentTerm, granted });
}

export function onVoteReply(state: RaftState, env: Env, from: NodeId, msg: Msg<'vote-reply'>): void {
  if (msg.term > state.currentTerm) {
    becomeFollower(state, env, msg.term, null);
    return;
  }
  if (state.role !== 'candidate' || msg.term !== state.currentTerm || !msg.granted) return;
  if (!state.votes.includes(from)) state.votes.push(from);
  if (hasQuorum(state.config.voters, state.votes)) becomeLeader(state, env);
}

/** A transfer target was told to campaign now, skipping PreVote. */
export function onTimeoutNow(state: RaftState, env: Env, msg: Msg<'timeout-now'>): void {
  if (msg.term < state.currentTerm || !isVoter(state, state.self) || state.role === 'leader') return;
  if (msg.term > state.currentTerm) becomeFollower(state, env, msg.term, null);
  startElection(state, env, true);
}

export function becomeLeader(state: RaftState, env: Env): void {
  const ctx = env.ctx;
  state.role = 'leader';
  state.leaderId = state.self;
  state.votes = [];
  ctx.cancelTimer(TIMER_ELECTION);
  const next = lastIndex(state.log) + 1;
  state.leader = {
    termStartIndex: next,
    peers: state.config.voters
      .filter((v) => v !== state.self)
      .map((id) => ({ id, nextIndex: next, matchIndex: 0, ackedRound: 0, active: false, snapshotRound: -1 })),
    round: 0,
    roundSentAt: [],
    leaseUntilUs: 0,
    leaseForfeited: false,
    pendingWrites: [],
    pendingReads: [],
    transfer: null,
    membershipQueue: [],
  };
  ctx.note('leader', { term: state.currentTerm });
  // The no-op commits everything before it (Raft commits old-term entries only indirectly) and
  // gates reads: a leader serves none until an entry of its own term has committed.
  if (env.options.noopOnElection && !env.flaws.commitPreviousTerm) {
    append(state.log, { kind: 'noop', index: next, term: state.currentTerm, hash: NOOP_HASH });
    persist(state, env);
  }
  if (env.options.checkQuorum) ctx.setTimer(TIMER_CHECK_QUORUM, env.options.electionTimeoutMinUs);
  startRound(state, env);
  advanceCommit(state, env);
}

/** CheckQuorum: a leader that has not heard from a majority within an election timeout steps down. */
export function onCheckQuorum(state: RaftState, env: Env): void {
  const leader = state.leader;
  if (leader === null) return;
  const heard = leader.peers.filter((p) => p.active).map((p) => p.id);
  heard.push(state.self);
  if (!hasQuorum(state.config.voters, heard)) {
    env.ctx.note('check-quorum-lost', { term: state.currentTerm, heard });
    becomeFollower(state, env, state.currentTerm, null);
    return;
  }
  for (const p of leader.peers) p.active = false;
  env.ctx.setTimer(TIMER_CHECK_QUORUM, env.options.electionTimeoutMinUs);
}
