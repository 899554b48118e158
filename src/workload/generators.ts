/**
 * What clients ask for: key distributions and op mixes per data model. Values written are unique
 * across the run (1, 2, 3, ...), which is what lets checkers tell every write apart.
 */
import type { Op } from '../core/ops.js';
import type { Rng } from '../rng/index.js';

export type ModelName = 'kv' | 'register' | 'counter' | 'set' | 'broadcast' | 'list-append' | 'rw-register';

/** Transactional models: each op is `f: txn` with a list of micro-ops `[f key value]` (Jepsen's form). */
export const TXN_MODELS: readonly ModelName[] = ['list-append', 'rw-register'];

export function isTxnModel(model: string): boolean {
  return model === 'list-append' || model === 'rw-register';
}

export const MODEL_OPS: Readonly<Record<ModelName, readonly string[]>> = {
  kv: ['read', 'write', 'cas'],
  register: ['read', 'write', 'cas'],
  counter: ['add', 'read'],
  set: ['add', 'read'],
  broadcast: ['broadcast', 'read'],
  // Transactional models: the mix weighs micro-ops, not ops.
  'list-append': ['append', 'r'],
  'rw-register': ['w', 'r'],
};

/** The op that opens the final phase (`workload.finalWrite`), for the models with a plain write, add or broadcast. */
const FINAL_WRITE: Readonly<Record<ModelName, 'write' | 'add' | 'broadcast' | undefined>> = {
  kv: 'write',
  register: 'write',
  counter: 'add',
  set: 'add',
  broadcast: 'broadcast',
  'list-append': undefined,
  'rw-register': undefined,
};

/** Whether a model's final phase can open with a write (see OpGenerator.finalWrite). */
export function hasFinalWrite(model: ModelName): boolean {
  return FINAL_WRITE[model] !== undefined;
}

export const DEFAULT_MIX: Readonly<Record<ModelName, Readonly<Record<string, number>>>> = {
  kv: { read: 0.5, write: 0.4, cas: 0.1 },
  register: { read: 0.5, write: 0.4, cas: 0.1 },
  counter: { add: 0.7, read: 0.3 },
  set: { add: 0.7, read: 0.3 },
  broadcast: { broadcast: 0.8, read: 0.2 },
  'list-append': { append: 0.5, r: 0.5 },
  'rw-register': { w: 0.5, r: 0.5 },
};

/** A transactional key retires after this many writes and a fresh key takes its place (as Elle's generator does), so reads stay short. */
export const WRITES_PER_KEY = 32;

/** Keys one final-read transaction reads (a run that used more gets several). */
export const FINAL_READS_PER_TXN = 32;

export type KeyDistribution = { readonly kind: 'uniform' } | { readonly kind: 'zipfian'; readonly exponent: number };

/** Samples key indexes in [0, keys). Zipfian: key i has weight 1 / (i+1)^s (key 0 is hottest). */
export function keySampler(keys: number, dist: KeyDistribution): (rng: Rng) => number {
  if (keys <= 1) return () => 0;
  switch (dist.kind) {
    case 'uniform':
      return (rng) => rng.int(keys);
    case 'zipfian': {
      const cdf = new Float64Array(keys);
      let total = 0;
      for (let i = 0; i < keys; i++) {
        total += 1 / Math.pow(i + 1, dist.exponent);
        cdf[i] = total;
      }
      for (let i = 0; i < keys; i++) cdf[i] = cdf[i]! / total;
      return (rng) => {
        const u = rng.next();
        let lo = 0;
        let hi = keys - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid]! < u) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
    }
  }
}

export function keyName(index: number): string {
  return `k${index + 1}`;
}

export interface OpGeneratorConfig {
  readonly model: ModelName;
  readonly keys: number;
  readonly keyDistribution: KeyDistribution;
  readonly mix: Readonly<Record<string, number>>;
  /** Transactional models: most micro-ops per transaction (each has 1 to this many). */
  readonly maxTxnOps?: number;
}

/** Generates ops for one run; shares the unique-value counter and per-key last values across clients. */
export class OpGenerator {
  private nextValue = 1;
  private readonly lastWritten = new Map<string, unknown>();
  private readonly sampleKey: (rng: Rng) => number;
  private readonly ops: string[];
  private readonly cumulative: number[];
  /** Transactional models: the keys in use (slot → key), writes per key, every key ever used. */
  private readonly activeKeys: number[] = [];
  private readonly writesTo = new Map<number, number>();
  private readonly usedKeys = new Set<number>();
  private nextKey = 1;

