/**
 * What every module shares: persistence, timers, quorums, and the role transitions that tie the
 * modules together (a leader stepping down answers its pending clients).
 */
import type { NodeId } from '../../core/ids.js';
import { lastIndex } from './log.js';
import type { Durable, Env, RaftLog, RaftState } from './types.js';

export const TIMER_ELECTION = 'election';
export const TIMER_HEARTBEAT = 'heartbeat';
export const TIMER_CHECK_QUORUM = 'check-quorum';
export const TIMER_TRANSFER = 'transfer';

/**
 * Writes currentTerm, votedFor and the log. The kernel copies the value when the step ends, before
 * any of the step's messages leave, so calling this once anywhere in a step covers all of it.
 */
export function persist(state: RaftState, env: Env): void {
  // Frozen through and through (snapshots and entries are frozen; the entries array is a frozen
  // copy), so the kernel keeps this value as it is instead of deep-copying it: a slice is a memory
  // copy, a deep clone a call per entry.
  const durable: Durable = {
    currentTerm: state.currentTerm,
    // The flaw: the vote lives only in memory, so a restart in the same term can vote again.
    votedFor: env.flaws.noPersistVote ? null : state.votedFor,
    snapshot: state.log.snapshot,
    entries: Object.freeze(state.log.entries.slice()),
  };
  env.ctx.persist(Object.freeze(durable));
}

export function quorumSize(voters: readonly NodeId[]): number {
  return Math.floor(voters.length / 2) + 1;
}

/** Whether `supporters` (deduplicated) include a majority of `voters`. */
export function hasQuorum(voters: readonly NodeId[], supporters: readonly NodeId[]): boolean {
  if (voters.length === 0) return false;
  let count = 0;
  for (const v of voters) if (supporters.includes(v)) count++;
  return count >= quorumSize(voters);
}

export function isVoter(state: RaftState, id: NodeId): boolean {
  return state.config.voters.includes(id);
}

export function resetElectionTimer(env: Env): void {
  const { electionTimeoutMinUs: min, electionTimeoutMaxUs: max } = env.options;
  env.ctx.setTimer(TIMER_ELECTION, min + Math.floor(env.ctx.random() * (max - min)));
}

/**
 * Whether this node believes a leader is alive (it is one, or heard from one within the minimum
 * election timeout). Such a node refuses (pre-)votes, so a partitioned node cannot depose a healthy
 * leader, and a lease cannot overlap with a newer leader's term.
 */
export function hearsFromLeader(state: RaftState, env: Env): boolean {
  if (!env.options.checkQuorum && env.options.reads !== 'lease') return false;
  if (state.role === 'leader') return true;
  return env.ctx.now() - state.lastLeaderContactUs < env.options.electionTimeoutMinUs;
}

/** The latest configuration in the log (or the snapshot's), after truncation or compaction. */
export function refreshConfig(state: RaftState): void {
  const log: RaftLog = state.log;
  for (let k = log.entries.length - 1; k >= 0; k--) {
    const e = log.entries[k]!;
    if (e.kind === 'config') {
      state.config = { voters: [...e.voters], index: e.index };
      return;
    }
  }
  state.config = { voters: [...log.snapshot.voters], index: log.snapshot.lastIndex };
}

/** Voters as of `index` (for snapshots taken at an applied index). */
export function votersAt(log: RaftLog, index: number): NodeId[] {
  for (let k = Math.min(index - log.snapshot.lastIndex, log.entries.length) - 1; k >= 0; k--) {
    const e = log.entries[k]!;
    if (e.kind === 'config') return [...e.voters];
  }
  return [...log.snapshot.voters];
}

/**
 * Becomes a follower of `term` (raising and persisting the term if it is newer). A leader stepping
 * down answers its pending clients: writes `info` (appended, so they may still commit), reads
 * `redirect` (a read that was not served has no effect).
 */
export function becomeFollower(state: RaftState, env: Env, term: number, leaderId: NodeId | null): void {
  const ctx = env.ctx;
  if (term > state.currentTerm) {
    state.currentTerm = term;
    state.votedFor = null;
    persist(state, env);
  }
  const wasRole = state.role;
  if (state.leader !== null) {
    const hint = leaderId ?? undefined;
    for (const w of state.leader.pendingWrites) ctx.reply(w.requestId, { type: 'info', error: `leader ${state.self} stepped down; the write may still commit` });
    for (const r of state.leader.pendingReads) ctx.reply(r.requestId, hint === undefined ? { type: 'redirect', error: 'leader stepped down' } : { type: 'redirect', to: hint, error: 'leader stepped down' });
    state.leader = null;
    ctx.cancelTimer(TIMER_HEARTBEAT);
    ctx.cancelTimer(TIMER_CHECK_QUORUM);
    ctx.cancelTimer(TIMER_TRANSFER);
    ctx.note('step-down', { term: state.currentTerm });
  }
  state.role = 'follower';
  state.leaderId = leaderId;
  state.votes = [];
  if (wasRole !== 'follower') resetElectionTimer(env);
}

export function lastLogIndex(state: RaftState): number {
  return lastIndex(state.log);
}
