/**
 * Hinted handoff: a node standing in for an unreachable replica periodically offers it the hinted
 * data; once the replica acknowledges a hint (at the version offered), the stand-in drops it.
 */
import type { NodeId } from '../../core/ids.js';
import type { ReplicatedObject } from '../crdt/object.js';
import type { LeaderlessOptions } from './options.js';
import { mergeIntoStore, persist, type Ctx } from './replica.js';
import type { LeaderlessState } from './types.js';

export const HANDOFF_TIMER = 'handoff';

/** Most hints offered in one message. */
const HANDOFF_BATCH = 128;

export function onHandoffTimer(state: LeaderlessState, ctx: Ctx, options: LeaderlessOptions): void {
  ctx.setTimer(HANDOFF_TIMER, options.handoffIntervalUs);
  const intended = [...new Set(state.hints.map((h) => h.intended))].sort();
  for (const node of intended) {
    const items = state.hints
      .filter((h) => h.intended === node)
      .slice(0, HANDOFF_BATCH)
      .map((h) => ({ key: h.key, obj: h.obj, version: h.version }));
    ctx.send(node, { type: 'handoff', items });
  }
}

export function onHandoff(state: LeaderlessState, from: NodeId, items: ReadonlyArray<{ key: string; obj: ReplicatedObject; version: number }>, ctx: Ctx): void {
  let changed = false;
  for (const item of items) changed = mergeIntoStore(state, item.key, item.obj) || changed;
  if (changed) persist(state, ctx);
  ctx.send(from, { type: 'handoff-ack', items: items.map((i) => ({ key: i.key, version: i.version })) });
}

export function onHandoffAck(state: LeaderlessState, from: NodeId, items: ReadonlyArray<{ key: string; version: number }>, ctx: Ctx, _options: LeaderlessOptions): void {
  const before = state.hints.length;
  state.hints = state.hints.filter((h) => !(h.intended === from && items.some((i) => i.key === h.key && i.version >= h.version)));
  if (state.hints.length !== before) {
    ctx.note('hints-delivered', { to: from, count: before - state.hints.length });
    persist(state, ctx);
  }
}
