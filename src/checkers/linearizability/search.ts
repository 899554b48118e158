/**
 * Wing–Gong linearizability search with Lowe's memoization, over one partition of a history.
 *
 * The history is a doubly linked list of call and return entries in real-time order. The search
 * repeatedly picks a call that precedes the first remaining return (a minimal op), applies it to
 * the model, and "lifts" the op out of the list; reaching a return entry means the op it closes
 * can no longer be placed, so the search backtracks. Every configuration (set of linearized ops,
 * model state) is remembered: reaching one again cannot succeed where the first visit failed
 * (Lowe), which bounds the search by the number of distinct configurations.
 *
 * Indeterminate ops (info, or never completed) have no return entry: they may take effect at any
 * point after their invocation, or never. The search succeeds as soon as every determinate op is
 * linearized, which is what "never" means for the indeterminate ones left over.
 *
 * A configuration is remembered in a size that does not grow with the history. Let `lo` be the
 * earliest (by invocation) determinate op not linearized: every determinate op before it is
 * linearized, and none invoked after lo's return can be (the search lifts only calls that
 * precede the first remaining return). So the determinate part of the linearized set is `lo`
 * plus the bits of the ops invoked between lo and lo's return — a window as wide as the
 * concurrency around lo, stored as the 32-bit words that cover it. Indeterminate ops are kept
 * apart, as the sorted list of those linearized (usually short). A configuration is then
 * (state, lo, window words, indeterminate list), stored in one arena of 32-bit integers.
 *
 * Everything in the hot loop lives in typed arrays: the list (next/prev), the linearized set, the
 * stack, the visited set and a per-op memo of model transitions over interned state ids. Model
 * states are interned once, so the loop compares integers, never model values.
 *
 * Memory is counted in bytes (the arena, the tables, interned states) against a budget shared by
 * every partition searched at once; running out ends the search as `budget`, never as an
 * out-of-memory crash. A search is resumable: `advance(quota)` runs at most `quota` steps and keeps
 * its place, so the checker can interleave partitions and stop at the first one that fails.
 *
 * `collectEnds` turns the search into an enumeration of every configuration in which all
 * determinate ops are linearized (the windowed checker carries them across quiescent points).
 */
import { canonicalJson } from '../../core/canonical.js';
import type { AnyModel, ModelOp } from '../models/model.js';
import { valueEqual } from '../models/model.js';

/** An op of the partition: position of its call and return (Infinity: indeterminate). */
export interface SearchOp {
  readonly modelOp: ModelOp;
  readonly callPos: number;
  readonly returnPos: number;
}

/** A configuration with every determinate op linearized: the state, and which indeterminate ops were used. */
export interface EndConfiguration {
  /** Interned state id (see `space.states`). */
  readonly state: number;
  /** Indeterminate ops linearized (partition-local op indices, ascending). */
  readonly used: readonly number[];
}

export type SearchOutcome =
  | { readonly kind: 'linearizable'; readonly order: readonly number[] }
  | { readonly kind: 'violation'; readonly longestPrefix: readonly number[] }
  | { readonly kind: 'budget'; readonly what: 'memory' | 'configurations' }
  | { readonly kind: 'ends'; readonly ends: readonly EndConfiguration[] };

/** Shared memory bound for all live searches. */
export interface SearchBudget {
  /** Bytes in use by live searches (arena, tables, per-op arrays, interned states). */
  usedBytes: number;
  readonly maxBytes: number;
  /** Configurations remembered by live searches. */
  configurations: number;
  readonly maxConfigurations: number;
}

export interface SearchOptions {
  /** Start from this model state instead of `model.init()`. */
  readonly initialState?: unknown;
  /** Enumerate end configurations instead of stopping at the first (see `EndConfiguration`). */
  readonly collectEnds?: boolean;
  /** How configurations are remembered (the defaults suit every history; tests vary them). */
  readonly representation?: Representation;
}

export interface Representation {
  /** Partitions of more ops than this remember windows rather than whole sets. Default 512. */
  readonly wholeMax?: number;
  /** Windowed partitions with more indeterminate ops than this keep them as a list. Default 256. */
  readonly infoBitsetMax?: number;
}

const MEMO_WAYS = 8; // transition memo slots per op, direct-mapped on the state id's low bits
const NO_STATE = -1;
/** Words per record before the bits: hash and state, then (windowed) lo and indeterminate count. */
const WHOLE_HEADER = 2;
const WINDOW_HEADER = 4;
/** Estimated bytes per interned state when the model does not say (object header, table slots). */
const STATE_BYTES = 64;
/**
 * Partitions of up to this many ops remember each configuration's whole linearized set (one
 * bitset, as Porcupine does: fewest instructions per step); larger ones remember windows.
 */
const WHOLE_MAX = 512;
/** In a windowed partition, up to this many indeterminate ops are a bitset rather than a list. */
const INFO_BITSET_MAX = 256;
/** Fixed-size records up to this many words of bits per configuration. */
const MAX_STRIDE_WORDS = 16;

