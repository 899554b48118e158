/**
 * The participant side: executing micro-ops under strict two-phase locking, voting, and applying
 * decisions. A yes vote is sent only after the PREPARED record (writes, locks, peers) is on disk,
 * so a participant that crashes after voting comes back still bound by its vote.
 */
import type { NodeId } from '../../core/ids.js';
import { acquire, releaseAll, releaseRead, restoreLocks } from './locks.js';
import { isPrimary, sendDurable, stepDown, termNow } from './pair.js';
import { inTokenRange, membersOf, mergeMaps, shardOf } from './shard-map.js';
import { applyWrites, persist, readValue, recordInDoubt, rememberOutcome } from './store.js';
import { TIMER_FLUSH, keyText, type Ctx, type Decision, type Env, type Key, type Mop, type PartTxn, type PreparedRecord, type ShardMap, type TxMsg, type TxState, type TxnId } from './types.js';

type Msg<T extends TxMsg['type']> = Extract<TxMsg, { type: T }>;

export function newPartTxn(id: TxnId, coord: NodeId, priority: PartTxn['priority'], nowUs: number): PartTxn {
  return { id, coord, priority, status: 'active', writes: [], readKeys: [], writeKeys: [], lastUs: nowUs, askedUs: nowUs, doubtSinceUs: nowUs, lastSeq: -1, lastResults: null, rounds: 0, record: null, pending: null, round: null };
}

/** Merges a shard map from a message into this node's (token by token, the newer wins). */
export function adoptMap(state: TxState, map: ShardMap, ctx: Ctx): boolean {
  const merged = mergeMaps(state.map, map);
  if (merged === state.map) return false;
  const wasPrimary = state.repl !== null && isPrimary(state);
  state.map = merged;
  ctx.note('shard-map', { epoch: merged.epoch });
  if (wasPrimary && !isPrimary(state)) stepDown(state, ctx); // a newer term: this node's backup took over
  return true;
}

/** Why this shard may not serve the key now, or undefined when it may. */
export function notServed(state: TxState, key: Key): string | undefined {
  if (!isPrimary(state)) return `${state.self} is not ${state.shard ?? 'a shard'}'s primary (term ${termNow(state)})`;
  const owner = shardOf(state.map, key);
  if (owner !== state.shard) return `key ${keyText(key)} is on ${owner} (shard map epoch ${state.map.epoch}), not ${state.shard ?? 'this node'}`;
  if (state.moving !== null && inTokenRange(state.map, state.moving.token, keyText(key))) return `key ${keyText(key)} is moving to ${state.moving.to}`;
  return undefined;
}

export function onExec(state: TxState, from: NodeId, msg: Msg<'exec'>, ctx: Ctx, env: Env): void {
  adoptMap(state, msg.map, ctx);
  const decided = state.outcomeIndex.get(msg.txn);
  if (decided !== undefined) {
    ctx.send(from, { type: 'exec-fail', txn: msg.txn, seq: msg.seq, reason: `${state.shard} already ${decided === 'commit' ? 'committed' : 'aborted'} it` });
    return;
  }
  const known = state.txns.get(msg.txn);
  const why = msg.mops.map(([, key]) => notServed(state, key)).find((w) => w !== undefined);
  if (why !== undefined) {
    // Not ours (any more): refuse with our map. A transaction that ran nothing here leaves no
    // trace, so the coordinator may send these micro-ops where the map now puts them.
    if (known !== undefined && known.status === 'active') abortActive(state, known, ctx, env);
    ctx.send(from, { type: 'exec-fail', txn: msg.txn, seq: msg.seq, reason: why, map: state.map });
    return;
  }
  let txn = known;
  if (txn === undefined) {
    txn = newPartTxn(msg.txn, msg.coord, msg.priority, ctx.now());
    if (msg.coordTerm !== undefined) txn.coordTerm = msg.coordTerm;
    state.txns.set(txn.id, txn);
  }
  if (txn.status === 'active' && msg.seq === txn.lastSeq && txn.lastResults !== null) {
    ctx.send(from, { type: 'exec-ok', txn: txn.id, seq: msg.seq, results: txn.lastResults }); // a retransmission: the answer was lost
    return;
  }
  if (txn.status !== 'active' || msg.seq <= txn.lastSeq || txn.pending !== null) return; // a duplicate or late message
  if (msg.prior !== txn.rounds) {
    // Earlier micro-ops of this transaction ran here and are gone (this node restarted): refuse.
    abortActive(state, txn, ctx, env);
    ctx.send(from, { type: 'exec-fail', txn: msg.txn, seq: msg.seq, reason: `${state.shard} lost the transaction's earlier micro-ops (restarted)` });
    return;
  }
  txn.lastUs = ctx.now();
  txn.lastSeq = msg.seq;
  txn.lastResults = null;
  txn.pending = { seq: msg.seq, mops: msg.mops, results: [], next: 0 };
  continueExec(state, txn, ctx, env);
}

