/**
 * Registers read and written in transactions, as Knossos's `multi-register`: every op is
 * `:f :txn` whose value is a list of micro-ops `[f k v]`, `f` being `read` or `write` (Elle's
 * `r` and `w` too), applied in order. As in Knossos, a read whose value is nil constrains
 * nothing: a transaction's invocation carries nil for the values it will read, and an
 * indeterminate transaction is judged by its invocation. A completed transaction is judged by
 * its completion's value (where its reads' results are).
 *
 * Keys are compared as plain data (`:x` and "x" are the same key; so are 1 and "1"). Keys never
 * written hold nil, or their value in `initial` (a map, as in `(multi-register {:x 0 :y 0})`).
 *
 * P-compositionality: transactions over disjoint sets of keys touch independent objects, so the
 * history splits into the connected components of "shares a key" and each is checked alone.
 */
import { canonicalJson } from '../../core/canonical.js';
import type { Operation } from '../../core/history.js';
import { REJECT, hashValue, showValue, valueEqual } from './model.js';
import type { Model, ModelOp } from './model.js';

export interface MultiRegisterOptions {
  /** Initial values by key (a map); keys absent from it start as nil. */
  readonly initial?: unknown;
}

/** Values by key (keys as `keyId` writes them); a key absent has never been written. */
export type MultiRegisterState = Readonly<Record<string, unknown>>;

const READS = new Set(['read', 'r']);
const WRITES = new Set(['write', 'w']);

function keyId(key: unknown): string {
  return typeof key === 'string' ? key : canonicalJson(key);
}

type MicroOp = readonly [string, unknown, unknown];

function microOps(value: unknown): readonly MicroOp[] | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const m of value) {
    if (!Array.isArray(m) || m.length !== 3 || typeof m[0] !== 'string' || !(READS.has(m[0]) || WRITES.has(m[0]))) return undefined;
  }
  return value as readonly MicroOp[];
}

/** The micro-ops an op is judged by: the completion's when known (it has the reads' results). */
function txnOf(op: ModelOp): readonly MicroOp[] {
  return (op.known ? microOps(op.output) : undefined) ?? microOps(op.input) ?? [];
}

function initialState(initial: unknown): MultiRegisterState {
  if (initial === undefined || initial === null) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(initial as Record<string, unknown>)) out[keyId(k)] = v;
  return out;
}

/** Why `initial` cannot be a multi-register's initial value, or undefined when it can. */
export function multiRegisterInitialProblem(initial: unknown): string | undefined {
  if (initial === undefined || initial === null) return undefined;
  return typeof initial === 'object' && !Array.isArray(initial) ? undefined : `the multi-register model's initial value is a map of keys to values, as {:x 0 :y 0}; got ${showValue(initial)}`;
}

export function createMultiRegisterModel(options: MultiRegisterOptions = {}): Model<MultiRegisterState> {
  const init = initialState(options.initial);
  return {
    name: 'multi-register',
    description: 'registers in transactions: txn [[:read k v] [:write k v] ...] (Knossos multi-register)',
    init: () => init,
    step(state, op) {
      if (op.f !== 'txn') return REJECT;
      let next: Record<string, unknown> | undefined;
      for (const [f, k, v] of txnOf(op)) {
        const id = keyId(k);
        const current = next ?? state;
        if (READS.has(f)) {
          if (v === null || v === undefined) continue;
          const held = Object.prototype.hasOwnProperty.call(current, id) ? current[id] : null;
          if (!valueEqual(held, v)) return REJECT;
          continue;
        }
        next ??= { ...state };
        next[id] = v;
      }
      return { ok: true, nextState: next ?? state };
    },
    hash: hashValue,
    partition: partitionByKeys,
    validate(op) {
      if (op.f !== 'txn') return `unknown op f=${JSON.stringify(op.f)} (expected txn, with a list of [:read k v] and [:write k v])`;
      if (microOps(op.input) === undefined) return `a txn's value is a list of [f k v] micro-ops with f read or write; got ${showValue(op.input)}`;
      if (op.known && op.output !== null && microOps(op.output) === undefined) {
        return `a completed txn's value is a list of [f k v] micro-ops with f read or write; got ${showValue(op.output)}`;
      }
      return undefined;
    },
    readOnly: (op) => txnOf(op).every(([f]) => READS.has(f)),
    describeState(state) {
      const keys = Object.keys(state).sort();
      return `{${keys.map((k) => `${k} ${showValue(state[k])}`).join(', ')}}`;
    },
  };
}

/** Connected components of "shares a key", in order of each component's first op. */
function partitionByKeys(ops: readonly Operation[]): Operation[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    // Path compression keeps later finds short.
    while (parent.get(x) !== root) {
      const up = parent.get(x)!;
      parent.set(x, root);
      x = up;
    }
    return root;
  };
  const keysOf = (op: Operation): string[] => {
    const micro = microOps(op.outcome === 'ok' ? op.output : undefined) ?? microOps(op.input) ?? [];
    return micro.map(([, k]) => keyId(k));
  };
  const opKeys = ops.map(keysOf);
  for (const keys of opKeys) {
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (let i = 1; i < keys.length; i++) {
      const a = find(keys[0]!);
      const b = find(keys[i]!);
      if (a !== b) parent.set(b, a);
    }
  }
  const groups = new Map<string, Operation[]>();
  const lone: Operation[] = [];
  ops.forEach((op, i) => {
    const keys = opKeys[i]!;
    if (keys.length === 0) {
      lone.push(op); // an empty transaction touches nothing
      return;
    }
    const root = find(keys[0]!);
    let group = groups.get(root);
    if (group === undefined) {
      group = [];
      groups.set(root, group);
    }
    group.push(op);
  });
  return lone.length > 0 ? [...groups.values(), lone] : [...groups.values()];
}
