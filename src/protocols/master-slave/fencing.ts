/**
 * Epoch fencing. A node that learns of a newer epoch adopts it; a primary that does steps down at
 * once and accepts no further write. Until it learns (a partition can delay that forever), an
 * old primary believes it is the primary: that split-brain window is real and scenarios show it.
 */
import type { NodeId } from '../../core/ids.js';
import type { ClientRequest } from '../../core/ops.js';
import { answer } from './client-epochs.js';
import { applyThrough, persist } from './kv.js';
import type { Ctx, Env, MsState } from './types.js';

/** A fresh jittered silence threshold: in [failureTimeout, 2 × failureTimeout). */
export function jitteredTimeoutUs(env: Env, ctx: Ctx): number {
  return env.options.failureTimeoutUs + Math.floor(ctx.random() * env.options.failureTimeoutUs);
}

/**
 * Adopts `epoch` (with its primary, when known) if it is newer than ours; a primary or candidate
 * becomes a replica. Persists. Returns whether the epoch changed.
 */
export function adoptEpoch(state: MsState, epoch: number, primary: NodeId | null, ctx: Ctx, env: Env): boolean {
  if (epoch <= state.epoch) return false;
  const before = state.epoch;
  state.epoch = epoch;
  becomeReplica(state, primary, ctx, env, `learned epoch ${epoch} (was ${before})`);
  persist(state, ctx);
  return true;
}

/**
 * Turns this node into a replica of `primary`. A deposed primary answers its unconfirmed writes
 * `info`: they are in its log, and whether they survive depends on the new primary's log.
 */
export function becomeReplica(state: MsState, primary: NodeId | null, ctx: Ctx, env: Env, reason: string): void {
  if (state.role === 'primary') {
    for (const pending of state.pending) {
      answer(state, ctx, env, pending.requestId, { type: 'info', error: `primary ${ctx.self} stepped down (${reason}) before the write was confirmed` });
    }
    ctx.note('step-down', { epoch: state.epoch, lastSeq: state.log.length, unconfirmed: state.pending.length, reason });
    state.pending = [];
    state.degraded = false;
    state.matchSeq = {};
    state.leaseAckedSentUs = {};
  }
  state.role = 'replica';
  state.primary = primary;
  state.votes = [];
  state.verifiedSeq = 0;
  state.lastHeardUs = ctx.now();
  state.suspectAfterUs = jitteredTimeoutUs(env, ctx);
  // A replica applies everything it holds; reconciliation with the new primary may roll some back.
  applyThrough(state, state.log.length);
}

/** A node's position in the membership: breaks ties between two primaries of one epoch. */
export function rankOf(ctx: Ctx, node: NodeId): number {
  const index = ctx.members.indexOf(node);
  return index < 0 ? Number.MAX_SAFE_INTEGER : index;
}

/**
 * Whether the client has seen a newer epoch than this node's: then the node adopts it (a primary
 * steps down), answers a redirect, and the request goes no further.
 */
export function fencedByClient(state: MsState, req: ClientRequest, ctx: Ctx, env: Env): boolean {
  if (!env.options.clientEpochs || req.epoch === undefined || req.epoch <= state.epoch) return false;
  const before = state.epoch;
  ctx.note('client-epoch', { epoch: before, clientEpoch: req.epoch, client: req.client, role: state.role });
  adoptEpoch(state, req.epoch, null, ctx, env);
  answer(state, ctx, env, req.id, { type: 'redirect', error: `${ctx.self} was at epoch ${before}; client ${req.client} has seen epoch ${req.epoch}` });
  return true;
}
