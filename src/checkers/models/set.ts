/**
 * A grow-only set: `add` (argument: the element) and `read` (result: a collection, every element
 * once; order does not matter). Elements are compared as plain data.
 */
import { REJECT, showValue } from './model.js';
import { canonicalJson } from '../../core/canonical.js';
import type { Model } from './model.js';

/** The elements' canonical encodings, sorted: equal sets have equal states. */
export type SetState = readonly string[];

export { canonicalJson } from '../../core/canonical.js';

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function createSetModel(): Model<SetState> {
  return {
    name: 'set',
    description: 'grow-only set: add (element), read (collection)',
    init: () => [],
    step(state, op) {
      switch (op.f) {
        case 'add': {
          const element = canonicalJson(op.input);
          // Binary search for the insertion point keeps the state sorted.
          let lo = 0;
          let hi = state.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if ((state[mid] as string) < element) lo = mid + 1;
            else hi = mid;
          }
          if (state[lo] === element) return { ok: true, nextState: state };
          return { ok: true, nextState: [...state.slice(0, lo), element, ...state.slice(lo)] };
        }
        case 'read': {
          if (!op.known) return { ok: true, nextState: state };
          const seen = (op.output as unknown[]).map(canonicalJson).sort(compareStrings);
          return sameStrings(seen, state) ? { ok: true, nextState: state } : REJECT;
        }
        default:
          return REJECT;
      }
    },
    equal: sameStrings,
    hash(state) {
      let h = 0x811c9dc5 ^ state.length;
      for (const element of state) {
        for (let i = 0; i < element.length; i++) h = Math.imul(h ^ element.charCodeAt(i), 0x01000193);
        h = Math.imul(h ^ 0x2c, 0x01000193);
      }
      return h | 0;
    },
    validate(op) {
      if (op.f === 'add') return undefined;
      if (op.f === 'read') {
        return !op.known || Array.isArray(op.output) ? undefined : `read should return a collection, got ${showValue(op.output)}`;
      }
      return `unknown op f=${JSON.stringify(op.f)} (expected add, read)`;
    },
    readOnly: (op) => op.f === 'read',
    describeState: (state) => `#{${state.map((e) => showValue(JSON.parse(e) as unknown)).join(' ')}}`,
  };
}
