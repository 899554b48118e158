/**
 * Failover: who becomes primary when the primary goes silent, or when an operator says so.
 *
 * - manual: `command: promote` makes the target primary of a new epoch, whatever its log holds.
 * - automatic, first-to-notice (naive): the first replica whose silence threshold passes promotes
 *   itself. It may be the replica that lags most (the one cut off from the primary notices first),
 *   and everything the others hold beyond its log is then truncated away.
 * - automatic, most-up-to-date: the replica asks every node for its vote in epoch E; a node grants
 *   at most one vote per epoch (persisted), only when it no longer hears a primary, and only to a
 *   candidate whose (last epoch, last sequence number) is at least its own. A majority of grants
 *   makes the candidate primary: it is the most up-to-date of a majority, so a write confirmed by
 *   enough replicas to meet every majority survives. A voter enters the new epoch when it grants
 *   (it then refuses the old primary); a candidate enters it when it wins. A replica that still
 *   hears the primary refuses to vote, so one cut off from the primary alone cannot depose it by
 *   campaigning (the effect of Raft's pre-vote and leader stickiness).
 */
import type { NodeId } from '../../core/ids.js';
import { adoptEpoch, becomeReplica, jitteredTimeoutUs } from './fencing.js';
import { applyThrough, lastEpoch, persist } from './kv.js';
import { leaseGranted } from './lease.js';
import { majorityOf } from './quorum.js';
import { sendHeartbeats } from './replication.js';
import type { Ctx, Env, MsMsg, MsState } from './types.js';

/** Periodic check on replicas and candidates (automatic failover only). */
export function checkPrimaryAlive(state: MsState, ctx: Ctx, env: Env): void {
  if (env.options.failover !== 'automatic') return;
  const now = ctx.now();
  // Read lease: a node that acknowledged a primary's heartbeat campaigns only once its promise ran out.
  if (state.role !== 'primary' && leaseGranted(state, ctx)) return;
  switch (state.role) {
    case 'primary':
      return;
    case 'replica':
      if (now - state.lastHeardUs < state.suspectAfterUs) return;
      ctx.note('primary-silent', { primary: state.primary, silentUs: now - state.lastHeardUs, epoch: state.epoch });
      if (env.options.promotion === 'first-to-notice') becomePrimary(state, nextEpoch(state), ctx, env, 'first to notice the primary silent');
      else startElection(state, ctx, env);
      return;
    case 'candidate':
      if (now - state.electionStartUs >= state.suspectAfterUs) startElection(state, ctx, env);
      return;
  }
}

/**
 * When to look again: every heartbeat, or sooner when the silence threshold falls first, so that
 * detection is exact and two replicas with different thresholds do not fire in the same tick.
 */
export function nextCheckUs(state: MsState, ctx: Ctx, env: Env): number {
  const heartbeatUs = env.options.heartbeatUs;
  if (env.options.failover !== 'automatic' || state.role === 'primary') return heartbeatUs;
  const sinceUs = state.role === 'candidate' ? state.electionStartUs : state.lastHeardUs;
  const remainingUs = Math.max(sinceUs + state.suspectAfterUs, state.leaseGrantedUntilUs) - ctx.now();
  return Math.max(1, Math.min(heartbeatUs, remainingUs));
}

function nextEpoch(state: MsState): number {
  // Above every campaign we heard of: two candidates reusing each other's epochs would deny each
  // other forever (each already voted for itself in that epoch).
  return Math.max(state.epoch, state.votedEpoch, state.seenCampaignEpoch) + 1;
}

function startElection(state: MsState, ctx: Ctx, env: Env): void {
  const epoch = nextEpoch(state);
  state.role = 'candidate';
  state.primary = null;
  state.candidateEpoch = epoch;
  state.votedEpoch = epoch;
  state.votedFor = ctx.self;
  state.votes = [ctx.self];
  state.electionStartUs = ctx.now();
  state.suspectAfterUs = jitteredTimeoutUs(env, ctx);
  persist(state, ctx);
  ctx.note('campaign', { epoch, lastEpoch: lastEpoch(state), lastSeq: state.log.length });
  for (const peer of ctx.peers) ctx.send(peer, { type: 'vote-request', epoch, lastEpoch: lastEpoch(state), lastSeq: state.log.length });
  if (state.votes.length >= majorityOf(ctx)) becomePrimary(state, epoch, ctx, env, 'won the election');
}