/** Runs the waiting exec's micro-ops as far as the locks allow; answers the coordinator when done. */
function continueExec(state: TxState, txn: PartTxn, ctx: Ctx, env: Env): void {
  const pending = txn.pending;
  if (pending === null) return;
  const policy = env.options;
  const shortReads = env.options.isolation === 'read-committed' || env.flaws.earlyReadUnlock;
  while (pending.next < pending.mops.length) {
    const [f, key, value] = pending.mops[pending.next]!;
    const text = keyText(key);
    // An execution that waited for a lock may resume after its key's range left this shard (a
    // live move ships a range once no transaction *holds* a lock in it, not once none waits):
    // ownership is checked again before each micro-op, or this shard would write a range it no
    // longer owns and the write would be lost.
    const why = notServed(state, key);
    if (why !== undefined) {
      abortActive(state, txn, ctx, env);
      ctx.send(txn.coord, { type: 'exec-fail', txn: txn.id, seq: pending.seq, reason: why, map: state.map });
      return;
    }
    const result = acquire(state, txn, text, f === 'r' ? 'read' : 'write', policy);
    if (result === 'wait') return;
    if (result === 'die') {
      const reason = policy.locking === 'no-wait' ? `lock conflict on key ${text} (no-wait)` : `lock conflict on key ${text}: a younger transaction dies (wait-die)`;
      abortActive(state, txn, ctx, env);
      ctx.send(txn.coord, { type: 'exec-fail', txn: txn.id, seq: pending.seq, reason });
      return;
    }
    if (f === 'r') {
      pending.results.push(readValue(state, txn, text, env));
      // Read committed: the read lock ends with the read (unless this txn writes the key).
      if (shortReads && !txn.writeKeys.includes(text)) wakeAll(state, releaseRead(state, txn, text), ctx, env);
    } else {
      txn.writes.push([text, f, key, value]);
      pending.results.push(value);
    }
    pending.next++;
  }
  txn.pending = null;
  txn.lastUs = ctx.now();
  txn.lastResults = pending.results;
  txn.rounds++;
  ctx.send(txn.coord, { type: 'exec-ok', txn: txn.id, seq: pending.seq, results: pending.results });
}

/** Lets the transactions waiting on released keys try again, in order. */
export function wakeAll(state: TxState, ids: readonly TxnId[], ctx: Ctx, env: Env): void {
  for (const id of new Set(ids)) {
    const txn = state.txns.get(id);
    if (txn !== undefined && txn.pending !== null) continueExec(state, txn, ctx, env);
  }
}

/** Aborts a transaction that has not voted (a lock conflict, a wrong shard, idleness): nothing is on disk. */
export function abortActive(state: TxState, txn: PartTxn, ctx: Ctx, env: Env): void {
  state.txns.delete(txn.id);
  txn.pending = null;
  rememberOutcome(state, txn.id, 'abort', false);
  wakeAll(state, releaseAll(state, txn), ctx, env);
}

export function onPrepare(state: TxState, from: NodeId, msg: Msg<'prepare'>, ctx: Ctx, env: Env): void {
  const txn = state.txns.get(msg.txn);
  if (txn === undefined || (txn.status === 'active' && txn.pending !== null)) {
    // Never executed here, already aborted, or still waiting for a lock: no.
    if (txn !== undefined) abortActive(state, txn, ctx, env);
    ctx.send(from, { type: 'vote', txn: msg.txn, yes: false, reason: `${state.shard} has no live execution of it` });
    return;
  }
  if (txn.status !== 'active') {
    sendDurable(state, from, { type: 'vote', txn: msg.txn, yes: true }, ctx); // a duplicate prepare: the vote stands
    return;
  }
  if (msg.executor !== ctx.self || msg.rounds !== txn.rounds) {
    // The coordinator's results came from another execution: the other node of this pair (a retry
    // reached both while the primary changed) or a part of this one this node never ran. Preparing
    // this one would commit writes and reads the client was never told of, and lose the others.
    abortActive(state, txn, ctx, env);
    const why = msg.executor !== ctx.self ? `it ran at ${msg.executor}, not ${ctx.self}` : `${msg.rounds} exec rounds ran, ${txn.rounds} here`;
    ctx.send(from, { type: 'vote', txn: msg.txn, yes: false, reason: `${state.shard} does not hold the coordinator's execution (${why})` });
    return;
  }
  const now = ctx.now();
  const record: PreparedRecord = Object.freeze({
    id: txn.id,
    coord: txn.coord,
    priority: txn.priority,
    status: 'prepared',
    writes: Object.freeze([...txn.writes]),
    readKeys: Object.freeze([...txn.readKeys]),
    writeKeys: Object.freeze([...txn.writeKeys]),
    participants: Object.freeze([...msg.participants]),
    preparedAtUs: now,
    ...(txn.coordTerm === undefined ? {} : { coordTerm: txn.coordTerm }),
  }) as PreparedRecord;
  txn.status = 'prepared';
  txn.record = record;
  txn.lastUs = now;
  txn.askedUs = now;
  txn.doubtSinceUs = now;
  state.blocking.prepared++;
  if (env.flaws.voteBeforeLog) lazyWrite(state, 'prepared', txn.id, ctx, env);
  persist(state, ctx); // forced before the vote leaves (the kernel applies persist before sends), and on the backup before it leaves
  sendDurable(state, from, { type: 'vote', txn: txn.id, yes: true }, ctx);
}

