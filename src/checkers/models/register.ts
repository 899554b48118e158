/**
 * Registers: a single value with read and write, and the compare-and-set variant.
 *
 * Jepsen conventions: a read's result is the value read (`nil` → null when never written); a
 * write's argument is the value; a cas's argument is `[expected, new]`. A cas whose expected value
 * does not match is recorded as `fail` (it did not take effect), and the checker drops fail ops,
 * so an `ok` cas here always claims it matched.
 */
import { REJECT, hashValue, showValue, valueEqual } from './model.js';
import type { Model, ModelOp, StepResult } from './model.js';

export interface RegisterOptions {
  /** The value before any write. Default null (Jepsen's nil). */
  readonly initial?: unknown;
  /**
   * A read that returned nil constrains nothing, as in Knossos's registers (default false: nil
   * is a value, the one a register holds before any write, as in Porcupine's etcd model).
   */
  readonly nilReadsUnknown?: boolean;
}

const READ_FS = new Set(['read', 'get']);
const WRITE_FS = new Set(['write', 'put']);

function stepRead(state: unknown, op: ModelOp, nilReadsUnknown: boolean): StepResult<unknown> {
  return !op.known || valueEqual(op.output, state) || (nilReadsUnknown && op.output === null) ? { ok: true, nextState: state } : REJECT;
}

function stepCas(state: unknown, op: ModelOp): StepResult<unknown> {
  const [expected, next] = op.input as readonly [unknown, unknown];
  if (valueEqual(state, expected)) return { ok: true, nextState: next };
  // An indeterminate cas placed where it cannot match simply had no effect.
  return op.known ? REJECT : { ok: true, nextState: state };
}

/**
 * What a register op can tell apart (see Model.observes): a read its result, a cas its expected
 * value; a read of nil that constrains nothing (`nilReadsUnknown`) is legal anywhere.
 */
export function observedValues(op: ModelOp, nilReadsUnknown: boolean): readonly unknown[] | undefined {
  switch (op.f) {
    case 'read':
    case 'get':
      return nilReadsUnknown && op.output === null ? undefined : [op.output];
    case 'cas':
      return Array.isArray(op.input) ? [op.input[0]] : undefined;
    default:
      return undefined;
  }
}

function validate(op: ModelOp, allowCas: boolean): string | undefined {
  if (READ_FS.has(op.f) || WRITE_FS.has(op.f)) return undefined;
  if (op.f === 'cas') {
    if (!allowCas) return 'the register model has no cas: use the cas-register model';
    if (!Array.isArray(op.input) || op.input.length !== 2) return `cas expects [expected new], got ${showValue(op.input)}`;
    return undefined;
  }
  return `unknown op f=${JSON.stringify(op.f)} (expected read, write${allowCas ? ', cas' : ''})`;
}

function makeRegister(name: string, description: string, allowCas: boolean, options: RegisterOptions): Model<unknown> {
  const initial = options.initial === undefined ? null : options.initial;
  const nilReadsUnknown = options.nilReadsUnknown === true;
  return {
    name,
    description,
    init: () => initial,
    step(state, op) {
      if (READ_FS.has(op.f)) return stepRead(state, op, nilReadsUnknown);
      if (WRITE_FS.has(op.f)) return { ok: true, nextState: op.input };
      if (op.f === 'cas' && allowCas) return stepCas(state, op);
      return REJECT;
    },
    hash: hashValue,
    validate: (op) => validate(op, allowCas),
    readOnly: (op) => READ_FS.has(op.f),
    overwrite: (op) => (WRITE_FS.has(op.f) ? { value: op.input } : undefined),
    observes: (op) => observedValues(op, nilReadsUnknown),
    describeState: showValue,
  };
}

/** A read/write register. */
export function createRegisterModel(options: RegisterOptions = {}): Model<unknown> {
  return makeRegister('register', 'single register: read, write', false, options);
}

/** A read/write/compare-and-set register (Jepsen's cas-register; etcd's single key). */
export function createCasRegisterModel(options: RegisterOptions = {}): Model<unknown> {
  return makeRegister('cas-register', 'single register: read, write, cas [expected new]', true, options);
}
