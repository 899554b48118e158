/**
 * Asynchronous all-to-all replication with retransmission: each node numbers its own updates,
 * pushes each to every peer at once, and resends from the peer's last acknowledgement every
 * interval until acknowledged, so updates made during a partition flow once it heals. A receiver
 * applies an origin's updates in seq order only (a gap waits for the resend), so its ack is
 * cumulative. Applying is a CRDT-style merge, idempotent, so duplicates are harmless.
 */
import type { NodeId } from '../../core/ids.js';
import type { NodeContext } from '../../core/protocol.js';
import { mergeOptional } from '../crdt/object.js';
import type { MultiLeaderOptions } from './options.js';
import type { LogEntry, MultiLeaderDurable, MultiLeaderMsg, MultiLeaderState } from './types.js';

export type Ctx = NodeContext<MultiLeaderMsg, MultiLeaderDurable>;

export const REPLICATE_TIMER = 'replicate';

export function persist(state: MultiLeaderState, ctx: Ctx): void {
  ctx.persist({ store: state.store, minter: state.minter, log: state.log, nextSeq: state.nextSeq, acked: state.acked, applied: state.applied });
}

/** Records a local update (already merged into the store) and sends it to every peer. */
export function logLocalUpdate(state: MultiLeaderState, entry: LogEntry, ctx: Ctx): void {
  state.log.push(entry);
  for (const peer of state.peers) ctx.send(peer, { type: 'replicate', entries: [entry] });
}

export function onReplicateTimer(state: MultiLeaderState, ctx: Ctx, options: MultiLeaderOptions): void {
  ctx.setTimer(REPLICATE_TIMER, options.replicateIntervalUs);
  for (const peer of state.peers) {
    const from = state.acked[peer] ?? 0;
    if (from >= state.nextSeq - 1) continue;
    const entries = state.log.filter((e) => e.seq > from).slice(0, options.maxBatch);
    if (entries.length > 0) ctx.send(peer, { type: 'replicate', entries });
  }
}

export function onReplicate(state: MultiLeaderState, origin: NodeId, entries: readonly LogEntry[], ctx: Ctx): void {
  let changed = false;
  for (const entry of entries) {
    const applied = state.applied[origin] ?? 0;
    if (entry.seq !== applied + 1) continue; // a duplicate (≤) or a gap (>): the resend fills it
    state.store[entry.key] = mergeOptional(state.store[entry.key], entry.delta)!;
    state.applied[origin] = entry.seq;
    changed = true;
  }
  if (changed) persist(state, ctx);
  ctx.send(origin, { type: 'replicate-ack', upTo: state.applied[origin] ?? 0 });
}

export function onReplicateAck(state: MultiLeaderState, peer: NodeId, upTo: number, ctx: Ctx): void {
  if (upTo <= (state.acked[peer] ?? 0)) return;
  state.acked[peer] = upTo;
  // Entries every peer has are no longer needed.
  const everyone = Math.min(...state.peers.map((p) => state.acked[p] ?? 0));
  if (state.log.length > 0 && state.log[0]!.seq <= everyone) state.log = state.log.filter((e) => e.seq > everyone);
  persist(state, ctx);
}