  constructor(private readonly config: OpGeneratorConfig) {
    this.sampleKey = keySampler(config.keys, config.keyDistribution);
    const allowed = MODEL_OPS[config.model];
    this.ops = Object.keys(config.mix).filter((f) => (config.mix[f] ?? 0) > 0);
    for (const f of this.ops) if (!allowed.includes(f)) throw new Error(`op ${f} is not part of model ${config.model}`);
    if (this.ops.length === 0) throw new Error('the op mix is empty');
    const total = this.ops.reduce((sum, f) => sum + config.mix[f]!, 0);
    let acc = 0;
    this.cumulative = this.ops.map((f) => (acc += config.mix[f]! / total));
    if (isTxnModel(config.model)) for (let i = 0; i < Math.max(1, config.keys); i++) this.activeKeys.push(this.nextKey++);
  }

  /** Keys an op may touch (for final reads). */
  keyNames(): string[] {
    if (this.config.model !== 'kv') return [];
    return Array.from({ length: this.config.keys }, (_, i) => keyName(i));
  }

  /**
   * The final reads: one per key for kv, read-only transactions over every key ever used (or in
   * use) for the transactional models, one read for single-object models.
   */
  finalReads(opening?: Op): Op[] {
    // The opening write's own key (kv) is read back with the others.
    if (this.config.model === 'kv') return [...this.keyNames(), ...(opening?.key !== undefined ? [opening.key] : [])].map((key) => this.readOf(key));
    if (isTxnModel(this.config.model)) {
      const keys = [...new Set([...this.usedKeys, ...this.activeKeys])].sort((a, b) => a - b);
      const ops: Op[] = [];
      for (let i = 0; i < keys.length; i += FINAL_READS_PER_TXN) ops.push({ f: 'txn', value: keys.slice(i, i + FINAL_READS_PER_TXN).map((key) => ['r', key, null]) });
      return ops;
    }
    return [this.readOf(undefined)];
  }

  private pickOp(rng: Rng): string {
    const u = rng.next();
    let i = 0;
    while (i < this.cumulative.length - 1 && u >= this.cumulative[i]!) i++;
    return this.ops[i]!;
  }

  /** A transaction of 1 to maxTxnOps micro-ops over the active keys; written values are unique. */
  private nextTxn(rng: Rng): Op {
    const length = 1 + rng.int(this.config.maxTxnOps ?? 5);
    const mops: unknown[][] = [];
    for (let m = 0; m < length; m++) {
      const f = this.pickOp(rng);
      const slot = this.sampleKey(rng) % this.activeKeys.length;
      const key = this.activeKeys[slot]!;
      this.usedKeys.add(key);
      if (f === 'r') {
        mops.push(['r', key, null]);
        continue;
      }
      mops.push([f, key, this.nextValue++]);
      const writes = (this.writesTo.get(key) ?? 0) + 1;
      this.writesTo.set(key, writes);
      if (writes >= WRITES_PER_KEY) {
        this.writesTo.delete(key);
        this.activeKeys[slot] = this.nextKey++;
      }
    }
    return { f: 'txn', value: mops };
  }

  next(rng: Rng): Op {
    if (isTxnModel(this.config.model)) return this.nextTxn(rng);
    const f = this.pickOp(rng);
    const key = this.config.model === 'kv' ? keyName(this.sampleKey(rng)) : undefined;
    const slot = key ?? '';
    switch (f) {
      case 'read':
        return withKey({ f, value: null }, key);
      case 'write': {
        const value = this.nextValue++;
        this.lastWritten.set(slot, value);
        return withKey({ f, value }, key);
      }
      case 'cas': {
        const expected = this.lastWritten.get(slot) ?? null;
        const value = this.nextValue++;
        this.lastWritten.set(slot, value);
        return withKey({ f, value: [expected, value] }, key);
      }
      case 'add':
        return { f, value: this.config.model === 'counter' ? 1 + rng.int(5) : this.nextValue++ };
      case 'broadcast':
        return { f, value: this.nextValue++ };
      default:
        throw new Error(`no generator for op ${f}`);
    }
  }

  /**
   * The write that opens the final phase (`workload.finalWrite`), or undefined where the model has
   * none (FINAL_WRITE): kv writes a key of its own (one past the workload's keys, so no workload
   * key's last write is hidden by it), the single-object models write, add or broadcast as usual.
   */
  finalWrite(): Op | undefined {
    const f = FINAL_WRITE[this.config.model];
    if (f === undefined) return undefined;
    const value = this.config.model === 'counter' ? 1 : this.nextValue++;
    return this.config.model === 'kv' ? { f, value, key: keyName(this.config.keys) } : { f, value };
  }

  /** A read for the final-read phase. */
  readOf(key: string | undefined): Op {
    return withKey({ f: 'read', value: null }, key);
  }
}

function withKey(op: { f: string; value: unknown }, key: string | undefined): Op {
  return key === undefined ? op : { f: op.f, value: op.value, key }; // a literal: spreading is slow on this path
}