export function onVoteRequest(state: MsState, from: NodeId, msg: Extract<MsMsg, { type: 'vote-request' }>, ctx: Ctx, env: Env): void {
  if (msg.epoch > state.seenCampaignEpoch) state.seenCampaignEpoch = msg.epoch;
  const deny = (): void => ctx.send(from, { type: 'vote', epoch: msg.epoch, granted: false, currentEpoch: state.epoch, primary: state.primary });
  if (msg.epoch <= state.epoch) return deny();
  // A live primary, or a replica that still hears one, sees no reason for a failover.
  if (state.role === 'primary') return deny();
  if (state.role === 'replica' && state.primary !== null && ctx.now() - state.lastHeardUs < env.options.failureTimeoutUs) return deny();
  if (msg.epoch < state.votedEpoch || (msg.epoch === state.votedEpoch && state.votedFor !== from)) return deny();
  // Read lease: the primary we acknowledged may still serve reads on our promise.
  if (leaseGranted(state, ctx)) return deny();
  const mine = lastEpoch(state);
  if (msg.lastEpoch < mine || (msg.lastEpoch === mine && msg.lastSeq < state.log.length)) return deny();
  state.votedEpoch = msg.epoch;
  state.votedFor = from;
  // Granting moves this node into the new epoch: from now on it confirms nothing for the old
  // primary (it answers `stale`), so no write can be acknowledged with a confirmation the
  // candidate's log does not cover. Only nodes that stopped hearing the primary get here.
  state.epoch = msg.epoch;
  becomeReplica(state, null, ctx, env, `voted for ${from} in epoch ${msg.epoch}`);
  persist(state, ctx);
  ctx.send(from, { type: 'vote', epoch: msg.epoch, granted: true, currentEpoch: state.epoch, primary: state.primary });
}

export function onVote(state: MsState, from: NodeId, msg: Extract<MsMsg, { type: 'vote' }>, ctx: Ctx, env: Env): void {
  const campaigning = state.role === 'candidate';
  if (campaigning && msg.granted && msg.epoch === state.candidateEpoch) {
    if (!state.votes.includes(from)) state.votes.push(from);
    if (state.votes.length >= majorityOf(ctx)) becomePrimary(state, state.candidateEpoch, ctx, env, `won the election with ${state.votes.join(', ')}`);
    return;
  }
  // A voter already in a newer epoch than ours (and than the one we campaign for): follow it.
  if (msg.currentEpoch > state.epoch && !(campaigning && msg.currentEpoch <= state.candidateEpoch)) {
    adoptEpoch(state, msg.currentEpoch, msg.primary, ctx, env);
  }
}

/** An operator's promotion (manual failover, or a forced one under automatic). */
export function onPromoteCommand(state: MsState, ctx: Ctx, env: Env): void {
  if (env.options.failover === 'none') throw new Error('master-slave with failover: none takes no promote command (use failover: manual)');
  if (state.role === 'primary') {
    ctx.note('promote-ignored', { epoch: state.epoch, why: 'already primary' });
    return;
  }
  becomePrimary(state, nextEpoch(state), ctx, env, 'promoted by command');
}

export function becomePrimary(state: MsState, epoch: number, ctx: Ctx, env: Env, reason: string): void {
  state.role = 'primary';
  state.epoch = epoch;
  state.primary = ctx.self;
  if (state.votedEpoch < epoch) {
    state.votedEpoch = epoch;
    state.votedFor = ctx.self;
  }
  state.votes = [];
  state.matchSeq = {};
  state.pending = [];
  state.degraded = false;
  state.verifiedSeq = 0;
  state.leaseAckedSentUs = {};
  applyThrough(state, state.log.length);
  persist(state, ctx);
  ctx.note('promoted', { epoch, lastSeq: state.log.length, lastEpoch: lastEpoch(state), reason, failover: env.options.failover });
  sendHeartbeats(state, ctx, env);
}
