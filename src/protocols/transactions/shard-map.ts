/**
 * The shard map: shards on the shared consistent-hashing ring, one node per shard (or, with
 * primary-backup replication, a pair of nodes and the primary of the current term). Every node
 * derives the same initial map from the membership; a live move or a failover produces the next
 * epoch's map.
 */
import type { NodeId } from '../../core/ids.js';
import { createRing, hash32 } from '../common/ring.js';
import { keyText, type Key, type ShardId, type ShardMap } from './types.js';

/**
 * Shard i is served by the i-th initial member: s1 by n1, s2 by n2, ... With primary-backup
 * shards, by the i-th pair, its first node primary of term 1: s1 by n1 (backup n2), s2 by n3
 * (backup n4), ...; an odd last member serves a shard alone.
 */
export function initialMap(members: readonly NodeId[], tokensPerShard: number, paired = false): ShardMap {
  const nodes: Record<ShardId, NodeId> = {};
  if (!paired) {
    members.forEach((node, i) => (nodes[`s${i + 1}`] = node));
    const ring = createRing(Object.keys(nodes), tokensPerShard);
    return deepFreeze({ epoch: ring.tokens.length, ring, versions: ring.tokens.map(() => 1), nodes });
  }
  const pairs: Record<ShardId, NodeId[]> = {};
  const terms: Record<ShardId, number> = {};
  for (let i = 0; i < members.length; i += 2) {
    const shard = `s${i / 2 + 1}`;
    pairs[shard] = members.slice(i, i + 2);
    nodes[shard] = members[i]!;
    terms[shard] = 1;
  }
  const ring = createRing(Object.keys(nodes), tokensPerShard);
  return deepFreeze({ epoch: ring.tokens.length, ring, versions: ring.tokens.map(() => 1), nodes, pairs, terms });
}

/** The nodes of a shard: its pair (primary-backup), or its one node. */
export function membersOf(map: ShardMap, shard: ShardId): readonly NodeId[] {
  const pair = map.pairs?.[shard];
  if (pair !== undefined) return pair;
  const node = map.nodes[shard];
  return node === undefined ? [] : [node];
}

/** The primary-backup map with `node` primary of `shard` in the next term (a failover). */
export function promotedMap(map: ShardMap, shard: ShardId, node: NodeId): ShardMap {
  const terms = { ...map.terms, [shard]: (map.terms?.[shard] ?? 1) + 1 };
  return deepFreeze({ ...map, epoch: map.epoch + 1, nodes: { ...map.nodes, [shard]: node }, terms });
}

/** A shard's primary term (1 without replication). */
export function termOf(map: ShardMap, shard: ShardId | undefined): number {
  return shard === undefined ? 0 : (map.terms?.[shard] ?? 1);
}

/** The shard owning a key under this map. */
export function shardOf(map: ShardMap, key: Key): ShardId {
  return map.ring.tokens[tokenOf(map, key)]?.node ?? 's1';
}

export function nodeOfShard(map: ShardMap, shard: ShardId): NodeId | undefined {
  return map.nodes[shard];
}

/** The shard a node serves under this map (with primary-backup shards: as primary or backup). */
export function shardOfNode(map: ShardMap, node: NodeId): ShardId | undefined {
  const pairs = map.pairs;
  if (pairs !== undefined) return Object.keys(pairs).find((s) => pairs[s]!.includes(node));
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
  return deepFreeze({ ...map, epoch: map.epoch + 1, ring: { tokensPerNode: map.ring.tokensPerNode, tokens }, versions });
}

/**
 * Token by token, the newer of two maps, and shard by shard the primary of the higher term (the
 * same map object when `b` adds nothing).
 */
export function mergeMaps(a: ShardMap, b: ShardMap): ShardMap {
  const newerTerm = (x: ShardMap, y: ShardMap): boolean => x.terms !== undefined && Object.keys(x.terms).some((s) => x.terms![s]! > (y.terms?.[s] ?? 0));
  const bNewer = b.versions.some((v, i) => v > a.versions[i]!) || newerTerm(b, a);
  if (!bNewer) return a;
  if (!a.versions.some((v, i) => v > b.versions[i]!) && !newerTerm(a, b)) return b;
  const pick = a.versions.map((v, i) => (b.versions[i]! > v ? b : a));
  const tokens = pick.map((m, i) => m.ring.tokens[i]!);
  const versions = pick.map((m, i) => m.versions[i]!);
  const ring = { tokensPerNode: a.ring.tokensPerNode, tokens };
  if (a.terms === undefined) return deepFreeze({ epoch: versions.reduce((x, y) => x + y, 0), ring, versions, nodes: a.nodes });
  const nodes: Record<ShardId, NodeId> = {};
  const terms: Record<ShardId, number> = {};
  for (const s of Object.keys(a.terms)) {
    const from = (b.terms?.[s] ?? 0) > a.terms[s]! ? b : a;
    nodes[s] = from.nodes[s]!;
    terms[s] = from.terms![s]!;
  }
  const failovers = Object.values(terms).reduce((x, t) => x + t - 1, 0);
  return deepFreeze({ epoch: versions.reduce((x, y) => x + y, 0) + failovers, ring, versions, nodes, ...(a.pairs !== undefined ? { pairs: a.pairs } : {}), terms });
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
