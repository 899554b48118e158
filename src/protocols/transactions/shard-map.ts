/**
 * The shard map: shards on the shared consistent-hashing ring, one node per shard. Every node
 * derives the same initial map from the membership; a live move produces the next epoch's map.
 */
import type { NodeId } from '../../core/ids.js';
import { createRing, hash32 } from '../common/ring.js';
import { keyText, type Key, type ShardId, type ShardMap } from './types.js';

/** Shard i is served by the i-th initial member: s1 by n1, s2 by n2, ... */
export function initialMap(members: readonly NodeId[], tokensPerShard: number): ShardMap {
  const nodes: Record<ShardId, NodeId> = {};
  members.forEach((node, i) => (nodes[`s${i + 1}`] = node));
  const ring = createRing(Object.keys(nodes), tokensPerShard);
  return deepFreeze({ epoch: ring.tokens.length, ring, versions: ring.tokens.map(() => 1), nodes });
}

/** The shard owning a key under this map. */
export function shardOf(map: ShardMap, key: Key): ShardId {
  return map.ring.tokens[tokenOf(map, key)]?.node ?? 's1';
}

export function nodeOfShard(map: ShardMap, shard: ShardId): NodeId | undefined {
  return map.nodes[shard];
}

/** The shard a node serves under this map. */
export function shardOfNode(map: ShardMap, node: NodeId): ShardId | undefined {
  return Object.keys(map.nodes).find((s) => map.nodes[s] === node);
}

/** The index (in ring order) of the token whose range holds the key: the first at or after its hash. */
export function tokenOf(map: ShardMap, key: Key): number {
  return tokenIndexOfText(map, keyText(key));
}

function tokenIndexOfText(map: ShardMap, text: string): number {
  const tokens = map.ring.tokens;
  const h = hash32(text);
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens[mid]!.hash < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === tokens.length ? 0 : lo;
}

/** Whether a key (by its text) falls in the range of the token at this index. */
export function inTokenRange(map: ShardMap, token: number, text: string): boolean {
  return tokenIndexOfText(map, text) === token;
}

/** The map with the range of the token at this index handed to `to` (its version bumped). */
export function movedMap(map: ShardMap, token: number, to: ShardId): ShardMap {
  const tokens = map.ring.tokens.map((t, i) => (i === token ? { hash: t.hash, node: to } : t));
  const versions = map.versions.map((v, i) => (i === token ? v + 1 : v));
  return deepFreeze({ epoch: map.epoch + 1, ring: { tokensPerNode: map.ring.tokensPerNode, tokens }, versions, nodes: map.nodes });
}

/** Token by token, the newer of two maps (the same map object when `b` adds nothing). */
export function mergeMaps(a: ShardMap, b: ShardMap): ShardMap {
  if (!b.versions.some((v, i) => v > a.versions[i]!)) return a;
  if (!a.versions.some((v, i) => v > b.versions[i]!)) return b;
  const pick = a.versions.map((v, i) => (b.versions[i]! > v ? b : a));
  const tokens = pick.map((m, i) => m.ring.tokens[i]!);
  const versions = pick.map((m, i) => m.versions[i]!);
  return deepFreeze({ epoch: versions.reduce((x, y) => x + y, 0), ring: { tokensPerNode: a.ring.tokensPerNode, tokens }, versions, nodes: a.nodes });
}

/** The token indexes a shard serves under this map. */
export function tokensOfShard(map: ShardMap, shard: ShardId): number[] {
  return map.ring.tokens.flatMap((t, i) => (t.node === shard ? [i] : []));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

export { deepFreeze };
