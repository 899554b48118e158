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
 * Everything in the hot loop lives in typed arrays: the list (next/prev), the linearized set (a
 * bitset with an incrementally maintained Zobrist hash), the stack, the visited set (open
 * addressing over a pool of bitsets) and a per-op memo of model transitions over interned state
 * ids. Model states are interned once, so the loop compares integers, never model values.
 *
 * A search is resumable: `advance(quota)` runs at most `quota` steps and keeps its place, so the
 * checker can interleave partitions and stop at the first one that fails.
 */
import type { AnyModel, ModelOp } from '../models/model.js';
import { valueEqual } from '../models/model.js';

/** An op of the partition: position of its call and return (Infinity: indeterminate). */
export interface SearchOp {
  readonly modelOp: ModelOp;
  readonly callPos: number;
  readonly returnPos: number;
}

export type SearchOutcome =
  | { readonly kind: 'linearizable'; readonly order: readonly number[] }
  | { readonly kind: 'violation'; readonly longestPrefix: readonly number[] }
  | { readonly kind: 'cache-full' };

/** Shared memory bound: configurations remembered by all live searches together. */
export interface CacheBudget {
  live: number;
  readonly max: number;
}

const MEMO_WAYS = 8; // transition memo slots per op, direct-mapped on the state id's low bits
const NO_STATE = -1;
const UNKNOWN = -2;

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
  private readonly primitive = new Map<unknown, number>();
  private stateHash = new Int32Array(64);
  private table = new Int32Array(128);
  private tableMask = 127;
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

  intern(state: unknown): number {
    if (this.defaultEquality && (typeof state !== 'object' || state === null)) {
      // undefined and null are one value to valueEqual: keep them one state.
      const key = state === undefined ? null : state;
      const known = this.primitive.get(key);
      if (known !== undefined) return known;
      const id = this.states.length;
      this.states.push(key);
      this.primitive.set(key, id);
      return id;
    }
    const h = this.model.hash(state) | 0;
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
  /** Call entries hold the op index; return entries hold ~op (negative). */
  private readonly entryOp: Int32Array;
  private readonly callEntry: Int32Array;
  private readonly returnEntry: Int32Array;
  private readonly known: Uint8Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;

  // Search state, kept between `advance` calls.
  private readonly words: number;
  private readonly bits: Int32Array;
  private readonly zobOp: Int32Array;
  private readonly memoKey: Int32Array;
  private readonly memoVal: Int32Array;
  private slotMask = 1023;
  private slots = new Int32Array(1024);
  private entCap = 256;
  private entHash = new Int32Array(256);
  private entState = new Int32Array(256);
  private pool: Int32Array;
  private entCount = 0;
  private readonly stackEntry: Int32Array;
  private readonly stackState: Int32Array;
  private readonly stackZob: Int32Array;
  private depth = 0;
  private bestDepth = -1;
  private best = new Int32Array(0);
  private state: number;
  private zob = 0;
  private pending: number;
  private entry: number;

  constructor(model: AnyModel, ops: readonly SearchOp[]) {
    const n = ops.length;
    this.opCount = n;
    this.space = new StateSpace(model, ops.map((op) => op.modelOp));
    this.known = new Uint8Array(n);
    const events: { pos: number; isReturn: boolean; op: number }[] = [];
    let determinate = 0;
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      events.push({ pos: op.callPos, isReturn: false, op: i });
      if (op.returnPos !== Infinity) {
        events.push({ pos: op.returnPos, isReturn: true, op: i });
        this.known[i] = 1;
        determinate++;
      }
    }
    // Calls before returns at equal positions: ops that touch in time are concurrent.
    events.sort((a, b) => a.pos - b.pos || Number(a.isReturn) - Number(b.isReturn) || a.op - b.op);
    const m = events.length;
    this.entryCount = m;
    this.entryOp = new Int32Array(m + 2).fill(-1); // HEAD and TAIL never read as ops
    this.callEntry = new Int32Array(n).fill(-1);
    this.returnEntry = new Int32Array(n).fill(-1);
    for (let e = 0; e < m; e++) {
      const event = events[e]!;
      this.entryOp[e] = event.isReturn ? ~event.op : event.op;
      if (event.isReturn) this.returnEntry[event.op] = e;
      else this.callEntry[event.op] = e;
    }
    const list = this.freshList();
    this.next = list.next;
    this.prev = list.prev;

    this.words = Math.max(1, (n + 31) >>> 5);
    this.bits = new Int32Array(this.words);
    this.zobOp = zobristValues(n);
    this.memoKey = new Int32Array(n * MEMO_WAYS).fill(UNKNOWN);
    this.memoVal = new Int32Array(n * MEMO_WAYS);
    this.pool = new Int32Array(this.entCap * this.words);
    this.stackEntry = new Int32Array(n + 1);
    this.stackState = new Int32Array(n + 1);
    this.stackZob = new Int32Array(n + 1);
    this.state = this.space.intern(model.init());
    this.pending = determinate;
    this.entry = this.next[m]!;
    if (determinate === 0) this.outcome = { kind: 'linearizable', order: [] };
  }

  /** Configurations remembered. */
  get cacheEntries(): number {
    return this.entCount;
  }

  private freshList(): { next: Int32Array; prev: Int32Array } {
    const m = this.entryCount;
    const next = new Int32Array(m + 2);
    const prev = new Int32Array(m + 2);
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
    return { next, prev };
  }

  /** Frees the memory of a finished search (its outcome stays). */
  release(cache: CacheBudget): void {
    cache.live -= this.entCount;
    this.entCount = 0;
    this.slots = new Int32Array(0);
    this.entHash = new Int32Array(0);
    this.entState = new Int32Array(0);
    this.pool = new Int32Array(0);
  }

  /**
   * Runs at most `quota` steps. Returns the outcome once the search has ended, else undefined
   * (call again to continue).
   */
  advance(quota: number, cache: CacheBudget): SearchOutcome | undefined {
    if (this.outcome !== undefined) return this.outcome;
    // Hoist everything into locals: the loop below is the checker's whole cost.
    const HEAD = this.entryCount;
    const entryOp = this.entryOp;
    const returnEntry = this.returnEntry;
    const known = this.known;
    const space = this.space;
    const next = this.next;
    const prev = this.prev;
    const words = this.words;
    const bits = this.bits;
    const zobOp = this.zobOp;
    const memoKey = this.memoKey;
    const memoVal = this.memoVal;
    const stackEntry = this.stackEntry;
    const stackState = this.stackState;
    const stackZob = this.stackZob;
    let slotMask = this.slotMask;
    let slots = this.slots;
    let entCap = this.entCap;
    let entHash = this.entHash;
    let entState = this.entState;
    let pool = this.pool;
    let entCount = this.entCount;
    let depth = this.depth;
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
        if (memoKey[mi] === state) {
          ns = memoVal[mi]!;
        } else {
          ns = space.step(state, o);
          memoKey[mi] = state;
          memoVal[mi] = ns;
        }
        // An indeterminate op that changes nothing here is the same as one that never happened,
        // which the search covers anyway: placing it would only add dominated configurations.
        if (ns === NO_STATE || (ns === state && known[o] === 0)) {
          entry = next[entry]!;
          continue;
        }
        const w = o >>> 5;
        const bit = 1 << (o & 31);
        bits[w] = bits[w]! ^ bit;
        const nz = zob ^ zobOp[o]!;
        const h = nz ^ Math.imul(ns + 1, 0x9e3779b1);
        let slot = (h ^ (h >>> 15)) & slotMask;
        let seen = false;
        for (;;) {
          const s = slots[slot]!;
          if (s === 0) break;
          const ent = s - 1;
          if (entHash[ent] === h && entState[ent] === ns) {
            let base = ent * words;
            let same = true;
            for (let i = 0; i < words; i++, base++) {
              if (pool[base] !== bits[i]) {
                same = false;
                break;
              }
            }
            if (same) {
              seen = true;
              break;
            }
          }
          slot = (slot + 1) & slotMask;
        }
        if (seen) {
          bits[w] = bits[w]! ^ bit;
          entry = next[entry]!;
          continue;
        }
        // A new configuration: remember it, then descend.
        if (cache.live >= cache.max) {
          bits[w] = bits[w]! ^ bit;
          outcome = { kind: 'cache-full' };
          break;
        }
        cache.live++;
        if (entCount === entCap) {
          entCap *= 2;
          const grownHash = new Int32Array(entCap);
          grownHash.set(entHash);
          entHash = grownHash;
          const grownState = new Int32Array(entCap);
          grownState.set(entState);
          entState = grownState;
          const grownPool = new Int32Array(entCap * words);
          grownPool.set(pool);
          pool = grownPool;
        }
        const ent = entCount++;
        entHash[ent] = h;
        entState[ent] = ns;
        const base = ent * words;
        for (let i = 0; i < words; i++) pool[base + i] = bits[i]!;
        slots[slot] = ent + 1;
        if (entCount * 2 > slotMask) {
          // Keep the load under one half: rehash every entry into a table twice the size.
          slotMask = slotMask * 2 + 1;
          slots = new Int32Array(slotMask + 1);
          for (let e = 0; e < entCount; e++) {
            const eh = entHash[e]!;
            let s = (eh ^ (eh >>> 15)) & slotMask;
            while (slots[s] !== 0) s = (s + 1) & slotMask;
            slots[s] = e + 1;
          }
        }
        stackEntry[depth] = entry;
        stackState[depth] = state;
        stackZob[depth] = zob;
        depth++;
        state = ns;
        zob = nz;
        // Lift: unlink the call and its return (dancing links: their own pointers stay intact).
        let p = prev[entry]!;
        let q = next[entry]!;
        next[p] = q;
        prev[q] = p;
        if (known[o] === 1) {
          const r = returnEntry[o]!;
          p = prev[r]!;
          q = next[r]!;
          next[p] = q;
          prev[q] = p;
          if (--pending === 0) {
            const order: number[] = [];
            for (let i = 0; i < depth; i++) order.push(entryOp[stackEntry[i]!]!);
            outcome = { kind: 'linearizable', order };
            break;
          }
        }
        entry = next[HEAD]!;
        continue;
      }
      // A return: the op it closes cannot be placed in this configuration. Backtrack.
      if (depth === 0) {
        const longestPrefix: number[] = [];
        for (let i = 0; i < this.bestDepth; i++) longestPrefix.push(this.best[i]!);
        outcome = { kind: 'violation', longestPrefix };
        break;
      }
      if (depth > this.bestDepth) this.recordBest(depth);
      depth--;
      entry = stackEntry[depth]!;
      state = stackState[depth]!;
      zob = stackZob[depth]!;
      const lifted = entryOp[entry]!;
      bits[lifted >>> 5] = bits[lifted >>> 5]! ^ (1 << (lifted & 31));
      // Unlift in reverse order of lifting: the return first, then the call.
      if (known[lifted] === 1) {
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
    this.slotMask = slotMask;
    this.slots = slots;
    this.entCap = entCap;
    this.entHash = entHash;
    this.entState = entState;
    this.pool = pool;
    this.entCount = entCount;
    this.depth = depth;
    this.state = state;
    this.zob = zob;
    this.pending = pending;
    this.entry = entry;
    this.outcome = outcome;
    return outcome;
  }

  /** The deepest stack so far: the longest linearizable prefix, if the search ends up failing. */
  private recordBest(depth: number): void {
    this.bestDepth = depth;
    if (this.best.length < depth) this.best = new Int32Array(this.opCount);
    for (let i = 0; i < depth; i++) this.best[i] = this.entryOp[this.stackEntry[i]!]!;
  }

  /**
   * Why the search got stuck after `prefix`: the state it leaves, each op that could go next by
   * real-time order (with whether the model rejects it or it only leads to dead ends), and the
   * earliest-completing op left out (it must be placed before anything invoked after it returns).
   */
  explain(prefix: readonly number[]): {
    readonly state: unknown;
    readonly candidates: readonly { readonly op: number; readonly rejected: boolean }[];
    readonly blockedBy: number | undefined;
  } {
    const { next, prev } = this.freshList();
    const unlink = (e: number): void => {
      next[prev[e]!] = next[e]!;
      prev[next[e]!] = prev[e]!;
    };
    let state = this.space.intern(this.space.model.init());
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
      if (this.known[o] === 0 && (ns === NO_STATE || ns === state)) continue;
      candidates.push({ op: o, rejected: ns === NO_STATE });
    }
    return { state: this.space.states[state], candidates, blockedBy };
  }
}
