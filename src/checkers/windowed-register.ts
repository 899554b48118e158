/**
 * Linearizability of registers (a kv store's keys, or one cas-register) checked online, in windows,
 * so a run of any length is checked in memory bounded by its live state rather than its history.
 *
 * Windows: per key, the ops that completed ok are cut into windows at points no such op spans
 * (a quiescent point of the ops that took effect). Failed ops never took effect and indeterminate
 * ones are pooled (below), so neither holds a window open once it completed; an op still in flight
 * might end ok, so no cut passes the earliest one. Cuts are found when the earliest op in flight
 * completes, among the ok ops completed since (a key stuck behind an op waiting out its timeout is
 * cut into many windows when the op ends, not one). No op of a later window overlaps one of an
 * earlier window in real time, so every linearization of the key's history is a linearization of
 * each window in turn; the windows are joined by the set of register
 * states a window can end in, which is the next window's set of possible starting states. Each
 * window is searched exhaustively (Wing–Gong, memoized on (linearized set, state)) for every state
 * it can end in, so the verdict is the whole history's.
 *
 * Indeterminate (`info`) ops may take effect at any time after their invocation, or never. They
 * wait in a pool and join the first window that observes what they wrote (a read returns it, or a
 * cas expects it); a write nobody observes changes nothing anyone can tell apart, so deferring it
 * to its first observation loses no linearization. Once observed it took effect in that window and
 * leaves the pool (with, for an indeterminate cas, the pooled write of the value it expected, which
 * may have taken effect unobserved just for it). This relies on each write writing a value no other write writes, which dsim's
 * workload generator guarantees (every write and cas draws a fresh value).
 *
 * Memory: per key, the ops in flight, the ok ops not yet in a closed window, the candidate states, the pool of unobserved
 * indeterminate writes (which grows with faults, not with ops), and counters.
 */
import type { Operation } from '../core/history.js';
import { toModelOp, type Model, type ModelOp } from './models/model.js';

export interface WindowedResult {
  readonly kind: 'linearizable' | 'not-linearizable' | 'unknown';
  readonly ops: number;
  readonly keys: number;
  readonly windows: number;
  readonly largestWindow: number;
  /** Indeterminate writes never observed (still pooled at the end). */
  readonly unobserved: number;
  /** For not-linearizable: the key and its window (with the pooled writes it observed), and the states it could start in. */
  readonly violation?: { readonly key: string | undefined; readonly window: readonly Operation[]; readonly startStates: readonly string[] };
  readonly reason?: string;
}

/** Search nodes one window may visit before the check ends as unknown. */
const DEFAULT_MAX_WINDOW_STEPS = 2_000_000;

interface KeyState<S> {
  key: string | undefined;
  /** Invocation indices of the ops in flight, ascending from `flightHead`; `landed` marks those since completed. */
  flight: number[];
  flightHead: number;
  landed: Set<number>;
  /** Ops that completed ok and are in no closed window yet, in invocation order. */
  window: Operation[];
  /** The states the key may be in at the start of the open window (distinct). */
  candidates: S[];
  /** Indeterminate writes nobody observed yet. */
  pool: Operation[];
}

export class WindowedRegisterChecker<S> {
  private readonly keys = new Map<string, KeyState<S>>();
  private ops = 0;
  private windows = 0;
  private largestWindow = 0;
  private violation: WindowedResult['violation'];
  private unknownReason: string | undefined;

  constructor(
    /** The model of one register (a kv model's per-key model). */
    private readonly model: Model<S>,
    private readonly maxWindowSteps = DEFAULT_MAX_WINDOW_STEPS,
  ) {}

  /** Whether the verdict is already settled (a violation, or a budget ran out). */
  get settled(): boolean {
    return this.violation !== undefined || this.unknownReason !== undefined;
  }

  /** An op on `key` was invoked, at `invokeIndex` of the history (ascending over calls). */
  invoked(key: string | undefined, invokeIndex: number): void {
    this.stateOf(key).flight.push(invokeIndex);
  }

