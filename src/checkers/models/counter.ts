/** A counter: `add` (argument: the amount, default 1) and `read` (result: the count). */
import { REJECT, showValue } from './model.js';
import type { Model } from './model.js';

export interface CounterOptions {
  readonly initial?: number;
}

function amount(input: unknown): number {
  return input === null || input === undefined ? 1 : (input as number);
}

export function createCounterModel(options: CounterOptions = {}): Model<number> {
  const initial = options.initial ?? 0;
  return {
    name: 'counter',
    description: 'counter: add (amount), read',
    init: () => initial,
    step(state, op) {
      switch (op.f) {
        case 'add':
        case 'increment':
          return { ok: true, nextState: state + amount(op.input) };
        case 'read':
          return !op.known || op.output === state ? { ok: true, nextState: state } : REJECT;
        default:
          return REJECT;
      }
    },
    hash: (state) => (Number.isInteger(state) ? state | 0 : Math.floor(state * 1e6) | 0),
    validate(op) {
      if (op.f === 'add' || op.f === 'increment') {
        const n = amount(op.input);
        return typeof n === 'number' && Number.isFinite(n) ? undefined : `add expects a number, got ${showValue(op.input)}`;
      }
      if (op.f === 'read') {
        return !op.known || typeof op.output === 'number' ? undefined : `read should return a number, got ${showValue(op.output)}`;
      }
      return `unknown op f=${JSON.stringify(op.f)} (expected add, read)`;
    },
    readOnly: (op) => op.f === 'read',
    describeState: (state) => String(state),
  };
}
