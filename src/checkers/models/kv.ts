/**
 * A key-value store: independent registers per key, so the checker splits the history per key
 * (P-compositionality) and checks each key alone, with the single-key model `kvKey` whose state
 * is just the key's value.
 *
 * Vocabularies: Jepsen's `read`/`write`/`cas` and the `get`/`put`/`append` of the conformance kv
 * histories (MIT 6.824 style). A key never written reads as nil with `read` and as "" with `get`
 * (each vocabulary's convention), unless `initial` fixes one value for both. `append` concatenates
 * strings; appending a non-string appends it to a list.
 */
import { REJECT, hashValue, showValue, valueEqual } from './model.js';
import type { Model, ModelOp, StepResult } from './model.js';
import { observedValues } from './register.js';
import type { Operation } from '../../core/history.js';

export interface KvOptions {
  /** The value of a key never written, for every op. Default: nil for read/cas, "" for get/append. */
  readonly initial?: unknown;
  /** A read that returned nil constrains nothing (Knossos's registers; default false). */
  readonly nilReadsUnknown?: boolean;
}

/** Keys absent from the record have never been written. */
export type KvState = Readonly<Record<string, unknown>>;

/** The single-key state of a key never written (a primitive, so states intern natively). */
export const NEVER_WRITTEN: unique symbol = Symbol('never-written');

const KNOWN_FS = new Set(['read', 'get', 'write', 'put', 'cas', 'append']);

/** One key's register: `current` may be NEVER_WRITTEN. Returns the key's next value. */
function stepValue(current: unknown, op: ModelOp, fixedInitial: unknown, nilReadsUnknown = false): StepResult<unknown> {
  const value = current !== NEVER_WRITTEN ? current : fixedInitial !== undefined ? fixedInitial : op.f === 'get' || op.f === 'append' ? '' : null;
  switch (op.f) {
    case 'read':
    case 'get':
      return !op.known || valueEqual(op.output, value) || (nilReadsUnknown && op.output === null) ? { ok: true, nextState: current } : REJECT;
    case 'write':
    case 'put':
      return { ok: true, nextState: op.input };
    case 'cas': {
      const [expected, next] = op.input as readonly [unknown, unknown];
      if (valueEqual(value, expected)) return { ok: true, nextState: next };
      // An indeterminate cas placed where it cannot match simply had no effect.
      return op.known ? REJECT : { ok: true, nextState: current };
    }
    case 'append':
      if (typeof value === 'string' && typeof op.input === 'string') return { ok: true, nextState: value + op.input };
      if (Array.isArray(value)) return { ok: true, nextState: [...(value as unknown[]), op.input] };
      if (value === null || value === '') return { ok: true, nextState: typeof op.input === 'string' ? op.input : [op.input] };
      return REJECT;
    default:
      return REJECT;
  }
}

function validateKvOp(op: ModelOp): string | undefined {
  if (op.key === undefined) return `kv ops need a :key (op ${op.f})`;
  if (!KNOWN_FS.has(op.f)) return `unknown op f=${JSON.stringify(op.f)} (expected read, write, cas, get, put, append)`;
  if (op.f === 'cas' && (!Array.isArray(op.input) || op.input.length !== 2)) return `cas expects [expected new], got ${showValue(op.input)}`;
  return undefined;
}

function showKeyValue(value: unknown): string {
  return value === NEVER_WRITTEN ? '(never written)' : showValue(value);
}

const readOnly = (op: ModelOp): boolean => op.f === 'read' || op.f === 'get';

/**
 * The state of one key: its value with a hash that appends extend in O(appended length), so long
 * appended strings are never rehashed whole (the checker interns every state it reaches).
 */
export interface KvKeyState {
  readonly value: unknown;
  readonly hash: number;
}

const STRING_SEED = 0x2f1a3c5d;
const LIST_SEED = 0x6c697374;

