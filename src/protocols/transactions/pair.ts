/**
 * A primary-backup shard, the primary's side of synchronous replication (replication:
 * primary-backup). `persist` ships every durable record to the backup (store.ts); the effects that
 * reveal a record — a yes vote (its PREPARED record), a commit sent or acknowledged to a client (the
 * decision), an acknowledgement of a commit applied, a range handed over — go out only once the
 * backup confirms it holds that record, so whatever the backup takes over from is at least what
 * anyone was told. The waiting effects are master-slave's pending writes in another form: the same
 * confirmation bookkeeping (common/confirmations.ts).
 *
 * Without replication every helper here does its effect at once, as the store always did.
 */
import type { NodeId } from '../../core/ids.js';
import type { OpResult } from '../../core/ops.js';
import { releaseConfirmed } from '../common/confirmations.js';
import { emptyBlocking, emptyOutcomes, logDecision } from './store.js';
import { mergeMaps } from './shard-map.js';
import type { Ctx, Held, ShardMap, TxMsg, TxState, TxnId } from './types.js';

/** Whether this node serves its shard now: always without replication; with it, while it is the primary of the newest term it knows. */
export function isPrimary(state: TxState): boolean {
  return state.repl === null || (state.shard !== undefined && state.map.nodes[state.shard] === state.self);
}

/** Whether effects must wait for the backup: a primary with a backup that has not confirmed its latest record. */
function mustHold(state: TxState): boolean {
  return waitsForBackup(state) && state.repl!.ackedSeq < state.repl!.seq;
}

/** Whether this node's effects wait for a backup at all (a primary with a backup, replicating synchronously). */
export function waitsForBackup(state: TxState): boolean {
  // The flaw: replication is asynchronous, the record reaches the backup at the next tick.
  return state.repl !== null && state.backup !== null && !state.repl.lazy;
}

/** Adopts a map this node persisted (a range it installed) once the backup confirms the record. */
export function adoptWhenConfirmed(state: TxState, map: ShardMap, ctx: Ctx): void {
  if (waitsForBackup(state)) hold(state, { seq: state.repl!.seq, kind: 'map', map });
  else adoptPending(state, map, ctx);
}

function adoptPending(state: TxState, map: ShardMap, ctx: Ctx): void {
  const merged = mergeMaps(state.map, map);
  if (state.pendingMap === map) state.pendingMap = null;
  if (merged === state.map) return;
  state.map = merged;
  ctx.note('shard-map', { epoch: merged.epoch });
}

function hold(state: TxState, item: Held): void {
  state.repl!.held.push(item);
}

/** Sends `msg` once the backup holds everything persisted so far. */
export function sendDurable(state: TxState, to: NodeId, msg: TxMsg, ctx: Ctx): void {
  if (mustHold(state)) hold(state, { seq: state.repl!.seq, kind: 'send', to, msg });
  else ctx.send(to, msg);
}

/** Replies to a client once the backup holds everything persisted so far. */
export function replyDurable(state: TxState, requestId: string, result: OpResult, ctx: Ctx): void {
  if (mustHold(state)) hold(state, { seq: state.repl!.seq, kind: 'reply', requestId, result });
  else ctx.reply(requestId, result);
}

/** Tells the atomicity invariant of a coordinator's commit once it is durable (a deposed primary's unconfirmed commit never happened). */
export function coordinatorCommitted(state: TxState, txn: TxnId): void {
  if (mustHold(state)) hold(state, { seq: state.repl!.seq, kind: 'decided', txn });
  else logDecision(state, txn, 'commit', 'coordinator');
}

/** The backup confirmed a record: the effects that waited for it go out, in order. */
export function onReplicateAck(state: TxState, from: NodeId, msg: Extract<TxMsg, { type: 'replicate-ack' }>, ctx: Ctx): void {
  const repl = state.repl;
  if (repl === null || !isPrimary(state) || from !== state.backup || msg.term !== termNow(state) || msg.seq <= repl.ackedSeq) return;
  repl.ackedSeq = Math.min(msg.seq, repl.seq);
  releaseConfirmed(repl.held, repl.ackedSeq, (item) => {
    switch (item.kind) {
      case 'send':
        return ctx.send(item.to, item.msg);
      case 'reply':
        return ctx.reply(item.requestId, item.result);
      case 'decided':
        return logDecision(state, item.txn, 'commit', 'coordinator');
      case 'map':
        return adoptPending(state, item.map, ctx);
    }
  });
}

/** This node's term for its shard. */
export function termNow(state: TxState): number {
  return state.shard === undefined ? 0 : (state.map.terms?.[state.shard] ?? 1);
}

/**
 * A primary learned of a newer term (its backup took over): it serves nothing from now on. What it
 * held back never happened — except a commit whose record the backup may hold with its
 * confirmation lost: that client is told `info`. Transactions it was running are aborted (nothing
 * it decides can be confirmed any more); its data and locks go, to be replaced by the new
 * primary's record when it takes this node back.
 */
export function stepDown(state: TxState, ctx: Ctx): void {
  const repl = state.repl!;
  ctx.note('step-down', { shard: state.shard, term: termNow(state), primary: state.shard === undefined ? null : (state.map.nodes[state.shard] ?? null), held: repl.held.length });
  for (const item of repl.held) {
    if (item.kind === 'reply') ctx.reply(item.requestId, item.result.type === 'ok' ? { type: 'info', error: `${ctx.self} was deposed as ${state.shard}'s primary before its backup confirmed the commit` } : item.result);
  }
  for (const txn of state.coord.values()) {
    if (txn.requestId !== null) ctx.reply(txn.requestId, { type: 'fail', error: `aborted: ${ctx.self} was deposed as ${state.shard}'s primary` });
  }
  repl.held = [];
  repl.last = null;
  repl.replica = null;
  repl.seq = 0;
  repl.ackedSeq = 0;
  repl.lastHeardUs = ctx.now();
  repl.joinSentUs = Number.MIN_SAFE_INTEGER;
  state.backup = null;
  state.coord.clear();
  state.txns.clear();
  state.locks.clear();
  state.decisions = {};
  state.outcomes = emptyOutcomes();
  state.outcomeIndex.clear();
  state.blocking = emptyBlocking();
  state.data = Object.freeze({});
  state.moving = null;
  state.pendingMap = null;
  state.unflushed.prepared.clear();
  state.unflushed.decisions.clear();
}

/** A backup's refusal of a message meant for its shard's primary: the map that names the primary. */
export function refuseAsBackup(state: TxState, from: NodeId, msg: TxMsg, ctx: Ctx): void {
  if (msg.type === 'exec') {
    // Only a coordinator that takes this node for the primary is told (a retry sent to the whole pair is not).
    if (state.shard !== undefined && msg.map.nodes[state.shard] === ctx.self) {
      ctx.send(from, { type: 'exec-fail', txn: msg.txn, seq: msg.seq, reason: `${ctx.self} is not ${state.shard}'s primary (term ${termNow(state)})`, map: state.map });
    }
    return;
  }
  ctx.send(from, { type: 'map', map: state.map });
}
