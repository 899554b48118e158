/**
 * Read leases for a stable leader: granted by promises and acknowledged heartbeat rounds from
 * enough acceptors to meet every phase-1 quorum, each of which refuses other proposers' prepares
 * for an election timeout after hearing from the leader (acceptor.ts, `sticky`).
 */
import type { Env, PaxosState } from './types.js';

/**
 * How long a lease lasts on the leader's clock after the round that grants it was sent: acceptors
 * refuse other prepares for electionTimeoutMin on their clocks; with clocks off by up to
 * maxClockDrift either way the leader stops sooner by that factor, and by the margin for jumps.
 */
export function leaseDurationUs(env: Env): number {
  const o = env.options;
  return Math.floor((o.electionTimeoutMinUs * (1 - o.maxClockDrift)) / (1 + o.maxClockDrift)) - o.leaseMarginUs;
}

/** Extends the lease to the newest round acknowledged by enough acceptors to meet every phase-1 quorum. */
export function updateLease(state: PaxosState, env: Env): void {
  const leader = state.leader;
  if (leader === null || env.options.reads !== 'lease') return;
  const needed = state.quorums.nodes - state.quorums.phase1 + 1;
  const rounds = state.members.map((m) => (m === state.self ? leader.round : (leader.ackedRound[m] ?? 0))).sort((a, b) => b - a);
  const confirmed = rounds[needed - 1] ?? 0;
  const sent = leader.roundSentAt.find(([round]) => round === confirmed);
  if (sent !== undefined) leader.leaseUntilUs = Math.max(leader.leaseUntilUs, sent[1] + leaseDurationUs(env));
}
