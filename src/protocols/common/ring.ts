/**
 * A consistent-hashing ring with virtual nodes, shared by the protocols that place keys on nodes.
 *
 * Every node owns `tokensPerNode` points (tokens) on a 32-bit ring; a key belongs to the first
 * token clockwise from its hash. Many tokens per node even out the load, and a join or leave moves
 * only the keys next to the tokens that appear or vanish: about 1/n of them. The ring is plain,
 * immutable data computed from the membership alone, so every node derives the same ring.
 */
import type { NodeId } from '../../core/ids.js';

export interface RingToken {
  readonly hash: number;
  readonly node: NodeId;
}

export interface Ring {
  readonly tokensPerNode: number;
  /** Sorted by (hash, node): a total order, so collisions cannot make two nodes disagree. */
  readonly tokens: readonly RingToken[];
}

/**
 * FNV-1a over UTF-16 code units, then murmur3's finalizer: FNV alone clusters similar strings
 * (`n1#0`, `n1#1`), the finalizer spreads them over the whole ring.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function tokensOf(node: NodeId, tokensPerNode: number): RingToken[] {
  return Array.from({ length: tokensPerNode }, (_, i) => ({ hash: hash32(`${node}#${i}`), node }));
}

function byHashThenNode(a: RingToken, b: RingToken): number {
  if (a.hash !== b.hash) return a.hash - b.hash;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

export function createRing(nodes: readonly NodeId[], tokensPerNode: number): Ring {
  if (!Number.isInteger(tokensPerNode) || tokensPerNode < 1) throw new Error(`tokensPerNode must be a positive integer, got ${tokensPerNode}`);
  const tokens = [...new Set(nodes)].flatMap((n) => tokensOf(n, tokensPerNode));
  return { tokensPerNode, tokens: tokens.sort(byHashThenNode) };
}

/**
 * The ring of a membership, built once and shared: every node of a cluster derives the same ring
 * from the same members (each from its own copy of the list), and building it costs
 * O(n·tokens·log(n·tokens)) — at 257 nodes, one ring per node at start was a third of a
 * minute-long run. A shared ring is frozen, so no node can change what another sees; the few most
 * recent memberships are kept (a pure function's results: a run's outcome does not depend on them).
 */
const recentRings = new Map<string, Ring>();
const RECENT_RINGS = 8;

export function sharedRing(nodes: readonly NodeId[], tokensPerNode: number): Ring {
  const key = `${tokensPerNode}|${nodes.join('\u0000')}`;
  let ring = recentRings.get(key);
  if (ring === undefined) {
    const built = createRing(nodes, tokensPerNode);
    for (const token of built.tokens) Object.freeze(token);
    ring = Object.freeze({ tokensPerNode, tokens: Object.freeze(built.tokens) });
    if (recentRings.size >= RECENT_RINGS) recentRings.delete(recentRings.keys().next().value!);
    recentRings.set(key, ring);
  }
  return ring;
}

/** The ring after `node` joins (unchanged if it is already a member). */
export function joinRing(ring: Ring, node: NodeId): Ring {
  if (ring.tokens.some((t) => t.node === node)) return ring;
  return { tokensPerNode: ring.tokensPerNode, tokens: [...ring.tokens, ...tokensOf(node, ring.tokensPerNode)].sort(byHashThenNode) };
}

/** The ring after `node` leaves. */
export function leaveRing(ring: Ring, node: NodeId): Ring {
  return { tokensPerNode: ring.tokensPerNode, tokens: ring.tokens.filter((t) => t.node !== node) };
}

/** The distinct members, sorted. */
export function ringNodes(ring: Ring): NodeId[] {
  return [...new Set(ring.tokens.map((t) => t.node))].sort();
}

/** Index of the first token at or after `hash`, wrapping to 0. */
function firstTokenAtOrAfter(ring: Ring, hash: number): number {
  let lo = 0;
  let hi = ring.tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring.tokens[mid]!.hash < hash) lo = mid + 1;
    else hi = mid;
  }
  return lo === ring.tokens.length ? 0 : lo;
}

/**
 * Up to `limit` distinct nodes met walking clockwise from the key's hash: the first N are the key's
 * preference list; the ones after are the fallbacks a sloppy quorum borrows.
 */
export function ringWalk(ring: Ring, key: string, limit = Infinity): NodeId[] {
  const out: NodeId[] = [];
  const count = ring.tokens.length;
  if (count === 0) return out;
  const start = firstTokenAtOrAfter(ring, hash32(key));
  const seen = new Set<NodeId>();
  // One lap at most: every token is visited once.
  for (let i = 0; i < count && out.length < limit; i++) {
    const node = ring.tokens[(start + i) % count]!.node;
    if (!seen.has(node)) {
      seen.add(node);
      out.push(node);
    }
  }
  return out;
}

/** The N distinct nodes responsible for `key` (fewer if the ring has fewer nodes). */
export function preferenceList(ring: Ring, key: string, n: number): NodeId[] {
  return ringWalk(ring, key, n);
}

/** The key's first replica. */
export function ownerOf(ring: Ring, key: string): NodeId | undefined {
  return ringWalk(ring, key, 1)[0];
}