/** Indices 0..count-1 sorted by key (stable); already-sorted input costs one pass. */
function sortedBy(count: number, key: (i: number) => number): number[] {
  const out: number[] = new Array<number>(count);
  let sorted = true;
  for (let i = 0; i < count; i++) {
    out[i] = i;
    if (i > 0 && key(i) < key(i - 1)) sorted = false;
  }
  if (!sorted) out.sort((a, b) => key(a) - key(b) || a - b);
  return out;
}

const EMPTY = new Int32Array(0);

/** Consecutive views of one buffer of 32-bit integers. */
class Slab {
  private readonly buffer: ArrayBuffer;
  private offset = 0;
  constructor(words: number) {
    this.buffer = new ArrayBuffer(4 * words);
  }
  take(words: number): Int32Array {
    const view = new Int32Array(this.buffer, 4 * this.offset, words);
    this.offset += words;
    return view;
  }
}

let zobristTable: Int32Array = new Int32Array(0);

/** The first `count` Zobrist values (a pure function of `count`: the table only grows). */
function zobrist(count: number): Int32Array {
  if (zobristTable.length < count) zobristTable = zobristValues(Math.max(count, 2 * zobristTable.length, 1024));
  return zobristTable;
}

/** splitmix32: the fixed pseudo-random stream behind the Zobrist hashes (seeded, never the global source). */
function zobristValues(count: number): Int32Array {
  const out = new Int32Array(count);
  let x = 0x2545f491;
  for (let i = 0; i < count; i++) {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out[i] = z ^ (z >>> 16);
  }
  return out;
}

/**
 * Interns model states as small integers. Primitive states (numbers, short strings, ...) of a
 * model with default equality go through a native Map; other states through the model's hash
 * (an open-addressing table of ids) and equality.
 */
export class StateSpace {
  readonly states: unknown[] = [];
  /** Estimated bytes held by interned states. */
  bytes = 0;
  private readonly primitive = new Map<unknown, number>();
  // The hashed states' table, allocated when the first non-primitive state arrives.
  private stateHash = EMPTY;
  private table = EMPTY;
  private tableMask = -1;
  private hashed = 0;
  private readonly equal: (a: unknown, b: unknown) => boolean;
  private readonly defaultEquality: boolean;

  constructor(
    readonly model: AnyModel,
    private readonly ops: readonly ModelOp[],
  ) {
    this.defaultEquality = model.equal === undefined;
    this.equal = model.equal === undefined ? valueEqual : (a, b) => model.equal!(a, b);
  }

  private account(state: unknown): void {
    this.bytes += this.model.bytes?.(state) ?? (typeof state === 'string' ? STATE_BYTES + state.length : STATE_BYTES);
  }

  intern(state: unknown): number {
    if (this.defaultEquality && (typeof state !== 'object' || state === null)) {
      // undefined and null are one value to valueEqual: keep them one state.
      const key = state === undefined ? null : state;
      const known = this.primitive.get(key);
      if (known !== undefined) return known;
      const id = this.states.length;
      this.states.push(key);
      this.primitive.set(key, id);
      this.account(key);
      return id;
    }
    const h = this.model.hash(state) | 0;
    if (this.tableMask < 0) {
      this.stateHash = new Int32Array(64);
      this.table = new Int32Array(128);
      this.tableMask = 127;
    }
    const mask = this.tableMask;
    let slot = Math.imul(h, 0x9e3779b1) >>> 0;
    slot = (slot ^ (slot >>> 16)) & mask;
    for (;;) {
      const s = this.table[slot]!;
      if (s === 0) break;
      const id = s - 1;
      if (this.stateHash[id] === h && this.equal(this.states[id], state)) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.states.length;
    this.states.push(state);
    this.account(state);
    if (id >= this.stateHash.length) {
      let size = this.stateHash.length * 2;
      while (size <= id) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.stateHash);
      this.stateHash = grown;
    }
    this.stateHash[id] = h;
    this.table[slot] = id + 1;
    if (++this.hashed * 2 > mask) this.growTable();
    return id;
  }

  private growTable(): void {
    const mask = this.tableMask * 2 + 1;
    const table = new Int32Array(mask + 1);
    for (let id = 0; id < this.states.length; id++) {
      const state = this.states[id];
      if (this.defaultEquality && (typeof state !== 'object' || state === null)) continue;
      let slot = Math.imul(this.stateHash[id]!, 0x9e3779b1) >>> 0;
      slot = (slot ^ (slot >>> 16)) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
    this.tableMask = mask;
  }

  /** Next state id, or NO_STATE when the model rejects the op in that state. */
  step(stateId: number, op: number): number {
    const state = this.states[stateId];
    const result = this.model.step(state, this.ops[op]!);
    if (!result.ok) return NO_STATE;
    // Reads hand back the very state they were given: no need to hash it again.
    return result.nextState === state ? stateId : this.intern(result.nextState);
  }
}

export class PartitionSearch {
  readonly opCount: number;
  readonly space: StateSpace;
  /** Steps taken so far (one step = one candidate tried or one backtrack). */
  steps = 0;
  /** Set once the search has ended. */
  outcome: SearchOutcome | undefined;