/** Streaming FNV-style hash: hashing s + x continues from the hash of s. */
function continueStringHash(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

function continueListHash(h: number, item: unknown): number {
  return Math.imul(h ^ hashValue(item), 0x01000193);
}

function keyState(value: unknown): KvKeyState {
  if (value === NEVER_WRITTEN) return { value, hash: 0x6e657665 };
  if (typeof value === 'string') return { value, hash: continueStringHash(STRING_SEED, value) | 0 };
  if (Array.isArray(value)) {
    let h = LIST_SEED;
    for (const item of value) h = continueListHash(h, item);
    return { value, hash: h | 0 };
  }
  return { value, hash: hashValue(value) };
}

/** One key of a kv store: the state is that key's value (NEVER_WRITTEN at first). */
export function createKvKeyModel(options: KvOptions = {}): Model<KvKeyState> {
  const fixedInitial = options.initial;
  const nilReadsUnknown = options.nilReadsUnknown === true;
  // Hash of each read's result, computed once: most reads the search tries see the wrong value,
  // and comparing hashes spares comparing (and flattening) long appended strings.
  const readHashes = new WeakMap<ModelOp, number>();
  const readHash = (op: ModelOp): number => {
    // A number hashes in O(1): no entry (a streamed check steps most reads once).
    if (typeof op.output === 'number') return hashValue(op.output);
    let h = readHashes.get(op);
    if (h === undefined) {
      h = keyState(op.output).hash;
      readHashes.set(op, h);
    }
    return h;
  };
  return {
    name: 'kv-key',
    description: 'one key of a kv store: read/write/cas or get/put/append',
    init: () => keyState(fixedInitial !== undefined ? fixedInitial : NEVER_WRITTEN),
    step(state, op) {
      if (op.known && (op.f === 'get' || op.f === 'read') && state.value !== NEVER_WRITTEN && readHash(op) !== state.hash && !(nilReadsUnknown && op.output === null)) return REJECT;
      if (op.f === 'append' && typeof state.value === 'string' && typeof op.input === 'string') {
        // The common case, without the general path's intermediate result.
        return { ok: true, nextState: { value: state.value + op.input, hash: continueStringHash(state.hash, op.input) | 0 } };
      }
      const result = stepValue(state.value, op, fixedInitial, nilReadsUnknown);
      if (!result.ok) return REJECT;
      const next = result.nextState;
      if (next === state.value) return { ok: true, nextState: state };
      // Appends extend the hash instead of rehashing the whole value.
      if (op.f === 'append' && typeof next === 'string' && typeof state.value === 'string' && typeof op.input === 'string') {
        return { ok: true, nextState: { value: next, hash: continueStringHash(state.hash, op.input) | 0 } };
      }
      if (op.f === 'append' && Array.isArray(next) && Array.isArray(state.value)) {
        return { ok: true, nextState: { value: next, hash: continueListHash(state.hash, op.input) | 0 } };
      }
      return { ok: true, nextState: keyState(next) };
    },
    equal: (a, b) => a.hash === b.hash && (a.value === b.value || valueEqual(a.value, b.value)),
    hash: (state) => state.hash,
    overwrite: (op) => (op.f === 'write' || op.f === 'put' ? { value: op.input } : undefined),
    // An append depends on the value whatever it is (observedValues: undefined), so a key with
    // appends drops nothing.
    observes: (op) => observedValues(op, nilReadsUnknown),
    // Appended strings share their prefixes (V8 ropes): count a node, not the whole text.
    bytes: (state) => 64 + (Array.isArray(state.value) ? 16 * state.value.length : 0),
    validate: validateKvOp,
    readOnly,
    describeState: (state) => showKeyValue(state.value),
  };
}

export function createKvModel(options: KvOptions = {}): Model<KvState> {
  const fixedInitial = options.initial;
  const nilReadsUnknown = options.nilReadsUnknown === true;
  return {
    name: 'kv',
    description: 'key-value store, per key: read/write/cas or get/put/append; checked per key',
    init: () => ({}),
    step(state, op) {
      const key = op.key ?? '';
      const current = Object.prototype.hasOwnProperty.call(state, key) ? state[key] : NEVER_WRITTEN;
      const result = stepValue(current, op, fixedInitial, nilReadsUnknown);
      if (!result.ok || result.nextState === current) return result.ok ? { ok: true, nextState: state } : REJECT;
      return { ok: true, nextState: { ...state, [key]: result.nextState } };
    },
    hash: hashValue,
    partition: partitionByKey,
    partitionModel: createKvKeyModel(options),
    keyed: true,
    validate: validateKvOp,
    readOnly,
    describeState(state) {
      const keys = Object.keys(state).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)} ${showValue(state[k])}`).join(', ')}}`;
    },
  };
}

/** Groups ops by key, in order of each key's first op (deterministic: history order). */
export function partitionByKey(ops: readonly Operation[]): Operation[][] {
  const groups = new Map<string, Operation[]>();
  for (const op of ops) {
    const key = op.key ?? '';
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    group.push(op);
  }
  return [...groups.values()];
}
