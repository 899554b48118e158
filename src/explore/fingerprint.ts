/**
 * State fingerprints: a 53-bit hash (a safe JS integer, kept in a Map) of everything an explored
 * run's future depends on. Two paths that reach equal states are explored once. It covers:
 * - the virtual time (timers fire at their deadlines, so the future depends on it);
 * - per node: status, volatile state, durable state, armed timers with their deadlines;
 * - messages, requests and replies in flight as a multiset (sorted; send times and ids left out:
 *   a delivery's time is the driver's choice, and ids only name);
 * - the scripted clients (next op, the op awaiting a reply) and the history so far without times
 *   (the order of its events is what linearizability judges);
 * - how many crashes, drops, duplications, timer firings and reorders the path used (bounds on the
 *   future), and which messages in flight were already overtaken on their link.
 *
 * The hash is structural, without building text: objects, Sets and Maps combine their members'
 * hashes by addition (order-independent, so no key sorting); arrays combine in order.
 *
 * Symmetry: with `symmetry`, node ids are interchangeable. Every renaming of the nodes is applied
 * (to strings equal to a node id, object keys, message ends, node order) and the smallest hash
 * kept, so states equal up to renaming share a fingerprint. Arrays made only of node ids are
 * compared as sets then (votes, voter lists), and arrays of per-node records in node order are
 * hashed in the renamed nodes' order (inRenamedNodeOrder). It is sound only when the protocol treats ids
 * alike (no tie-break by id order), which the scenario asserts by turning it on.
 *
 * Fingerprints are hashes: two different states collide with probability about n²/2⁵⁴ for n
 * states (TLC's fingerprints take the same risk, at 64 bits).
 */
import { PLAIN_DATA_MAX_DEPTH } from '../core/clone.js';
import { EventKind } from '../kernel/queue.js';
import type { ChoiceWorld } from '../runner/choices.js';
import { notPlainData } from './plain-data.js';

/**
 * A state exploration cannot hash faithfully: a function, a symbol, a class instance, a cycle
 * (two different states could share a fingerprint, or the hash would not end). The message names
 * where, in the words of `notPlainData`.
 */
export class NotPlainDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotPlainDataError';
  }
}

/** Thrown inside hashValue, turned into a NotPlainDataError (with the path) by Fingerprinter.of. */
const NOT_PLAIN = new Error('not plain data');

/** Node renamings of n nodes (all n! of them; n is small when symmetry is used). */
export function permutations(n: number): number[][] {
  if (n <= 1) return [Array.from({ length: n }, (_, i) => i)];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) for (let at = 0; at <= rest.length; at++) out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  return out;
}

/** Symmetry over more nodes than this would cost too many renamings per state. */
export const MAX_SYMMETRIC_NODES = 5;

export class Fingerprinter {
  private readonly renamings: Array<Map<string, string> | undefined>;
  /** For each renaming, the node index each index maps to. */
  private readonly indexMaps: Array<number[] | undefined>;
  /** Every node id to one placeholder: a node's hash that no renaming changes. */
  private readonly anonymous: Map<string, string> | undefined;

  constructor(
    readonly nodeIds: readonly string[],
    symmetry: boolean,
  ) {
    if (symmetry && nodeIds.length > 1) {
      const perms = permutations(nodeIds.length);
      this.indexMaps = perms;
      this.renamings = perms.map((perm) => new Map(nodeIds.map((id, i) => [id, nodeIds[perm[i]!]!])));
      this.anonymous = new Map(nodeIds.map((id) => [id, '\u0000node']));
    } else {
      this.indexMaps = [undefined];
      this.renamings = [undefined];
      this.anonymous = undefined;
    }
  }

  /**
   * The state's 53-bit fingerprint; `extra` is state of the search's own (a partition), node ids
   * renamed with the rest. Throws a NotPlainDataError naming the node and the path of a value it
   * cannot hash faithfully.
   */
  of(world: ChoiceWorld, extra?: unknown): number {
    try {
      return this.hash(world, extra);
    } catch (error) {
      if (error !== NOT_PLAIN) throw error;
      throw new NotPlainDataError(notPlainData(world) ?? 'a value in the state is not plain data');
    }
  }

