/**
 * The sequential specification a history is checked against.
 *
 * A model is a small, pure object: an initial state and a step function that says whether an
 * operation with its observed result is legal in a state, and what the state becomes. States are
 * immutable values: `step` must return a fresh state rather than mutate its argument, because the
 * checker keeps every state it has seen (it interns them and memoizes transitions).
 */
import type { Operation } from '../../core/history.js';

/** One operation as the model sees it. */
export interface ModelOp {
  /** Operation name: read, write, cas, get, put, append, add, ... */
  readonly f: string;
  /** The key, for per-key models. */
  readonly key?: string;
  /** The argument at invocation (write: the value; cas: [expected, new]; read: null). */
  readonly input: unknown;
  /** The result the client saw. Meaningless when `known` is false. */
  readonly output: unknown;
  /**
   * False for indeterminate ops (`info`, or never completed): the client never saw a result, so
   * any result is acceptable; the op may have taken effect or not.
   */
  readonly known: boolean;
}

export type StepResult<State> = { readonly ok: true; readonly nextState: State } | { readonly ok: false };

/** The shared rejection, so that `step` allocates nothing when it says no. */
export const REJECT: StepResult<never> = Object.freeze({ ok: false });

export interface Model<State = unknown> {
  /** Registry name (`cas-register`, `kv`, ...). */
  readonly name: string;
  /** One line for `--help` and reports. */
  readonly description?: string;
  init(): State;
  /**
   * Is `op` legal in `state`, given its observed output (`op.known`)? When legal, the next state.
   * For an op whose output is unknown, return the state it would produce if it took effect here
   * (the checker separately considers that it never took effect).
   */
  step(state: State, op: ModelOp): StepResult<State>;
  /**
   * State equality. Default: structural equality of plain data (and then primitive states are
   * interned natively, without calling `hash`). Must agree with `hash`.
   */
  equal?(a: State, b: State): boolean;
  /** A 32-bit hash of a state; equal states must hash equally. See `hashValue`. */
  hash(state: State): number;
  /**
   * P-compositionality: split the ops into groups that can be checked independently (e.g. per
   * key); the history is linearizable iff every group is. Omit for single-object models.
   */
  partition?(ops: readonly Operation[]): readonly (readonly Operation[])[];
  /**
   * The model each partition is checked with, when simpler than the whole: a kv store's
   * partitions are single registers, whose states are plain values rather than maps. It must
   * accept exactly the sequences the whole model accepts on one partition's ops.
   */
  readonly partitionModel?: AnyModel;
  /**
   * Its ops carry a `key` and it judges each key itself (kv). Other models judge one object:
   * on a history whose ops carry keys, the checker applies them to each key separately.
   */
  readonly keyed?: boolean;
  /**
   * Rejects ops the model does not understand (unknown `f`, malformed argument): a message, or
   * undefined when the op is fine. The checker reports them as bad input before searching.
   */
  validate?(op: ModelOp): string | undefined;
  /**
   * True when `op` never changes the state (a read): an indeterminate read constrains nothing,
   * so the checker drops it before searching.
   */
  readOnly?(op: ModelOp): boolean;
  /**
   * Blind writes, so that the checker can drop the indeterminate ones nobody observed. The value an
   * op sets whatever the state was (a register's write), or undefined. Give it with `observes`.
   */
  overwrite?(op: ModelOp): { readonly value: unknown } | undefined;
  /**
   * For an op that is not an overwrite: the written values it can tell apart. In a state a write
   * of any other value produced, a known op must be illegal and an indeterminate one must change
   * nothing (a read that returned 3 observes [3]; a cas [3 4] observes [3]). Undefined when the op
   * depends on the state in any other way (an append): then nothing is dropped.
   *
   * Why it is sound: an indeterminate write of v that no op observes can be left out of any
   * linearization that has it, together with the indeterminate ops between it and the next write
   * (they changed nothing there), and what remains is still a linearization: no known op can sit
   * between the write of v and the next write. So the history is linearizable with the write iff
   * it is without it, and the search is spared a write it could place in every gap (an
   * indeterminate write doubles the configurations it overlaps).
   */
  observes?(op: ModelOp): readonly unknown[] | undefined;
  /**
   * Approximate bytes a state holds, for the checker's memory budget (default: 64, plus the
   * length of a string state). Worth giving for states that grow, such as appended strings.
   */
  bytes?(state: State): number;
  /** Human-readable forms for evidence and reports. */
  describeState?(state: State): string;
  describeOp?(op: ModelOp): string;
}

