/**
 * A primary-backup shard, the backup's side and the failover (replication: primary-backup).
 *
 * The backup keeps the primary's latest durable record on its own disk and confirms it. When the
 * primary has been silent for failoverTimeout, a backup that holds a record of the current term
 * naming it as the backup takes over: it bumps the shard's term in the shard map, rebuilds the
 * shard from the record exactly as a restart would (data, PREPARED transactions with their locks,
 * the commit log it must finish as coordinator), and runs alone. The term fences the old primary:
 * its records are refused from then on, so it can no longer vote yes or commit (both wait for the
 * backup), and the map it is told makes it step down. A deposed or restarted node that is not in
 * sync asks the primary to take it back; the primary persists it as its backup (from then on
 * everything waits for it again) and ships it the whole record. A pair needs no third party:
 * only a backup in sync takes over, and a primary alone has no such backup — so a backup's own
 * crash stalls its shard's commits until it returns (synchronous replication's price), while a
 * primary's crash costs one failoverTimeout.
 */
import type { NodeId } from '../../core/ids.js';
import { recoverDecisions } from './coordinator.js';
import { adoptMap, restorePrepared } from './participant.js';
import { isPrimary, termNow } from './pair.js';
import { mergeMaps, promotedMap } from './shard-map.js';
import { emptyBlocking, emptyOutcomes, indexOutcomes, persist } from './store.js';
import type { Ctx, Env, ShardMap, TxDurable, TxMsg, TxState } from './types.js';

type Msg<T extends TxMsg['type']> = Extract<TxMsg, { type: T }>;

/** Rebuilds the shard from a durable record: after a restart, or when a backup takes over. */
export function loadRecord(state: TxState, durable: TxDurable, nowUs: number, env: Env): void {
  state.map = durable.map;
  state.data = durable.data;
  state.outcomes = { chunks: durable.outcomes.chunks, tail: { ...durable.outcomes.tail } };
  state.outcomeIndex.clear();
  indexOutcomes(state.outcomes, state.outcomeIndex);
  state.blocking = { ...durable.blocking, buckets: [...durable.blocking.buckets] };
  state.moving = durable.moving === null ? null : { ...durable.moving };
  state.decisions = { ...durable.decisions };
  restorePrepared(state, durable.prepared, nowUs, env);
  recoverDecisions(state, nowUs);
}

/** The record a shard starts from: nothing yet, term 1. */
export function emptyRecord(map: ShardMap, backup: NodeId | null): TxDurable {
  return { data: Object.freeze({}), prepared: {}, decisions: {}, outcomes: emptyOutcomes(), map, moving: null, blocking: emptyBlocking(), repl: { term: 1, seq: 0, backup } };
}

/** A record (or heartbeat) from a node that takes itself for this shard's primary. */
export function onReplicate(state: TxState, from: NodeId, msg: Msg<'replicate'>, ctx: Ctx): void {
  adoptMap(state, msg.map, ctx); // a deposed primary learns here that it is deposed
  const repl = state.repl;
  const shard = state.shard;
  if (repl === null || shard === undefined) return;
  if (msg.term < termNow(state) || state.map.nodes[shard] !== from) {
    ctx.send(from, { type: 'map', map: state.map }); // fenced: an older term
    return;
  }
  repl.lastHeardUs = ctx.now();
  const have = repl.replica?.repl;
  if (msg.record !== null && (have === undefined || have.term < msg.term || (have.term === msg.term && have.seq < msg.seq))) {
    repl.replica = msg.record;
    ctx.persist(msg.record); // on disk before the confirmation leaves
  }
  const now = repl.replica?.repl;
  ctx.send(from, { type: 'replicate-ack', term: msg.term, seq: now !== undefined && now.term === msg.term ? now.seq : 0 });
}

/** A node of this shard not in sync asks to be taken back as backup. */
export function onJoin(state: TxState, from: NodeId, ctx: Ctx): void {
  const repl = state.repl;
  if (repl === null || !isPrimary(state) || from !== repl.peer) return;
  if (state.backup === from) {
    if (repl.last !== null) ctx.send(from, { type: 'replicate', term: termNow(state), seq: repl.seq, map: state.map, record: repl.last });
    return;
  }
  state.backup = from;
  ctx.note('backup-joined', { shard: state.shard, backup: from, term: termNow(state) });
  persist(state, ctx); // names the backup on disk and ships it the whole record: from now on everything waits for it
}

/** Every tick: the primary's heartbeat (with the record while unconfirmed); the backup's failure detector, or its request to re-join. */
export function replicationTick(state: TxState, ctx: Ctx, env: Env): void {
  const repl = state.repl;
  const shard = state.shard;
  if (repl === null || shard === undefined || repl.peer === undefined) return;
  const now = ctx.now();
  if (isPrimary(state)) {
    if (state.backup !== null) ctx.send(state.backup, { type: 'replicate', term: termNow(state), seq: repl.seq, map: state.map, record: repl.ackedSeq < repl.seq ? repl.last : null });
    return;
  }
  const record = repl.replica?.repl;
  const inSync = record !== undefined && record.backup === state.self && record.term === termNow(state);
  if (inSync) {
    if (now - repl.lastHeardUs >= env.options.failoverTimeout) takeOver(state, ctx, env);
    return;
  }
  if (now - repl.joinSentUs < env.options.decisionTimeout) return;
  repl.joinSentUs = now;
  ctx.send(state.map.nodes[shard]!, { type: 'join', term: termNow(state) });
}

/** The backup becomes the primary of the next term, from the record it holds, and runs alone. */
function takeOver(state: TxState, ctx: Ctx, env: Env): void {
  const repl = state.repl!;
  const shard = state.shard!;
  const record = repl.replica!;
  const now = ctx.now();
  // The backup holds the record, so a range the primary installed (its pending map) is safe to serve.
  const map = mergeMaps(state.map, record.map);
  loadRecord(state, { ...record, map: record.pendingMap === undefined ? map : mergeMaps(map, record.pendingMap) }, now, env);
  state.map = promotedMap(state.map, shard, state.self);
  state.backup = null;
  state.pendingMap = null;
  repl.replica = null;
  repl.held = [];
  repl.seq = 0;
  repl.ackedSeq = 0;
  ctx.note('failover', { shard, term: termNow(state), silentUs: now - repl.lastHeardUs, inDoubt: Object.keys(record.prepared).length });
  persist(state, ctx);
  for (const peer of ctx.peers) ctx.send(peer, { type: 'map', map: state.map });
}