  /**
   * An op completed (ok, fail or info). When it was the earliest op in flight on its key, the
   * windows that can now be cut are closed.
   */
  completed(op: Operation): void {
    const k = this.stateOf(op.key);
    this.ops++;
    if (op.outcome === 'ok') insertByInvocation(k.window, op);
    else if (op.outcome === 'info' && !this.readOnly(op)) k.pool.push(op);
    const earliest = k.flightHead < k.flight.length && k.flight[k.flightHead] === op.invokeIndex;
    if (!earliest) {
      k.landed.add(op.invokeIndex);
      return;
    }
    k.flightHead++;
    while (k.flightHead < k.flight.length && k.landed.delete(k.flight[k.flightHead]!)) k.flightHead++;
    if (k.flightHead > 1024 && k.flightHead * 2 > k.flight.length) {
      k.flight = k.flight.slice(k.flightHead);
      k.flightHead = 0;
    }
    this.cut(k);
  }

  /** The end of the history: ops still open are indeterminate. */
  finish(open: readonly Operation[]): WindowedResult {
    for (const op of open) this.completed(op);
    for (const k of this.keys.values()) if (k.window.length > 0) this.cut(k);
    let unobserved = 0;
    for (const k of this.keys.values()) unobserved += k.pool.length;
    const base = { ops: this.ops, keys: this.keys.size, windows: this.windows, largestWindow: this.largestWindow, unobserved };
    if (this.violation !== undefined) return { kind: 'not-linearizable', ...base, violation: this.violation };
    if (this.unknownReason !== undefined) return { kind: 'unknown', ...base, reason: this.unknownReason };
    return { kind: 'linearizable', ...base };
  }

  private stateOf(key: string | undefined): KeyState<S> {
    const name = key ?? '';
    let k = this.keys.get(name);
    if (k === undefined) this.keys.set(name, (k = { key, flight: [], flightHead: 0, landed: new Set(), window: [], candidates: [this.model.init()], pool: [] }));
    return k;
  }

  private readOnly(op: Operation): boolean {
    return this.model.readOnly?.(toModelOp(op)) ?? op.f === 'read';
  }