/** The flawed lazy write: this record (a PREPARED one, or a commit decision) reaches the disk at the next flush, not now. */
export function lazyWrite(state: TxState, which: 'prepared' | 'decisions', id: TxnId, ctx: Ctx, env: Env): void {
  if (state.unflushed.prepared.size + state.unflushed.decisions.size === 0) ctx.setTimer(TIMER_FLUSH, env.options.flushInterval);
  state.unflushed[which].add(id);
}

export function onPrecommit(state: TxState, from: NodeId, msg: Msg<'precommit'>, ctx: Ctx): void {
  const txn = state.txns.get(msg.txn);
  if (txn === undefined || txn.record === null) {
    const known = state.outcomeIndex.get(msg.txn);
    ctx.send(from, { type: 'state', txn: msg.txn, state: known === 'commit' ? 'committed' : known === 'abort' ? 'aborted' : 'unknown', fromCoordinator: false });
    return;
  }
  if (txn.status === 'prepared') {
    txn.status = 'precommitted';
    txn.record = Object.freeze({ ...txn.record, status: 'precommitted' }) as PreparedRecord;
    persist(state, ctx);
  }
  txn.lastUs = ctx.now();
  sendDurable(state, from, { type: 'precommit-ack', txn: msg.txn }, ctx);
}

/**
 * A decision from the coordinator or a termination round. Commits are acknowledged. An abort of a
 * transaction not seen here yet is remembered: its execution may still be on the way (overtaken by
 * the abort), and must be refused, not run to hold locks for a transaction that is over.
 */
export function onDecide(state: TxState, from: NodeId, msg: Msg<'decide'>, ctx: Ctx, env: Env): void {
  const txn = state.txns.get(msg.txn);
  if (txn !== undefined) finish(state, txn, msg.decision, ctx, env);
  else if (msg.decision === 'abort') rememberOutcome(state, msg.txn, 'abort', false);
  else if (!state.outcomeIndex.has(msg.txn)) ctx.note('commit-unknown', { txn: msg.txn, from });
  if (msg.decision === 'commit') sendDurable(state, from, { type: 'decide-ack', txn: msg.txn }, ctx);
}

/** The coordinator no longer runs the transaction: an execution here that has not voted ends. */
export function onAbandon(state: TxState, msg: Msg<'abandon'>, ctx: Ctx, env: Env): void {
  const txn = state.txns.get(msg.txn);
  if (txn !== undefined && txn.status === 'active') abortActive(state, txn, ctx, env);
}

/** Applies (commit) or drops (abort) the transaction's writes, releases its locks, remembers the outcome. */
export function finish(state: TxState, txn: PartTxn, decision: Decision, ctx: Ctx, env: Env): void {
  if (txn.status === 'active' && decision === 'abort') {
    abortActive(state, txn, ctx, env);
    return;
  }
  if (txn.status === 'active') {
    // A commit for a transaction that never voted here: only a broken protocol sends it.
    ctx.note('commit-without-vote', { txn: txn.id });
    return;
  }
  state.txns.delete(txn.id);
  if (decision === 'commit') applyWrites(state, txn.writes);
  rememberOutcome(state, txn.id, decision, true);
  if (txn.record !== null) recordInDoubt(state.blocking, ctx.now() - txn.doubtSinceUs, env.options.blockingBound);
  persist(state, ctx);
  wakeAll(state, releaseAll(state, txn), ctx, env);
}

/** Rebuilds the prepared transactions (and their locks) from their records after a restart. */
export function restorePrepared(state: TxState, records: Readonly<Record<TxnId, PreparedRecord>>, nowUs: number, env: Env): void {
  for (const id of Object.keys(records)) {
    const record = records[id]!;
    const txn: PartTxn = { ...newPartTxn(id, record.coord, record.priority, nowUs), status: record.status, writes: [...record.writes], record };
    if (record.coordTerm !== undefined) txn.coordTerm = record.coordTerm;
    state.txns.set(id, txn);
    const reads = env.options.isolation === 'serializable' && !env.flaws.earlyReadUnlock ? record.readKeys : [];
    restoreLocks(state, txn, reads, record.writeKeys);
  }
}

/** The nodes of the other participants of a prepared transaction (under this node's map; both nodes of a primary-backup shard). */
export function peersOf(state: TxState, record: PreparedRecord): NodeId[] {
  return record.participants.filter((s) => s !== state.shard).flatMap((s) => membersOf(state.map, s));
}

export function stateOf(state: TxState, id: TxnId): 'committed' | 'aborted' | 'prepared' | 'precommitted' | 'unknown' | 'active' {
  const txn = state.txns.get(id);
  if (txn !== undefined) return txn.status;
  const known = state.outcomeIndex.get(id);
  return known === 'commit' ? 'committed' : known === 'abort' ? 'aborted' : 'unknown';
}

export type { Mop };