  private hash(world: ChoiceWorld, extra: unknown): number {
    const sim = world.sim;
    const ids = this.nodeIds;
    // What does not depend on the renaming is hashed once.
    const nodes = ids.map((id, i) => ({ view: sim.nodes[i]!, durable: sim.durableOf(id), timers: sim.armedTimers(id) }));
    const pending = sim.choosable().filter((ev) => ev.kind !== EventKind.Call && ev.kind !== EventKind.Timer);
    hashValue(world.clients.history.map((e) => [e.type, e.process, e.f, e.key ?? null, e.value]), undefined);
    const historyA = A;
    const historyB = B;
    const used = world.used;
    // Under symmetry, only renamings that put the nodes in the order of their anonymous hashes are
    // tried (all of them among nodes that tie): a canonical order without trying all n! renamings.
    let order: number[] | undefined;
    if (this.anonymous !== undefined) {
      order = nodes.map((n) => {
        hashValue(n.view.state, this.anonymous);
        const a = mixInt(A, STATUS[n.view.status]!);
        hashValue(n.durable, this.anonymous);
        const b = mixInt(a, A);
        hashValue(n.timers, undefined);
        return mixInt(b, A);
      });
    }
    let best = Infinity;
    const slotA = new Array<number>(ids.length);
    const slotB = new Array<number>(ids.length);
    for (let r = 0; r < this.renamings.length; r++) {
      const rename = this.renamings[r];
      const indexMap = this.indexMaps[r];
      if (order !== undefined && !respectsOrder(indexMap!, order)) continue;
      nodes.forEach((n, i) => {
        let a = mixInt(SEED_A, STATUS[n.view.status]!);
        let b = mixInt(SEED_B, STATUS[n.view.status]!);
        hashValue(n.view.state, rename);
        a = mixInt(a, A);
        b = mixInt(b, B);
        hashValue(n.durable, rename);
        a = mixInt(a, A);
        b = mixInt(b, B);
        hashValue(n.timers, undefined);
        const slot = indexMap === undefined ? i : indexMap[i]!;
        slotA[slot] = mixInt(a, A);
        slotB[slot] = mixInt(b, B);
      });
      let a = mixInt(SEED_A, sim.now);
      let b = mixInt(SEED_B, sim.now);
      for (let i = 0; i < ids.length; i++) {
        a = mixInt(a, slotA[i]!);
        b = mixInt(b, slotB[i]!);
      }
      // In-flight messages: a multiset, combined by addition.
      let ma = 0;
      let mb = 0;
      for (const ev of pending) {
        hashValue(ev.payload, rename);
        // An overtaken message may be passed again for free: that changes the future's choices.
        const kind = world.isOvertaken(ev) ? ev.kind + 16 : ev.kind;
        let ea = mixInt(mixInt(mixInt(SEED_A, kind), endpointHash(sim.endpointName(ev.source), rename)), A);
        let eb = mixInt(mixInt(mixInt(SEED_B, kind), endpointHash(sim.endpointName(ev.target), rename)), B);
        ea = mixInt(ea, endpointHash(sim.endpointName(ev.target), rename));
        eb = mixInt(eb, endpointHash(sim.endpointName(ev.source), rename));
        ma = (ma + finalize(ea)) | 0;
        mb = (mb + finalize(eb)) | 0;
      }
      a = mixInt(mixInt(a, ma), pending.length);
      b = mixInt(mixInt(b, mb), pending.length);
      hashValue(world.clients.states(), rename);
      a = mixInt(mixInt(mixInt(a, A), historyA), used.crashes * 4096 + used.drops * 64 + used.duplicates);
      b = mixInt(mixInt(mixInt(b, B), historyB), used.timeouts * 128 + used.reorders);
      if (extra !== undefined) {
        hashValue(extra, rename);
        a = mixInt(a, A);
        b = mixInt(b, B);
      }
      const fp = (finalize(a) >>> 0) * 0x20_0000 + (finalize(b) & 0x1f_ffff);
      if (fp < best) best = fp;
    }
    return best;
  }
}

/** Whether the renaming maps nodes with smaller keys to smaller slots. */
function respectsOrder(indexMap: readonly number[], keys: readonly number[]): boolean {
  for (let i = 0; i < keys.length; i++) for (let j = 0; j < keys.length; j++) if (keys[i]! < keys[j]! && indexMap[i]! > indexMap[j]!) return false;
  return true;
}

const STATUS: Record<string, number> = { up: 1, paused: 2, crashed: 3, stopped: 4 };
const SEED_A = 0x9e3779b9 | 0;
const SEED_B = 0x85ebca6b | 0;

/** The two lanes of the last hashValue (module scratch: hashing allocates nothing per value). */
let A = 0;
let B = 0;

function endpointHash(name: string, rename: Map<string, string> | undefined): number {
  return stringLane(rename?.get(name) ?? name, SEED_A);
}

/** One value's 53-bit hash, without renaming (hashValue's two lanes, as `of` combines them). */
export function valueHash(value: unknown): number {
  hashValue(value, undefined);
  return (finalize(A) >>> 0) * 0x20_0000 + (finalize(B) & 0x1f_ffff);
}

/**
 * Hashes a plain-data value into the lanes A and B, node ids renamed. Objects, Sets and Maps are
 * unordered (members combined by addition); arrays are ordered, except arrays of node ids under a
 * renaming, which are sets.
 */