  /**
   * Closes every window of the key's completed ok ops that can be cut off now. A cut is a point no
   * op spans that may still complete ok: after every op of the window completed and before the
   * next one was invoked, and before the earliest op still in flight (it may end ok and overlap).
   * Ops that failed never took effect, and indeterminate ones wait in the pool whenever they were
   * invoked: neither holds a window open once it has completed, so a key with a long-stuck op is
   * cut into many small windows when that op times out, not one that spans its whole timeout.
   */
  private cut(k: KeyState<S>): void {
    if (k.window.length === 0) return;
    const horizon = k.flightHead < k.flight.length ? k.flight[k.flightHead]! : Infinity;
    const ops = k.window;
    let start = 0;
    let lastComplete = -1;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (i > start && lastComplete < op.invokeIndex) {
        this.close(k, ops.slice(start, i));
        start = i;
      }
      if (op.completeIndex > lastComplete) lastComplete = op.completeIndex;
      if (lastComplete >= horizon) break;
    }
    if (lastComplete < horizon) {
      this.close(k, start === 0 ? ops : ops.slice(start));
      k.window = [];
    } else if (start > 0) k.window = ops.slice(start);
  }

  /** Judges one window of `k` (ok ops in invocation order), from the states the key may be in. */
  private close(k: KeyState<S>, window: Operation[]): void {
    if (this.settled) return;
    const joined = k.pool.length === 0 ? [] : this.joinObserved(k, window);
    joined.sort((a, b) => a.id - b.id);
    const ops = joined.length === 0 ? window : [...joined, ...window];
    this.windows++;
    if (ops.length > this.largestWindow) this.largestWindow = ops.length;
    const ends = this.endStates(k.candidates, ops, joined.length);
    if (ends === undefined) {
      this.unknownReason = `a window of ${ops.length} ops on ${k.key === undefined ? 'the register' : `key ${k.key}`} needed more than ${this.maxWindowSteps} search steps`;
      return;
    }
    if (ends.length === 0) {
      const describe = this.model.describeState ?? ((s: S) => JSON.stringify(s));
      this.violation = { key: k.key, window: ops, startStates: k.candidates.map((s) => describe(s)) };
      return;
    }
    k.candidates = ends;
  }

  /**
   * The pooled writes `window` observes (a read returns what they wrote, a cas expects it): they
   * join it and leave the pool. An indeterminate cas that joins needed its expected value in
   * place: the pooled write of that value may have taken effect unobserved just for it, so it
   * joins too (to a fixpoint).
   */
  private joinObserved(k: KeyState<S>, window: readonly Operation[]): Operation[] {
    const observed = new Set<string>();
    for (const op of window) {
      if (op.f === 'cas' && Array.isArray(op.input)) observed.add(valueKey(op.input[0]));
      else if (this.readOnly(op)) observed.add(valueKey(op.output));
    }
    const joined: Operation[] = [];
    let grew = observed.size > 0;
    while (grew && k.pool.length > 0) {
      grew = false;
      k.pool = k.pool.filter((op) => {
        if (!observed.has(valueKey(writtenValue(op)))) return true;
        joined.push(op);
        if (op.f === 'cas' && Array.isArray(op.input)) {
          const expected = valueKey(op.input[0]);
          if (!observed.has(expected)) {
            observed.add(expected);
            grew = true;
          }
        }
        return false;
      });
    }
    return joined;
  }

  /**
   * Every state the window can end in, from any of `starts` (distinct), or undefined when the
   * search budget ran out. `optional` ops at the front are indeterminate: they may or may not
   * take effect, anywhere in the window; the rest completed ok and must.
   *
   * Cost per search step is O(concurrency), not O(window): ops are taken in invocation order, every
   * op before `lo` is placed, the candidates are the unplaced ops from `lo` invoked before the
   * horizon (the earliest completion among the required ops still to place, found from a pointer
   * into the required ops in completion order), and the memo key is `lo` with the placed bits from
   * there to the highest placed op. Windows grow with concurrency (at 1,600 ops/s on 5 keys the
   * largest held 900 ops), and a per-step scan of the whole window made the check quadratic in it.
   */
  private endStates(starts: readonly S[], ops: readonly Operation[], optional: number): S[] | undefined {
    const model = this.model;
    const n = ops.length;
    if (n === 1 && optional === 0) return this.endStatesOfOne(starts, ops[0]!);
    // Positions in invocation order. Pooled ops keep their invocation: it precedes every op of
    // this window that was invoked after it.
    const order = ops.map((_, i) => i).sort((a, b) => ops[a]!.invokeIndex - ops[b]!.invokeIndex);
    const modelOps: ModelOp[] = order.map((i) => toModelOp(ops[i]!));
    const invoke = order.map((i) => ops[i]!.invokeIndex);
    const isOptional = order.map((i) => i < optional);
    // Required reads: placed as soon as they can be (see visit).
    const isRead = order.map((i, pos) => i >= optional && (model.readOnly?.(modelOps[pos]!) ?? ops[i]!.f === 'read'));
    // The required ops' positions, by completion.
    const byCompletion = order
      .map((_, pos) => pos)
      .filter((pos) => !isOptional[pos])
      .sort((a, b) => ops[order[a]!]!.completeIndex - ops[order[b]!]!.completeIndex);
    const completeOf = byCompletion.map((pos) => ops[order[pos]!]!.completeIndex);
    const done = new Uint8Array(n);
    const words = new Uint16Array(Math.ceil(n / 16));
    const required = n - optional;
    const ends: S[] = [];
    const seen = new Map<string, S[]>();
    let steps = 0;
    const same = (a: S, b: S): boolean => this.sameState(a, b);
    const remember = (list: S[], s: S): boolean => {
      for (const t of list) if (same(s, t)) return false;
      list.push(s);
      return true;
    };
    /** Every op before `lo` is placed; `top` is the highest placed position (-1: none). */
    const doneKey = (lo: number, top: number): string => {
      let key = `${lo}|`;
      for (let w = lo >> 4; w <= top >> 4 && top >= lo; w++) key += String.fromCharCode(words[w]!);
      return key;
    };
    const mark = (pos: number, value: 0 | 1): void => {
      done[pos] = value;
      if (value === 1) words[pos >> 4]! |= 1 << (pos & 15);
      else words[pos >> 4]! &= ~(1 << (pos & 15));
    };
    const advance = (lo: number, next: number): [number, number] => {
      while (lo < n && done[lo] === 1) lo++;
      while (next < byCompletion.length && done[byCompletion[next]!] === 1) next++;
      return [lo, next];
    };
    /** Positions placed by the read closure of each depth, to unplace on the way back. */
    const closed: number[] = [];
    // Depth-first over (placed set, state); each configuration is expanded once. `lo`: the first
    // unplaced position; `next`: the first unplaced required op in completion order.
    //
    // A read that may go now and returns the current state is placed at once, without branching:
    // it changes no state, and placing it earlier only lifts its completion from the horizon, so
    // every linearization from here that places it later has a twin that places it now (a partial
    // order reduction). Without it, concurrent reads multiply the configurations by the subsets
    // of them placed: with 16 clients on a key, windows of 100 ops outran any budget.
    const visit = (state: S, placedRequired: number, lo: number, next: number, top: number): boolean => {
      if (++steps > this.maxWindowSteps) return false;
      const mark0 = closed.length;
      for (let grew = true; grew; ) {
        grew = false;
        const horizon = next < byCompletion.length ? completeOf[next]! : Infinity;
        for (let pos = lo; pos < n && invoke[pos]! <= horizon; pos++) {
          if (done[pos] === 1 || !isRead[pos]) continue;
          if (!model.step(state, modelOps[pos]!).ok) continue;
          mark(pos, 1);
          closed.push(pos);
          placedRequired++;
          if (pos > top) top = pos;
          grew = true;
        }
        if (grew) [lo, next] = advance(lo, next);
      }
      const fine = expand(state, placedRequired, lo, next, top);
      while (closed.length > mark0) mark(closed.pop()!, 0);
      return fine;
    };
    const expand = (state: S, placedRequired: number, lo: number, next: number, top: number): boolean => {
      const key = doneKey(lo, top);
      let list = seen.get(key);
      if (list === undefined) seen.set(key, (list = []));
      if (!remember(list, state)) return true;
      if (placedRequired === required) remember(ends, state);
      // What may go next: invoked before the earliest completion among the ops still to place.
      const horizon = next < byCompletion.length ? completeOf[next]! : Infinity;
      for (let pos = lo; pos < n && invoke[pos]! <= horizon; pos++) {
        if (done[pos] === 1 || isRead[pos]) continue;
        const result = model.step(state, modelOps[pos]!);
        if (!result.ok) continue;
        mark(pos, 1);
        const [lo2, next2] = advance(lo, next);
        const fine = visit(result.nextState, placedRequired + (isOptional[pos] ? 0 : 1), lo2, next2, Math.max(top, pos));
        mark(pos, 0);
        if (!fine) return false;
      }
      return true;
    };
    for (const start of starts) if (!visit(start, 0, 0, 0, -1)) return undefined;
    return ends;
  }

  /**
   * `endStates` of a window of one op that completed ok (most windows, at low concurrency): the
   * op applied to each start it accepts. Spares the search's tables, which cost more than the op.
   */
  private endStatesOfOne(starts: readonly S[], op: Operation): S[] {
    const modelOp = toModelOp(op);
    const isRead = this.model.readOnly?.(modelOp) ?? op.f === 'read';
    const ends: S[] = [];
    for (const start of starts) {
      const result = this.model.step(start, modelOp);
      if (!result.ok) continue;
      // A read leaves the state as it was (the search places it without stepping the state either).
      const end = isRead ? start : result.nextState;
      if (!ends.some((t) => this.sameState(end, t))) ends.push(end);
    }
    return ends;
  }

  private sameState(a: S, b: S): boolean {
    const model = this.model;
    return model.equal !== undefined ? model.equal(a, b) : model.hash(a) === model.hash(b) && JSON.stringify(a) === JSON.stringify(b);
  }
}

/** Inserts `op` into `ops` (ascending by invocation) in place: ops complete mostly in the order they were invoked, so this is O(1) typically. */
function insertByInvocation(ops: Operation[], op: Operation): void {
  let i = ops.length;
  ops.push(op);
  while (i > 0 && ops[i - 1]!.invokeIndex > op.invokeIndex) {
    ops[i] = ops[i - 1]!;
    i--;
  }
  ops[i] = op;
}

function writtenValue(op: Operation): unknown {
  return op.f === 'cas' && Array.isArray(op.input) ? op.input[1] : op.input;
}

function valueKey(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
