/**
 * The replica side: merge incoming updates into the store (or into hints, when standing in for an
 * unreachable replica), answer reads, accept repairs. Every change is persisted before the ack
 * leaves (the kernel applies persist first), so an acknowledged write survives a crash.
 */
import type { NodeId } from '../../core/ids.js';
import type { NodeContext } from '../../core/protocol.js';
import { mergeOptional, sameObject, type ReplicatedObject } from '../crdt/object.js';
import type { LeaderlessOptions } from './options.js';
import { isReplica } from './placement.js';
import type { LeaderlessDurable, LeaderlessMsg, LeaderlessState } from './types.js';

export type Ctx = NodeContext<LeaderlessMsg, LeaderlessDurable>;

export function persist(state: LeaderlessState, ctx: Ctx): void {
  ctx.persist({ store: state.store, hints: state.hints, hintSeq: state.hintSeq, minter: state.minter });
}

/** Merges `obj` into the store; true if anything changed. */
export function mergeIntoStore(state: LeaderlessState, key: string, obj: ReplicatedObject): boolean {
  const before = state.store[key];
  const after = mergeOptional(before, obj)!;
  if (sameObject(before, after)) return false;
  state.store[key] = after;
  return true;
}

/** Keeps `obj` for `intended`; false when the hint store is full (the write is then not acked). */
export function storeHint(state: LeaderlessState, intended: NodeId, key: string, obj: ReplicatedObject, options: LeaderlessOptions): boolean {
  const existing = state.hints.find((h) => h.intended === intended && h.key === key);
  if (existing !== undefined) {
    const merged = mergeOptional(existing.obj, obj)!;
    if (!sameObject(existing.obj, merged)) {
      existing.obj = merged;
      existing.version = ++state.hintSeq;
    }
    return true;
  }
  if (state.hints.length >= options.maxHints) return false;
  state.hints.push({ intended, key, obj, version: ++state.hintSeq });
  return true;
}

/** Applies a put addressed to this node; true when it is durable here (worth an ack). */
export function applyPut(state: LeaderlessState, key: string, obj: ReplicatedObject, hintFor: NodeId | undefined, ctx: Ctx, options: LeaderlessOptions): boolean {
  if (hintFor !== undefined && hintFor !== ctx.self) {
    if (!storeHint(state, hintFor, key, obj, options)) return false;
    persist(state, ctx);
    return true;
  }
  if (mergeIntoStore(state, key, obj)) persist(state, ctx);
  return true;
}

/** What this node can say about `key`: its replica merged with any hints it holds for it. */
export function readLocal(state: LeaderlessState, key: string): ReplicatedObject | null {
  let obj: ReplicatedObject | undefined = state.store[key];
  for (const h of state.hints) if (h.key === key) obj = mergeOptional(obj, h.obj);
  return obj ?? null;
}

/** A read repair: taken only by the key's own replicas (a stand-in keeps just its hints). */
export function applyRepair(state: LeaderlessState, key: string, obj: ReplicatedObject, ctx: Ctx, options: LeaderlessOptions): void {
  if (!isReplica(state, key, options)) return;
  if (mergeIntoStore(state, key, obj)) persist(state, ctx);
}
