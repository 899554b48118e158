/**
 * Histories over several keys: ops that carry dsim's `key`, or Jepsen's `jepsen.independent`
 * values `[k v]` (every invocation's value a pair). A model that judges one object (a register,
 * a mutex, a queue...) is applied to each key separately, as Jepsen's independent checker does:
 * keys are independent objects, so the history is linearizable iff every key's part is.
 *
 * A history where some ops carry a key and others do not cannot be judged either way: refused.
 */
import { canonicalJson } from '../../core/canonical.js';
import { HistoryError } from '../../core/history.js';
import type { Operation } from '../../core/history.js';
import { REJECT, hashValue, partitionByKey, toModelOp, valueEqual } from '../models/index.js';
import type { AnyModel, Model } from '../models/index.js';

export interface KeyShape {
  /** Where the keys come from: dsim's `key` field, or `[k v]` values. */
  readonly source: 'key' | 'independent';
  /** Distinct keys. */
  readonly keys: number;
}

function isPair(value: unknown): value is readonly [unknown, unknown] {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number');
}

function keyName(key: unknown): string {
  return typeof key === 'string' ? key : canonicalJson(key);
}

/** Ops whose argument is a value: `[k nil]` may be a pair written, not a key with no argument. */
const VALUE_FS = new Set(['write', 'put', 'cas', 'append', 'add', 'enqueue', 'txn']);

function allPairs(ops: readonly Operation[]): boolean {
  return ops.every((op) => isPair(op.input) && (op.outcome !== 'ok' || isPair(op.output)));
}

/**
 * Is this a jepsen.independent history? Every invocation's value is a `[k v]` pair with a number
 * or string key (and every ok completion's), the unwrapped ops suit the model, and either the
 * plain ones do not, or some op that takes no argument (a read, a dequeue, an acquire) is invoked
 * with `[k nil]`. A plain history is not: its reads invoke with nil itself. A history of writes
 * of pairs alone is ambiguous and read as plain values (`independent: true` forces the other way).
 */
export function isIndependent(ops: readonly Operation[], model: AnyModel): boolean {
  if (ops.length === 0 || !allPairs(ops)) return false;
  const valid = (list: readonly Operation[]): boolean => model.validate === undefined || list.every((op) => model.validate!(toModelOp(op)) === undefined);
  if (!valid(unwrap(ops))) return false;
  return !valid(ops) || ops.some((op) => !VALUE_FS.has(op.f) && (op.input as readonly unknown[])[1] === null);
}

/** Unwraps `[k v]` values into `key` and plain values. */
function unwrap(ops: readonly Operation[]): Operation[] {
  return ops.map((op) => {
    const [k, input] = op.input as readonly [unknown, unknown];
    const output = op.outcome === 'ok' ? (op.output as readonly [unknown, unknown])[1] : op.output;
    return { ...op, key: keyName(k), input, output };
  });
}

/**
 * The ops and model to search: independent values unwrapped, and a single-object model lifted
 * to one object per key when the ops carry keys. Throws HistoryError when only some ops have keys.
 */
export function applyKeys(
  ops: readonly Operation[],
  model: AnyModel,
  options: { readonly independent?: boolean } = {},
): { readonly ops: readonly Operation[]; readonly model: AnyModel; readonly shape?: KeyShape } {
  let source: KeyShape['source'] | undefined;
  let keyed = ops;
  if (options.independent === true && model.keyed !== true && !allPairs(ops)) {
    const bad = ops.find((op) => !isPair(op.input) || (op.outcome === 'ok' && !isPair(op.output)))!;
    const value = isPair(bad.input) ? bad.output : bad.input;
    throw new HistoryError(bad.invokeIndex, `jepsen.independent values are [k v] pairs with a number or string key; process ${bad.process}'s ${bad.f} has ${JSON.stringify(value) ?? 'nothing'}`);
  }
  if (options.independent !== false && model.keyed !== true && (options.independent === true || isIndependent(ops, model))) {
    keyed = unwrap(ops);
    source = 'independent';
  } else {
    // A keyed model (kv) reads :key itself; without keys there is nothing to split.
    if (model.keyed === true) return { ops, model };
    const withKey = ops.filter((op) => op.key !== undefined).length;
    if (withKey === 0) return { ops, model };
    if (withKey < ops.length) {
      const bare = ops.find((op) => op.key === undefined)!;
      const keyedOp = ops.find((op) => op.key !== undefined)!;
      throw new HistoryError(
        bare.invokeIndex,
        `${withKey} of ${ops.length} ops carry a :key (as process ${keyedOp.process}'s at event ${keyedOp.invokeIndex}) but process ${bare.process}'s ${bare.f} does not: model ${model.name} cannot judge a mix of keyed and unkeyed ops`,
      );
    }
    source = 'key';
  }
  const keys = new Set(keyed.map((op) => op.key)).size;
  return { ops: keyed, model: perKey(model), shape: { source, keys } };
}

/**
 * One `inner` object per key: the state maps keys to inner states (absent: the initial state).
 * The checker splits by key and checks each with `inner` (or inner's own partitions).
 */
export function perKey<S>(inner: Model<S>): Model<Readonly<Record<string, S>>> {
  const innerEqual = inner.equal ?? valueEqual;
  const get = (state: Readonly<Record<string, S>>, key: string): S => (Object.prototype.hasOwnProperty.call(state, key) ? state[key]! : inner.init());
  return {
    name: inner.name,
    description: `${inner.description ?? inner.name}, per key`,
    init: () => ({}),
    step(state, op) {
      const key = op.key ?? '';
      const current = get(state, key);
      const result = inner.step(current, op);
      if (!result.ok) return REJECT;
      if (result.nextState === current) return { ok: true, nextState: state };
      return { ok: true, nextState: { ...state, [key]: result.nextState } };
    },
    equal(a, b) {
      const keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
      return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && innerEqual(a[k]!, b[k]!));
    },
    hash(state) {
      let sum = 0;
      for (const k of Object.keys(state)) sum = (sum + Math.imul(hashValue(k) ^ inner.hash(state[k]!), 0x9e3779b1)) | 0;
      return sum;
    },
    partition: (ops) => partitionByKey(ops).flatMap((group) => (inner.partition === undefined ? [group] : inner.partition(group))),
    partitionModel: inner.partitionModel ?? inner,
    keyed: true,
    ...(inner.validate === undefined ? {} : { validate: inner.validate.bind(inner) }),
    ...(inner.readOnly === undefined ? {} : { readOnly: inner.readOnly.bind(inner) }),
    ...(inner.describeOp === undefined ? {} : { describeOp: inner.describeOp.bind(inner) }),
    describeState(state) {
      const describe = inner.describeState?.bind(inner) ?? ((s: S) => JSON.stringify(s));
      return `{${Object.keys(state)
        .sort()
        .map((k) => `${JSON.stringify(k)} ${describe(state[k]!)}`)
        .join(', ')}}`;
    },
  };
}
