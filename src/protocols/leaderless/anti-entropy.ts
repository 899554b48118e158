/**
 * Anti-entropy with per-bucket digests. Every round a node picks the next peer and sends one digest
 * per bucket over the keys both of them replicate; the peer answers with its objects in the buckets
 * that differ, and the initiator merges them and pushes back its own. The digests cost O(buckets),
 * the transfer O(keys in differing buckets): the work follows the differences, not the store size.
 */
import type { NodeId } from '../../core/ids.js';
import { hash32 } from '../common/ring.js';
import { objectDigest, sameObject, type ReplicatedObject } from '../crdt/object.js';
import type { LeaderlessOptions } from './options.js';
import { replicasOf } from './placement.js';
import { mergeIntoStore, persist, type Ctx } from './replica.js';
import type { LeaderlessState } from './types.js';

export const ANTI_ENTROPY_TIMER = 'anti-entropy';

export function bucketOf(key: string, buckets: number): number {
  return hash32(`bucket:${key}`) % buckets;
}

/** Keys this node holds that `peer` replicates too. */
function sharedKeys(state: LeaderlessState, peer: NodeId, options: LeaderlessOptions): string[] {
  return Object.keys(state.store)
    .filter((key) => replicasOf(state, key, options).includes(peer))
    .sort();
}

/** One digest per bucket: the sum of the key digests in it (order-free), 0 for an empty bucket. */
export function bucketDigests(store: Readonly<Record<string, ReplicatedObject>>, keys: readonly string[], buckets: number): number[] {
  const digests = new Array<number>(buckets).fill(0);
  for (const key of keys) {
    const b = bucketOf(key, buckets);
    digests[b] = (digests[b]! + objectDigest(key, store[key]!)) >>> 0;
  }
  return digests;
}

export function differingBuckets(mine: readonly number[], theirs: readonly number[]): number[] {
  const out: number[] = [];
  for (let b = 0; b < Math.max(mine.length, theirs.length); b++) if ((mine[b] ?? 0) !== (theirs[b] ?? 0)) out.push(b);
  return out;
}

function objectsIn(state: LeaderlessState, keys: readonly string[], buckets: ReadonlySet<number>, options: LeaderlessOptions): Record<string, ReplicatedObject> {
  const out: Record<string, ReplicatedObject> = {};
  for (const key of keys) if (buckets.has(bucketOf(key, options.buckets))) out[key] = state.store[key]!;
  return out;
}

export function onAntiEntropyTimer(state: LeaderlessState, ctx: Ctx, options: LeaderlessOptions): void {
  ctx.setTimer(ANTI_ENTROPY_TIMER, options.antiEntropyIntervalUs);
  const peers = state.members.filter((m) => m !== state.self);
  if (peers.length === 0) return;
  const peer = peers[state.antiEntropyTurn++ % peers.length]!;
  ctx.send(peer, { type: 'ae-digests', digests: bucketDigests(state.store, sharedKeys(state, peer, options), options.buckets) });
}

export function onDigests(state: LeaderlessState, from: NodeId, digests: readonly number[], ctx: Ctx, options: LeaderlessOptions): void {
  const keys = sharedKeys(state, from, options);
  const differ = differingBuckets(bucketDigests(state.store, keys, options.buckets), digests);
  if (differ.length === 0) return;
  ctx.send(from, { type: 'ae-diff', buckets: differ, objects: objectsIn(state, keys, new Set(differ), options) });
}

export function onDiff(state: LeaderlessState, from: NodeId, buckets: readonly number[], objects: Readonly<Record<string, ReplicatedObject>>, ctx: Ctx, options: LeaderlessOptions): void {
  let changed = false;
  for (const key of Object.keys(objects).sort()) {
    if (replicasOf(state, key, options).includes(state.self)) changed = mergeIntoStore(state, key, objects[key]!) || changed;
  }
  if (changed) persist(state, ctx);
  const mine = objectsIn(state, sharedKeys(state, from, options), new Set(buckets), options);
  const push: Record<string, ReplicatedObject> = {};
  for (const key of Object.keys(mine)) if (!sameObject(mine[key], objects[key])) push[key] = mine[key]!;
  if (Object.keys(push).length > 0) ctx.send(from, { type: 'ae-push', objects: push });
}

export function onPush(state: LeaderlessState, objects: Readonly<Record<string, ReplicatedObject>>, ctx: Ctx, options: LeaderlessOptions): void {
  let changed = false;
  for (const key of Object.keys(objects).sort()) {
    if (replicasOf(state, key, options).includes(state.self)) changed = mergeIntoStore(state, key, objects[key]!) || changed;
  }
  if (changed) persist(state, ctx);
}