  // The history as a list: entries 0..m-1 in real-time order, then HEAD = m, TAIL = m + 1.
  private readonly entryCount: number;
  /** Call entries hold the op index; return entries (and HEAD, TAIL) hold ~op (negative). */
  private readonly entryOp: Int32Array;
  private readonly callEntry: Int32Array;
  private readonly returnEntry: Int32Array;
  /** Per op: 1 for an indeterminate op (no return entry). */
  private readonly indeterminate: Int32Array;
  /**
   * Per indeterminate op: the last earlier indeterminate op identical to it (same f and
   * argument), or -1. Twins are interchangeable (both may take effect any time after their
   * invocations), so a linearization that uses the later one while the earlier is unused has a
   * twin that uses the earlier: the search only places an op once its twin is placed.
   */
  private readonly twin: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly collectEnds: boolean;
  private readonly ends: EndConfiguration[] = [];
  private readonly initialState: number;

  /**
   * Two ways to remember a configuration's linearized set (see the file comment):
   * - whole (small partitions): one bitset over all ops, bit = op index; records [state, bits];
   * - windowed: determinate ops by determinate index (bit = that index), remembered from the
   *   word of `lo` to the last word of lo's window; indeterminate ops apart, as a bitset of their
   *   own (`infoWords` words, bit = `infoIndex`) or, when there are many, a sorted list.
   *   Records [state, lo, indeterminate count, window words, indeterminate words or list].
   */
  private readonly windowed: boolean;
  /** Per op: its bit in `bits`, or -1 (an indeterminate op of a windowed partition). */
  private readonly bitOf: Int32Array;
  /** Per determinate index: the last word its window needs (windowed only). */
  private readonly windowLastWord: Int32Array;
  private readonly infoWords: number;
  private readonly infoIndex: Int32Array;
  /**
   * Records of a fixed size (`stride` words, padded) when every record fits MAX_STRIDE_WORDS:
   * an entry's record is then at entry × stride, one memory access from its slot. 0: records of
   * varying size, found through `entOff`.
   */
  private readonly stride: number;

  // Search state, kept between `advance` calls.
  private readonly bits: Int32Array;
  /** Earliest determinate index not linearized (windowed only). */
  private lo = 0;
  /** Linearized indeterminate ops: how many; their bitset, or their op indices ascending (list mode). */
  private usedCount = 0;
  private readonly infoBits: Int32Array;
  private readonly used: Int32Array;
  private readonly zobOp: Int32Array;
  private readonly memoKey: Int32Array;
  private readonly memoVal: Int32Array;
  /** Open addressing over entries: a slot holds entry + 1 (0: empty); the hash is in the record. */
  private slotMask: number;
  private slots: Int32Array;
  private entCap: number;
  private entOff: Int32Array;
  private arena: Int32Array;
  private arenaUsed = 0;
  private entCount = 0;
  private readonly stackEntry: Int32Array;
  private readonly stackState: Int32Array;
  private readonly stackZob: Int32Array;
  private depth = 0;
  private bestDepth = 0;
  /** The stack below this depth has not changed since `best` was last copied from it. */
  private lowWater = 0;
  private readonly best: Int32Array;
  private state: number;
  private zob = 0;
  private pending: number;
  private entry: number;
  /** Bytes charged to the budget so far (the fixed arrays and what has grown since). */
  private charged = 0;

