/**
 * Live key-range moves, fenced by the shard map's epoch. A `move` command names a key and a
 * destination shard; the range of the ring token holding that key moves:
 *   1. the source marks the range as leaving (on disk) and stops serving it: new micro-ops on it
 *      are refused, so no read or write is served there any more;
 *   2. once no transaction holds a lock in the range, it sends the range's data with the next
 *      epoch's map to the destination, again until acknowledged;
 *   3. the destination installs the data and the map (on disk) and acknowledges: it serves the
 *      range from then on;
 *   4. the source adopts the new map, drops the data and tells everyone the new map.
 * At every moment at most one node serves a range (the single-owner invariant). Coordinators with
 * an older map are refused with the newer one and retry under it; no acknowledged write is lost.
 */
import type { AdminCommand } from '../../core/protocol.js';
import type { NodeId } from '../../core/ids.js';
import { adoptMap } from './participant.js';
import { adoptWhenConfirmed, isPrimary, sendDurable, waitsForBackup } from './pair.js';
import { inTokenRange, membersOf, mergeMaps, movedMap, nodeOfShard, shardOf, tokenOf } from './shard-map.js';
import { persist } from './store.js';
import type { Ctx, Env, Key, TxMsg, TxState } from './types.js';

type Msg<T extends TxMsg['type']> = Extract<TxMsg, { type: T }>;

export function onMoveCommand(state: TxState, command: AdminCommand, ctx: Ctx): void {
  const { key, to } = command.args as { key?: unknown; to?: unknown };
  if ((typeof key !== 'number' && typeof key !== 'string') || typeof to !== 'string') {
    throw new Error('move takes args { key: <a key>, to: <a shard such as s2> }');
  }
  onMove(state, ctx.self, { type: 'move', key, to }, ctx);
}

/** A move request (a command here, or forwarded): handled by the range's current owner. */
export function onMove(state: TxState, _from: NodeId, msg: Msg<'move'>, ctx: Ctx): void {
  if (!isPrimary(state)) {
    // A backup: its shard's primary runs moves.
    const primary = state.map.nodes[state.shard!];
    if (primary !== undefined && primary !== ctx.self) ctx.send(primary, msg);
    return;
  }
  const owner = shardOf(state.map, msg.key);
  if (state.map.nodes[msg.to] === undefined) {
    ctx.note('move-refused', { key: msg.key, to: msg.to, why: 'no such shard' });
    return;
  }
  if (owner !== state.shard) {
    const node = nodeOfShard(state.map, owner);
    if (node !== undefined && node !== ctx.self) ctx.send(node, msg);
    return;
  }
  if (state.moving !== null || owner === msg.to) {
    ctx.note('move-refused', { key: msg.key, to: msg.to, why: state.moving !== null ? 'a move is in progress' : 'already there' });
    return;
  }
  const token = tokenOf(state.map, msg.key as Key);
  state.moving = { token, to: msg.to, map: movedMap(state.map, token, msg.to), sinceUs: ctx.now(), sentUs: Number.MIN_SAFE_INTEGER };
  persist(state, ctx);
  ctx.note('move-start', { key: msg.key, token, to: msg.to, epoch: state.moving.map.epoch });
}

/** Source side, every tick: once the range is drained of locks, send it (again) until acknowledged. */
export function migrationTick(state: TxState, ctx: Ctx, env: Env): void {
  settleFinishedMove(state, ctx);
  const moving = state.moving;
  if (moving === null) return;
  const inRange = (text: string): boolean => inTokenRange(state.map, moving.token, text);
  for (const txn of state.txns.values()) {
    if (txn.readKeys.some(inRange) || txn.writeKeys.some(inRange) || txn.writes.some(([text]) => inRange(text))) return;
  }
  const now = ctx.now();
  if (now - moving.sentUs < env.options.decisionTimeout) return;
  moving.sentUs = now;
  const data: Record<string, unknown> = {};
  for (const text of Object.keys(state.data)) if (inRange(text)) data[text] = state.data[text];
  // The backup must know the range is leaving before the destination serves it. (Both nodes of a
  // primary-backup destination: its primary may have changed since the move began.)
  const msg: TxMsg = { type: 'migrate', token: moving.token, map: moving.map, data: Object.freeze(data) };
  for (const node of membersOf(state.map, moving.to)) sendDurable(state, node, msg, ctx);
}