export function hashValue(value: unknown, rename: Map<string, string> | undefined, depth = 0): void {
  switch (typeof value) {
    case 'string': {
      const s = rename?.get(value) ?? value;
      A = stringLane(s, SEED_A);
      B = stringLane(s, SEED_B);
      return;
    }
    case 'number':
      A = mixInt(0x1234567, foldNumber(value));
      B = mixInt(0x7654321, foldNumber(value));
      return;
    case 'boolean':
      A = value ? 0x1111 : 0x2222;
      B = value ? 0x3333 : 0x4444;
      return;
    case 'bigint':
      // Not the hash of its digits as a string: 10n and "10" are different states.
      A = mixInt(stringLane(String(value), SEED_A), 0xb19);
      B = mixInt(stringLane(String(value), SEED_B), 0xb19);
      return;
    case 'undefined':
      A = 0x5757;
      B = 0x6868;
      return;
    case 'object':
      break;
    default:
      // A function or a symbol: all of them would hash alike (two states told apart by one would
      // be explored once), and a replay cannot rebuild one from a choice log's meaning.
      throw NOT_PLAIN;
  }
  if (value === null) {
    A = 0x5555;
    B = 0x6666;
    return;
  }
  // Deeper than plain data may nest: a cycle, whose hash would never end (explained from the top).
  if (depth > PLAIN_DATA_MAX_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    const unordered = rename !== undefined && value.length > 1 && value.every((v) => typeof v === 'string' && rename.has(v));
    let a = 0xa1a1;
    let b = 0xb1b1;
    for (const v of rename === undefined ? value : inRenamedNodeOrder(value, rename)) {
      hashValue(v, rename, depth + 1);
      if (unordered) {
        a = (a + finalize(A)) | 0;
        b = (b + finalize(B)) | 0;
      } else {
        a = mixInt(a, A);
        b = mixInt(b, B);
      }
    }
    A = mixInt(a, value.length);
    B = mixInt(b, value.length);
    return;
  }
  let a = 0;
  let b = 0;
  let count = 0;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      hashValue(k, rename, depth + 1);
      const ka = A;
      const kb = B;
      hashValue(v, rename, depth + 1);
      a = (a + finalize(mixInt(ka, A))) | 0;
      b = (b + finalize(mixInt(kb, B))) | 0;
      count++;
    }
  } else if (value instanceof Set) {
    for (const v of value) {
      hashValue(v, rename, depth + 1);
      a = (a + finalize(A)) | 0;
      b = (b + finalize(B)) | 0;
      count++;
    }
  } else {
    // A class instance (a Date, a Promise, a user's class) hashes by its own fields only, which
    // need not be what it holds: two different ones could hash alike.
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const v = record[key];
      if (v === undefined) continue; // as JSON: an undefined field is an absent one
      const k = rename?.get(key) ?? key;
      hashValue(v, rename, depth + 1);
      a = (a + finalize(mixInt(stringLane(k, SEED_A), A))) | 0;
      b = (b + finalize(mixInt(stringLane(k, SEED_B), B))) | 0;
      count++;
    }
  }
  A = mixInt(mixInt(0xc3c3, a), count);
  B = mixInt(mixInt(0xd4d4, b), count);
}

/**
 * Per-node records kept in node order (one record per node, each naming it in a field, or a tuple
 * headed by it: a leader's progress per peer) are put in the renamed nodes' order, so a state and
 * its renamed twin, which built the array in its own node order, hash alike. Any other array keeps
 * its order (an order that is not node order says something).
 */
function inRenamedNodeOrder(value: readonly unknown[], rename: Map<string, string>): readonly unknown[] {
  if (value.length < 2 || typeof value[0] !== 'object' || value[0] === null) return value;
  const keys: string[] = [];
  for (const v of value) {
    const key = nodeKeyOf(v, rename);
    if (key === undefined || (keys.length > 0 && key <= keys[keys.length - 1]!)) return value;
    keys.push(key);
  }
  const renamed = value.map((v, i) => ({ v, key: rename.get(keys[i]!)! }));
  return renamed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)).map((x) => x.v);
}

/** The node a record is about: the first field (or a tuple's head) that holds a node id. */
function nodeKeyOf(v: unknown, rename: Map<string, string>): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) return typeof v[0] === 'string' && rename.has(v[0]) ? v[0] : undefined;
  if (v instanceof Map || v instanceof Set) return undefined;
  const record = v as Record<string, unknown>;
  for (const field in record) {
    const f = record[field];
    if (typeof f === 'string' && rename.has(f)) return f;
  }
  return undefined;
}

function stringLane(s: string, seed: number): number {
  let h = seed ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return finalize(h);
}

function mixInt(h: number, k: number): number {
  let x = Math.imul(k | 0, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, 0x1b873593);
  let y = h ^ x;
  y = (y << 13) | (y >>> 19);
  return (Math.imul(y, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

function foldNumber(value: number): number {
  if (Number.isInteger(value)) {
    const high = Math.floor(value / 0x1_0000_0000);
    return (value | 0) ^ Math.imul(high | 0, 0x9e3779b1);
  }
  return stringLane(String(value), SEED_A);
}