  constructor(model: AnyModel, ops: readonly SearchOp[], options: SearchOptions = {}) {
    const n = ops.length;
    this.opCount = n;
    this.collectEnds = options.collectEnds === true;
    this.space = new StateSpace(model, ops.map((op) => op.modelOp));
    // Entries in real-time order: merge the calls (by callPos) with the returns (by returnPos).
    // At equal positions calls come first: ops that touch in time are concurrent.
    const byCall = sortedBy(n, (i) => ops[i]!.callPos);
    const determinateOps: number[] = [];
    for (let i = 0; i < n; i++) if (ops[i]!.returnPos !== Infinity) determinateOps.push(i);
    const byReturn = sortedBy(determinateOps.length, (k) => ops[determinateOps[k]!]!.returnPos).map((k) => determinateOps[k]!);
    const d = byReturn.length;
    const m = n + d;
    const infoCount = n - d;
    this.entryCount = m;
    this.windowed = n > (options.representation?.wholeMax ?? WHOLE_MAX);
    this.infoWords = !this.windowed ? 0 : infoCount <= (options.representation?.infoBitsetMax ?? INFO_BITSET_MAX) ? (infoCount + 31) >>> 5 : 0;
    const bitWords = this.windowed ? (d + 32) >>> 5 : Math.max(1, (n + 31) >>> 5);
    // Room for about one configuration per op before the first doubling.
    const capacity = 1 << Math.max(4, Math.min(16, 32 - Math.clz32(n)));
    // A small partition's records have a known size: its first tables come from the slab too.
    const wholeStride = WHOLE_HEADER + bitWords;
    const wholeTables = this.windowed ? 0 : 2 * capacity + capacity * wholeStride;
    // Every fixed array is a view of one buffer: one allocation per search, not twenty.
    const slab = new Slab(
      3 * (m + 2) + 5 * n + (this.windowed ? d + 1 : 0) + bitWords + Math.max(1, this.infoWords) + (this.windowed ? Math.max(1, infoCount) : 1) + 2 * MEMO_WAYS * n + 4 * (n + 1) + n + wholeTables,
    );
    this.entryOp = slab.take(m + 2).fill(-1); // HEAD and TAIL read as returns: ~0
    this.callEntry = slab.take(n).fill(-1);
    this.returnEntry = slab.take(n).fill(-1);
    for (let e = 0, c = 0, r = 0; e < m; e++) {
      const callNext = c < n && (r >= d || ops[byCall[c]!]!.callPos <= ops[byReturn[r]!]!.returnPos);
      if (callNext) {
        const op = byCall[c++]!;
        this.entryOp[e] = op;
        this.callEntry[op] = e;
      } else {
        const op = byReturn[r++]!;
        this.entryOp[e] = ~op;
        this.returnEntry[op] = e;
      }
    }
    this.next = slab.take(m + 2);
    this.prev = slab.take(m + 2);
    this.linkAll(this.next, this.prev);

    this.bitOf = slab.take(n).fill(-1);
    this.infoIndex = slab.take(n).fill(-1);
    const indeterminate = slab.take(n);
    for (let i = 0, info = 0; i < n; i++) {
      if (ops[i]!.returnPos === Infinity) {
        indeterminate[i] = 1;
        this.infoIndex[i] = info++;
      }
    }
    this.indeterminate = indeterminate;
    this.twin = slab.take(n).fill(-1);
    const lastTwin = new Map<string, number>();
    for (const i of byCall) {
      if (indeterminate[i] === 0) continue;
      const op = ops[i]!.modelOp;
      let key: string;
      try {
        key = `${op.f}\u0000${canonicalJson(op.input)}`;
      } catch {
        continue; // not plain data: no twin
      }
      const before = lastTwin.get(key);
      if (before !== undefined) this.twin[i] = before;
      lastTwin.set(key, i);
    }
    if (!this.windowed) {
      for (let i = 0; i < n; i++) this.bitOf[i] = i;
      this.windowLastWord = EMPTY;
    } else {
      // Determinate ops numbered by the order of their call entries.
      const byCallEntry = determinateOps.sort((a, b) => this.callEntry[a]! - this.callEntry[b]!);
      byCallEntry.forEach((op, k) => (this.bitOf[op] = k));
      // Window of determinate index k: the determinate ops whose call entry precedes k's return.
      this.windowLastWord = slab.take(d + 1);
      for (let k = 0; k < d; k++) {
        const returnAt = this.returnEntry[byCallEntry[k]!]!;
        let lastInside = k;
        let lo = k;
        let hi = d - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          if (this.callEntry[byCallEntry[mid]!]! < returnAt) {
            lastInside = mid;
            lo = mid + 1;
          } else {
            hi = mid - 1;
          }
        }
        this.windowLastWord[k] = lastInside >>> 5;
      }
      this.windowLastWord[d] = d >>> 5;
    }
    this.bits = slab.take(bitWords);
    this.infoBits = slab.take(Math.max(1, this.infoWords));
    this.used = this.windowed ? slab.take(Math.max(1, infoCount)) : slab.take(1);
    this.zobOp = zobrist(n);
    this.memoKey = slab.take(n * MEMO_WAYS); // holds state + 1: zero is "not yet known"
    this.memoVal = slab.take(n * MEMO_WAYS);
    this.stackEntry = slab.take(n + 1);
    this.stackState = slab.take(n + 1);
    this.stackZob = slab.take(n + 1);
    this.best = slab.take(n + 1);