/** Destination side: install the range's data under the new map (once), then acknowledge. */
export function onMigrate(state: TxState, from: NodeId, msg: Msg<'migrate'>, ctx: Ctx): void {
  const version = msg.map.versions[msg.token]!;
  if (waitsForBackup(state)) {
    // A primary-backup destination: the map that gives it the range must not spread (it is the
    // source's proof that the range is installed) before its backup holds the range's data. The
    // record carries the new map at once; this node adopts it, and acknowledges, once the backup
    // confirms the record.
    const pending = state.pendingMap ?? state.map;
    if (version > pending.versions[msg.token]!) {
      state.data = Object.freeze({ ...state.data, ...msg.data });
      state.pendingMap = mergeMaps(pending, msg.map);
      persist(state, ctx);
      adoptWhenConfirmed(state, state.pendingMap, ctx);
      ctx.note('move-installed', { epoch: state.pendingMap.epoch, keys: Object.keys(msg.data).length });
    }
    if (state.pendingMap !== null && state.pendingMap.versions[msg.token]! >= version) sendDurable(state, from, { type: 'migrate-ack', token: msg.token, version }, ctx);
    else if (state.map.versions[msg.token]! >= version) sendDurable(state, from, { type: 'migrate-ack', token: msg.token, version }, ctx);
    return;
  }
  if (version > state.map.versions[msg.token]!) {
    state.data = Object.freeze({ ...state.data, ...msg.data });
    adoptMap(state, msg.map, ctx);
    if (!isPrimary(state)) return; // the map says this node's backup took over: the range is not installed here
    persist(state, ctx);
    ctx.note('move-installed', { epoch: state.map.epoch, keys: Object.keys(msg.data).length });
    settleFinishedMove(state, ctx);
  }
  if (state.map.versions[msg.token]! >= version) sendDurable(state, from, { type: 'migrate-ack', token: msg.token, version }, ctx);
}

/** Source side: the destination has the range; hand it over for good. */
export function onMigrateAck(state: TxState, msg: Msg<'migrate-ack'>, ctx: Ctx): void {
  settleFinishedMove(state, ctx);
  const moving = state.moving;
  if (moving === null || msg.token !== moving.token || msg.version !== moving.map.versions[moving.token]) return;
  adoptMap(state, moving.map, ctx);
  finishMove(state, ctx);
}

/**
 * A move whose map this node already has (or a newer one for the range) is done, acknowledged or
 * not: a map with that version exists only once the destination installed the range. Its
 * acknowledgement may be late or lost — and the range may since have moved on, even back here
 * with newer data, which a late acknowledgement of the old move must not drop.
 */
function settleFinishedMove(state: TxState, ctx: Ctx): void {
  const moving = state.moving;
  if (moving !== null && state.map.versions[moving.token]! >= moving.map.versions[moving.token]!) finishMove(state, ctx);
}

/** The source hands the range over for good: drops its data unless the range is (back) here, tells everyone the map. */
function finishMove(state: TxState, ctx: Ctx): void {
  const moving = state.moving!;
  if (state.map.ring.tokens[moving.token]!.node !== state.shard) {
    const kept: Record<string, unknown> = {};
    for (const text of Object.keys(state.data)) if (!inTokenRange(state.map, moving.token, text)) kept[text] = state.data[text];
    state.data = Object.freeze(kept);
  }
  state.moving = null;
  persist(state, ctx);
  ctx.note('move-done', { epoch: state.map.epoch, to: moving.to });
  for (const peer of ctx.peers) sendDurable(state, peer, { type: 'map', map: state.map }, ctx);
}