/** Type-erased model, as registries and checkers hold it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any>;

/** The op as a model sees it: an `info` (or never-completed) op has no known output. */
export function toModelOp(op: Operation): ModelOp {
  const known = op.outcome === 'ok';
  const modelOp: { -readonly [K in keyof ModelOp]: ModelOp[K] } = {
    f: op.f,
    input: op.input === undefined ? null : op.input,
    output: known ? (op.output === undefined ? null : op.output) : undefined,
    known,
  };
  if (op.key !== undefined) modelOp.key = op.key;
  return modelOp;
}

// ---------------------------------------------------------------------------------------------
// Value helpers shared by the built-in models (and offered to users writing their own).

/** Structural equality of plain data (JSON values, plus undefined ≡ null at the leaves). */
export function valueEqual(a: unknown, b: unknown): boolean {
  return equalAt(a, b, 0);
}

const MAX_VALUE_DEPTH = 100;

function equalAt(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (typeof a !== 'object' || typeof b !== 'object' || b === null) {
    // NaN is the one scalar not equal to itself; histories may carry it from a bad parse.
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (depth > MAX_VALUE_DEPTH) throw new Error('valueEqual: value nested deeper than 100 levels');
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalAt(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(rb, k)) return false;
    if (!equalAt(ra[k], rb[k], depth + 1)) return false;
  }
  return true;
}

/**
 * A 32-bit hash of plain data, consistent with `valueEqual` (object key order does not matter;
 * undefined hashes as null).
 */
export function hashValue(value: unknown): number {
  return hashAt(value, 0x811c9dc5, 0) | 0;
}

function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193);
}

function hashString(h: number, s: string): number {
  h = mix(h, 0x5f3759df ^ s.length);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

function hashAt(value: unknown, h: number, depth: number): number {
  if (depth > MAX_VALUE_DEPTH) throw new Error('hashValue: value nested deeper than 100 levels');
  switch (typeof value) {
    case 'undefined':
      return mix(h, 1);
    case 'boolean':
      return mix(h, value ? 3 : 2);
    case 'number':
      if (Number.isInteger(value) && Math.abs(value) < 0x7fffffff) return mix(mix(h, 4), value);
      return hashString(mix(h, 5), String(value));
    case 'bigint':
      return hashString(mix(h, 5), String(value));
    case 'string':
      return hashString(mix(h, 6), value);
    case 'object': {
      if (value === null) return mix(h, 1);
      if (Array.isArray(value)) {
        h = mix(h, 7 ^ (value.length << 4));
        for (const item of value) h = hashAt(item, h, depth + 1);
        return h;
      }
      // Order-independent over keys: sum of per-entry hashes.
      let sum = 0;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (const k of keys) sum = (sum + hashAt(record[k], hashString(0x9747b28c, k), depth + 1)) | 0;
      return mix(mix(h, 8 ^ (keys.length << 4)), sum);
    }
    case 'symbol':
    case 'function':
      throw new Error(`hashValue: ${typeof value} is not plain data`);
  }
}

/** Compact, readable rendering of a value for evidence: nil for null, JSON otherwise. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `read() -> 3`, `write(4) -> 4`, `cas(1, 2) -> ?` (unknown result), `append("k", "x") -> ...`. */
export function describeModelOp(op: ModelOp, unknownResult = '?'): string {
  const keyPart = op.key === undefined ? '' : `${JSON.stringify(op.key)}`;
  const hasArg = op.input !== null && op.input !== undefined;
  const args = [keyPart, hasArg ? showArgs(op.f, op.input) : ''].filter((s) => s !== '').join(', ');
  const result = op.known ? showValue(op.output) : unknownResult;
  return `${op.f}(${args}) -> ${result}`;
}

/** One line for a history op, with its model's wording when it has one: `cas(1, 2) -> fail`. */
export function describeOperation(op: Operation, model?: AnyModel): string {
  const modelOp = toModelOp(op);
  const custom = model?.describeOp?.(modelOp);
  if (custom !== undefined) return op.outcome === 'fail' ? `${custom} [failed]` : custom;
  return describeModelOp(modelOp, op.outcome === 'fail' ? 'fail' : '?');
}

function showArgs(f: string, input: unknown): string {
  if (f === 'cas' && Array.isArray(input) && input.length === 2) return `${showValue(input[0])}, ${showValue(input[1])}`;
  return showValue(input);
}