    let widest = bitWords;
    if (this.windowed) {
      widest = 1;
      for (let k = 0; k <= d; k++) widest = Math.max(widest, this.windowLastWord[k]! - (k >>> 5) + 1);
    }
    const infoPart = this.windowed ? (this.infoWords > 0 || infoCount === 0 ? this.infoWords : -1) : 0;
    const header = this.windowed ? WINDOW_HEADER : WHOLE_HEADER;
    this.stride = !this.windowed ? wholeStride : infoPart >= 0 && widest + infoPart <= MAX_STRIDE_WORDS ? header + widest + infoPart : 0;
    this.entCap = capacity;
    this.entOff = this.stride > 0 ? EMPTY : new Int32Array(capacity);
    this.slotMask = 2 * capacity - 1;
    this.slots = this.windowed ? new Int32Array(2 * capacity) : slab.take(2 * capacity);
    this.arena = this.windowed ? new Int32Array(capacity * (this.stride > 0 ? this.stride : header + 2)) : slab.take(capacity * wholeStride);
    this.initialState = this.space.intern(options.initialState !== undefined ? options.initialState : model.init());
    this.state = this.initialState;
    this.pending = d;
    this.entry = this.next[m]!;
    if (d === 0) {
      this.outcome = this.collectEnds ? { kind: 'ends', ends: [{ state: this.state, used: [] }] } : { kind: 'linearizable', order: [] };
    }
  }

  /** Configurations remembered. */
  get cacheEntries(): number {
    return this.entCount;
  }

  /** Bytes this search holds against the budget. */
  get bytes(): number {
    return this.charged;
  }

  /** Links every entry, in order, between HEAD and TAIL. */
  private linkAll(next: Int32Array, prev: Int32Array): void {
    const m = this.entryCount;
    const head = m;
    const tail = m + 1;
    let last = head;
    for (let e = 0; e < m; e++) {
      next[last] = e;
      prev[e] = last;
      last = e;
    }
    next[last] = tail;
    prev[tail] = last;
    next[tail] = tail;
    prev[head] = head;
  }

  /** Everything but the growing tables: fixed per-op and per-entry arrays. */
  private fixedBytes(): number {
    const n = this.opCount;
    const m = this.entryCount;
    return 4 * (n * (2 * MEMO_WAYS + 11) + 3 * (m + 2) + this.bits.length + this.infoBits.length + this.windowLastWord.length) + n * 97;
  }

  /** Bytes of the growing tables and interned states. */
  private growingBytes(): number {
    return 4 * (this.slots.length + this.entOff.length + this.arena.length) + this.space.bytes;
  }

  /** Frees the tables of a finished search (its outcome, prefix and `explain` stay). */
  release(budget: SearchBudget): void {
    budget.usedBytes -= this.charged;
    budget.configurations -= this.entCount;
    this.charged = 0;
    // entCount stays: it is the count of configurations this search remembered.
    this.slots = EMPTY;
    this.entOff = EMPTY;
    this.arena = EMPTY;
  }

  /** Brings the budget up to date with this search's size; false when it no longer fits. */
  private charge(budget: SearchBudget): boolean {
    const now = this.fixedBytes() + this.growingBytes();
    budget.usedBytes += now - this.charged;
    this.charged = now;
    return budget.usedBytes <= budget.maxBytes;
  }

