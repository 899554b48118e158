/**
 * Primary read lease (option `readLease`). Without it a primary cut off from its replicas keeps
 * answering reads from its own copy until it hears of a newer epoch — after a new primary may
 * have taken writes (a stale read).
 *
 * The promise, on both sides of a heartbeat:
 * - Every append the primary sends carries its send time on the primary's clock (leaseSentUs).
 * - A replica that acknowledges it echoes that time and promises, on its own clock, not to vote
 *   for anyone nor campaign (nor promote itself) until a full lease has passed since it received
 *   the append. The promise is volatile: a restarted node waits a full lease before voting
 *   instead, which covers any promise it made before the crash without a write per heartbeat.
 * - The primary holds the lease until (the send time a majority, itself included, acknowledged)
 *   + duration - driftMargin, on its own clock. Counting from the *send* time makes message delay
 *   shorten the lease, never lengthen it; the margin absorbs the clocks' disagreement (rate error
 *   over a lease, and jumps), which the algorithm cannot see.
 *
 * Why it suffices: a new primary needs a majority of votes, which meets the majority behind the
 * old primary's lease in some node. That node acknowledged before it voted (after voting it is in
 * the new epoch and answers the old primary `stale`), so it voted a full lease after receiving
 * the heartbeat; with a large enough margin the old primary's lease ended before then, hence
 * before the new primary existed or acknowledged any write.
 */
import type { NodeId } from '../../core/ids.js';
import { majorityOf } from './quorum.js';
import type { Ctx, Env, MsMsg, MsState } from './types.js';

type AppendMsg = Extract<MsMsg, { type: 'append' }>;

/** The lease stamp for an append the primary is about to send (nothing without a lease). */
export function leaseStamp(ctx: Ctx, env: Env): { leaseSentUs?: number } {
  return env.options.readLease === undefined ? {} : { leaseSentUs: ctx.now() };
}

/**
 * Replica side: this node is about to acknowledge `msg`; record the promise that goes with it and
 * return the echo for the ack.
 */
export function grantLease(state: MsState, msg: AppendMsg, ctx: Ctx, env: Env): { leaseSentUs?: number } {
  const lease = env.options.readLease;
  if (lease === undefined || msg.leaseSentUs === undefined) return {};
  const until = ctx.now() + lease.durationUs;
  if (until > state.leaseGrantedUntilUs) state.leaseGrantedUntilUs = until;
  return { leaseSentUs: msg.leaseSentUs };
}

/** After a restart: any promise made before the crash ends within one lease from now. */
export function leaseAfterRestartUs(ctx: Ctx, env: Env): number {
  const lease = env.options.readLease;
  return lease === undefined ? 0 : ctx.now() + lease.durationUs;
}

/** Whether this node's promise still forbids it to vote, campaign or promote itself. */
export function leaseGranted(state: MsState, ctx: Ctx): boolean {
  return ctx.now() < state.leaseGrantedUntilUs;
}

/** Primary side: a replica acknowledged an append of this epoch sent at `sentUs`. */
export function onLeaseAck(state: MsState, from: NodeId, sentUs: number | undefined): void {
  if (sentUs === undefined) return;
  // Acks may arrive reordered or duplicated: only the latest send time counts.
  if (sentUs > (state.leaseAckedSentUs[from] ?? Number.NEGATIVE_INFINITY)) state.leaseAckedSentUs[from] = sentUs;
}

/**
 * Until when (own clock) the primary may serve reads: -Infinity when no majority has acknowledged
 * an append of this epoch yet. The primary counts as one of the majority: it votes for no one
 * while primary, and once it steps down it serves no reads.
 */
export function leaseUntilUs(state: MsState, ctx: Ctx, env: Env): number {
  const lease = env.options.readLease;
  if (lease === undefined) return Number.POSITIVE_INFINITY;
  const needed = majorityOf(ctx) - 1;
  if (needed <= 0) return Number.POSITIVE_INFINITY;
  const sent = ctx.peers.map((p) => state.leaseAckedSentUs[p]).filter((t): t is number => t !== undefined);
  if (sent.length < needed) return Number.NEGATIVE_INFINITY;
  sent.sort((a, b) => b - a);
  return sent[needed - 1]! + lease.durationUs - lease.driftMarginUs;
}

/** Whether the primary may answer a read from its own copy now. */
export function holdsReadLease(state: MsState, ctx: Ctx, env: Env): boolean {
  return state.role === 'primary' && ctx.now() < leaseUntilUs(state, ctx, env);
}
