/** Timer names and the randomized (or, without backoff, fixed) waits. */
import type { Env, PaxosState } from './types.js';

/** Follower: no word from a leader; candidate: phase 1 took too long; `leader: none`: retry a round. */
export const TIMER_ELECTION = 'election';
/** Leader: accepts to every peer (empty when idle), carrying what is chosen. */
export const TIMER_HEARTBEAT = 'heartbeat';
/** Leader: step down unless a phase-2 quorum answered since the last check (CheckQuorum). */
export const TIMER_CHECK_QUORUM = 'check-quorum';
/** `leader: none`: tell a random peer how far this node has applied (anti-entropy). */
export const TIMER_SYNC = 'sync';
/** Pending reads past their deadline give up. */
export const TIMER_READS = 'reads';

/** A follower's wait for a leader: uniform in [min, max), or exactly min without backoff. */
export function resetElectionTimer(_state: PaxosState, env: Env): void {
  const { electionTimeoutMinUs: min, electionTimeoutMaxUs: max, backoff } = env.options;
  env.ctx.setTimer(TIMER_ELECTION, backoff ? min + Math.floor(env.ctx.random() * (max - min)) : min);
}

/**
 * `leader: none`: a preempted proposer's pause before its next round: uniform below a window that
 * doubles with each preemption in a row (up to 8 times `backoffMaxUs`), so two proposers that keep
 * colliding soon pick pauses longer than a round; none at all without backoff.
 */
export function retryDelayUs(state: PaxosState, env: Env): number {
  if (!env.options.backoff) return 0;
  const window = env.options.backoffMaxUs * 2 ** Math.min(state.preemptions, 3);
  return 1 + Math.floor(env.ctx.random() * window);
}