  /**
   * Room for one more configuration of `arenaNeeded` arena words after `entCount` entries:
   * grows the arena and the entry arrays within the budget. Returns what ran out, if anything.
   */
  private makeRoom(arenaNeeded: number, entCount: number, budget: SearchBudget): 'memory' | 'configurations' | undefined {
    if (budget.configurations >= budget.maxConfigurations) return 'configurations';
    let grow = 0;
    let capacity = this.arena.length;
    while (capacity < arenaNeeded) capacity *= 2;
    grow += 4 * (capacity - this.arena.length);
    const entCap = entCount === this.entCap ? 2 * this.entCap : this.entCap;
    if (this.stride === 0) grow += 4 * (entCap - this.entCap);
    if (budget.usedBytes + grow > budget.maxBytes) return 'memory';
    if (capacity !== this.arena.length) {
      const grown = new Int32Array(capacity);
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    if (entCap !== this.entCap) {
      if (this.stride === 0) {
        const off = new Int32Array(entCap);
        off.set(this.entOff);
        this.entOff = off;
      }
      this.entCap = entCap;
    }
    budget.usedBytes += grow;
    this.charged += grow;
    return undefined;
  }

  /** Doubles the slot table and reinserts every entry. */
  private rehash(budget: SearchBudget): void {
    const grownBytes = 4 * this.slots.length;
    budget.usedBytes += grownBytes;
    this.charged += grownBytes;
    const slotMask = this.slotMask * 2 + 1;
    const slots = new Int32Array(slotMask + 1);
    const arena = this.arena;
    const stride = this.stride;
    for (let e = 0; e < this.entCount; e++) {
      const eh = arena[stride > 0 ? e * stride : this.entOff[e]!]!;
      let s = (eh ^ (eh >>> 15)) & slotMask;
      while (slots[s] !== 0) s = (s + 1) & slotMask;
      slots[s] = e + 1;
    }
    this.slots = slots;
    this.slotMask = slotMask;
  }

  /** The indeterminate ops linearized now, ascending. */
  private usedOps(): number[] {
    const out: number[] = [];
    if (this.windowed && this.infoWords === 0) {
      for (let u = 0; u < this.usedCount; u++) out.push(this.used[u]!);
      return out;
    }
    for (let o = 0; o < this.opCount; o++) {
      if (this.indeterminate[o] === 0) continue;
      const bit = this.windowed ? this.infoIndex[o]! : o;
      const words = this.windowed ? this.infoBits : this.bits;
      if ((words[bit >>> 5]! & (1 << (bit & 31))) !== 0) out.push(o);
    }
    return out;
  }

  /** The longest linearizable prefix found so far (op indices, in order). */
  longestPrefix(): number[] {
    const out: number[] = [];
    if (this.depth > this.bestDepth) {
      for (let i = 0; i < this.depth; i++) out.push(this.entryOp[this.stackEntry[i]!]!);
    } else {
      for (let i = 0; i < this.bestDepth; i++) out.push(this.best[i]!);
    }
    return out;
  }

  /**
   * Runs at most `quota` steps. Returns the outcome once the search has ended, else undefined
   * (call again to continue).
   */
  advance(quota: number, budget: SearchBudget): SearchOutcome | undefined {
    if (this.outcome !== undefined) return this.outcome;
    if (!this.charge(budget)) return (this.outcome = { kind: 'budget', what: 'memory' });
    // Hoist everything into locals: the loop below is the checker's whole cost.
    const HEAD = this.entryCount;
    const TAIL = HEAD + 1;
    const entryOp = this.entryOp;
    const returnEntry = this.returnEntry;
    const indeterminate = this.indeterminate;
    const twin = this.twin;
    const bitOf = this.bitOf;
    const windowed = this.windowed;
    const windowLastWord = this.windowLastWord;
    const wholeLastWord = this.bits.length - 1;
    const header = windowed ? WINDOW_HEADER : WHOLE_HEADER;
    const space = this.space;
    const next = this.next;
    const prev = this.prev;
    const bits = this.bits;
    const used = this.used;
    const infoWords = this.infoWords;
    const infoIndex = this.infoIndex;
    const infoBits = this.infoBits;
    const zobOp = this.zobOp;
    const memoKey = this.memoKey;
    const memoVal = this.memoVal;
    const stackEntry = this.stackEntry;
    const stackState = this.stackState;
    const stackZob = this.stackZob;
    const best = this.best;
    const collectEnds = this.collectEnds;
    const stride = this.stride;
    const maxConfigurations = budget.maxConfigurations;
    let configurations = budget.configurations;
    let slotMask = this.slotMask;
    let slots = this.slots;
    let entCap = this.entCap;
    let entOff = this.entOff;
    let arena = this.arena;
    let arenaUsed = this.arenaUsed;
    let entCount = this.entCount;
    let depth = this.depth;
    let bestDepth = this.bestDepth;
    let lowWater = this.lowWater;
    let lo = this.lo;
    let usedCount = this.usedCount;
    let state = this.state;
    let zob = this.zob;
    let pending = this.pending;
    let entry = this.entry;
    let left = quota;
    let outcome: SearchOutcome | undefined;

    while (left > 0) {
      left--;
      const o = entryOp[entry]!;
      if (o >= 0) {
        // A call that may go next: try it.
        const mi = o * MEMO_WAYS + (state & (MEMO_WAYS - 1));
        let ns: number;
        if (memoKey[mi] === state + 1) {
          ns = memoVal[mi]!;
        } else {
          ns = space.step(state, o);
          memoKey[mi] = state + 1;
          memoVal[mi] = ns;
        }
        // An indeterminate op that changes nothing here is the same as one that never happened,
        // which the search covers anyway: placing it would only add dominated configurations.
        if (ns === NO_STATE || (ns === state && indeterminate[o] === 1)) {
          entry = next[entry]!;
          continue;
        }
        const t = twin[o]!;
        if (t >= 0) {
          // Place an indeterminate op only once its earlier twin is placed (see `twin`).
          const tb = windowed ? (infoWords > 0 ? infoIndex[t]! : -1) : t;
          if (tb >= 0 && ((windowed ? infoBits : bits)[tb >>> 5]! & (1 << (tb & 31))) === 0) {
            entry = next[entry]!;
            continue;
          }
        }
        // The configuration after placing o: set its bit (or add it to the used indeterminate
        // ops), and, windowed, find the new lo.
        const b = bitOf[o]!;
        let nlo = lo;
        let at = 0;
        if (b >= 0) {
          bits[b >>> 5] = bits[b >>> 5]! | (1 << (b & 31));
          if (windowed && b === lo) {
            let w = (lo + 1) >>> 5;
            let word = ~bits[w]! & (-1 << ((lo + 1) & 31));
            while (word === 0) word = ~bits[++w]!;
            nlo = (w << 5) + (31 - Math.clz32(word & -word));
          }
        } else if (infoWords > 0) {
          const ii = infoIndex[o]!;
          infoBits[ii >>> 5] = infoBits[ii >>> 5]! | (1 << (ii & 31));
          usedCount++;
        } else {
          at = usedCount;
          while (at > 0 && used[at - 1]! > o) {
            used[at] = used[at - 1]!;
            at--;
          }
          used[at] = o;
          usedCount++;
        }
        const nz = zob ^ zobOp[o]!;
        const h = nz ^ Math.imul(ns + 1, 0x9e3779b1);
        const firstWord = windowed ? nlo >>> 5 : 0;
        const lastWord = windowed ? windowLastWord[nlo]! : wholeLastWord;
        let slot = (h ^ (h >>> 15)) & slotMask;
        let seen = false;
        for (;;) {
          const s = slots[slot]!;
          if (s === 0) break;
          let p = stride > 0 ? (s - 1) * stride : entOff[s - 1]!;
          if (arena[p] === h && arena[p + 1] === ns) {
            if (!windowed || (arena[p + 2] === nlo && arena[p + 3] === usedCount)) {
              p += header;
              let same = true;
              for (let w = firstWord; w <= lastWord; w++, p++) {
                if (arena[p] !== bits[w]) {
                  same = false;
                  break;
                }
              }
              if (infoWords > 0) {
                for (let w = 0; same && w < infoWords; w++, p++) if (arena[p] !== infoBits[w]) same = false;
              } else if (windowed) {
                for (let u = 0; same && u < usedCount; u++, p++) if (arena[p] !== used[u]) same = false;
              }
              if (same) {
                seen = true;
                break;
              }
            }
          }
          slot = (slot + 1) & slotMask;
        }
        if (!seen) {
          const size = stride > 0 ? stride : header + (lastWord - firstWord + 1) + (infoWords > 0 ? infoWords : usedCount);
          if (arenaUsed + size > arena.length || entCount === entCap || configurations >= maxConfigurations) {
            // The rare path, out of the loop: grow the tables, or stop over budget.
            this.arena = arena;
            this.arenaUsed = arenaUsed;
            this.entOff = entOff;
            this.entCap = entCap;
            budget.configurations = configurations;
            const stop = this.makeRoom(arenaUsed + size, entCount, budget);
            arena = this.arena;
            entOff = this.entOff;
            entCap = this.entCap;
            if (stop !== undefined) {
              seen = true; // undo below, then stop
              outcome = { kind: 'budget', what: stop };
            }
          }
        }
        if (seen) {
          if (b >= 0) bits[b >>> 5] = bits[b >>> 5]! & ~(1 << (b & 31));
          else if (infoWords > 0) {
            const ii = infoIndex[o]!;
            infoBits[ii >>> 5] = infoBits[ii >>> 5]! & ~(1 << (ii & 31));
            usedCount--;
          } else {
            for (let u = at; u < usedCount - 1; u++) used[u] = used[u + 1]!;
            usedCount--;
          }
          if (outcome !== undefined) break;
          entry = next[entry]!;
          continue;
        }
        // A new configuration: remember it, then descend.
        configurations++;
        const ent = entCount++;
        if (stride > 0) arenaUsed = ent * stride;
        else entOff[ent] = arenaUsed;
        arena[arenaUsed++] = h;
        arena[arenaUsed++] = ns;
        if (windowed) {
          arena[arenaUsed++] = nlo;
          arena[arenaUsed++] = usedCount;
        }
        for (let w = firstWord; w <= lastWord; w++) arena[arenaUsed++] = bits[w]!;
        if (infoWords > 0) for (let w = 0; w < infoWords; w++) arena[arenaUsed++] = infoBits[w]!;
        else if (windowed) for (let u = 0; u < usedCount; u++) arena[arenaUsed++] = used[u]!;
        if (stride > 0) arenaUsed = (ent + 1) * stride;
        slots[slot] = ent + 1;
        if (entCount * 2 > slotMask) {
          // Keep the load under one half: rehash every entry into a table twice the size.
          this.arena = arena;
          this.entOff = entOff;
          this.entCount = entCount;
          this.rehash(budget);
          slots = this.slots;
          slotMask = this.slotMask;
        }
        stackEntry[depth] = entry;
        stackState[depth] = state;
        stackZob[depth] = zob;
        depth++;
        state = ns;
        zob = nz;
        lo = nlo;
        // Lift: unlink the call and its return (dancing links: their own pointers stay intact).
        let p = prev[entry]!;
        let q = next[entry]!;
        next[p] = q;
        prev[q] = p;
        if (indeterminate[o] === 0) {
          const r = returnEntry[o]!;
          p = prev[r]!;
          q = next[r]!;
          next[p] = q;
          prev[q] = p;
          if (--pending === 0) {
            if (!collectEnds) {
              const order: number[] = [];
              for (let i = 0; i < depth; i++) order.push(entryOp[stackEntry[i]!]!);
              outcome = { kind: 'linearizable', order };
              break;
            }
            // Record the end configuration, then backtrack from it as from a dead end: more
            // indeterminate ops after the last determinate one are the next window's choice.
            this.usedCount = usedCount;
            this.ends.push({ state, used: this.usedOps() });
            entry = TAIL;
            continue;
          }
        }
        entry = next[HEAD]!;
        continue;
      }
      // A return (or TAIL): the op it closes cannot be placed in this configuration. Backtrack.
      if (depth === 0) {
        if (collectEnds && this.ends.length > 0) {
          outcome = { kind: 'ends', ends: this.ends };
        } else {
          const longestPrefix: number[] = [];
          for (let i = 0; i < bestDepth; i++) longestPrefix.push(best[i]!);
          outcome = { kind: 'violation', longestPrefix };
        }
        break;
      }
      if (depth > bestDepth) {
        // The deepest stack so far: the longest linearizable prefix, if the search ends up failing.
        for (let i = lowWater; i < depth; i++) best[i] = entryOp[stackEntry[i]!]!;
        bestDepth = depth;
        lowWater = depth;
      }
      depth--;
      if (depth < lowWater) lowWater = depth;
      entry = stackEntry[depth]!;
      state = stackState[depth]!;
      zob = stackZob[depth]!;
      const lifted = entryOp[entry]!;
      const b = bitOf[lifted]!;
      // Unlift in reverse order of lifting: the return first, then the call.
      if (b >= 0) {
        bits[b >>> 5] = bits[b >>> 5]! & ~(1 << (b & 31));
        if (b < lo) lo = b;
      } else if (infoWords > 0) {
        const ii = infoIndex[lifted]!;
        infoBits[ii >>> 5] = infoBits[ii >>> 5]! & ~(1 << (ii & 31));
        usedCount--;
      } else {
        let u = 0;
        while (used[u] !== lifted) u++;
        for (; u < usedCount - 1; u++) used[u] = used[u + 1]!;
        usedCount--;
      }
      if (indeterminate[lifted] === 0) {
        const r = returnEntry[lifted]!;
        next[prev[r]!] = r;
        prev[next[r]!] = r;
        pending++;
      }
      next[prev[entry]!] = entry;
      prev[next[entry]!] = entry;
      entry = next[entry]!;
    }

    this.steps += quota - left;
    budget.configurations = configurations;
    this.slotMask = slotMask;
    this.slots = slots;
    this.entCap = entCap;
    this.entOff = entOff;
    this.arena = arena;
    this.arenaUsed = arenaUsed;
    this.entCount = entCount;
    this.depth = depth;
    this.bestDepth = bestDepth;
    this.lowWater = lowWater;
    this.lo = lo;
    this.usedCount = usedCount;
    this.state = state;
    this.zob = zob;
    this.pending = pending;
    this.entry = entry;
    this.outcome = outcome;
    // Interned states grow outside the loop's own accounting: settle them now.
    if (outcome === undefined && !this.charge(budget)) this.outcome = outcome = { kind: 'budget', what: 'memory' };
    return outcome;
  }

  /**
   * Why the search got stuck after `prefix`: the state it leaves, each op that could go next by
   * real-time order (with whether the model rejects it or it only leads to dead ends), and the
   * earliest-completing op left out (it must be placed before anything invoked after it returns).
   * For a search that has stopped: it reuses the search's list, which cannot go on after.
   */
  explain(prefix: readonly number[]): {
    readonly state: unknown;
    readonly candidates: readonly { readonly op: number; readonly rejected: boolean }[];
    readonly blockedBy: number | undefined;
  } {
    // The search is over: its own list is relinked for the replay.
    const next = this.next;
    const prev = this.prev;
    this.linkAll(next, prev);
    const unlink = (e: number): void => {
      next[prev[e]!] = next[e]!;
      prev[next[e]!] = prev[e]!;
    };
    let state = this.initialState;
    for (const op of prefix) {
      const ns = this.space.step(state, op);
      if (ns === NO_STATE) throw new Error(`linearizability: replaying the longest prefix, the model rejected op ${op} (is its step deterministic?)`);
      state = ns;
      unlink(this.callEntry[op]!);
      const r = this.returnEntry[op]!;
      if (r >= 0) unlink(r);
    }
    const candidates: { op: number; rejected: boolean }[] = [];
    let blockedBy: number | undefined;
    const tail = this.entryCount + 1;
    for (let e = next[this.entryCount]!; e !== tail; e = next[e]!) {
      const o = this.entryOp[e]!;
      if (o < 0) {
        blockedBy = ~o;
        break;
      }
      const ns = this.space.step(state, o);
      // Indeterminate ops that would change nothing are not worth listing: they are optional.
      if (this.indeterminate[o] === 1 && (ns === NO_STATE || ns === state)) continue;
      candidates.push({ op: o, rejected: ns === NO_STATE });
    }
    return { state: this.space.states[state], candidates, blockedBy };
  }
}
