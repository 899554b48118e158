/**
 * Queues, as Knossos's `fifo-queue` and `unordered-queue`: `enqueue` (argument: the element) and
 * `dequeue` (result: the element removed). Elements are compared as plain data.
 *
 * Two refinements over Knossos, both about results Knossos cannot read:
 * - a dequeue that completed `ok` with nil saw an empty queue: legal exactly when the queue is
 *   empty (Knossos rejects it always, which flags every client that reports "empty" that way);
 * - an indeterminate dequeue may have removed an element. In a FIFO queue that is the head, which
 *   matters to later dequeues; in an unordered queue removing an element can only make later
 *   dequeues fail, so "it never happened" covers it and it is dropped (Knossos drops both).
 *
 * The unordered queue is a multiset, whose elements are independent counters: unless some
 * dequeue observed the whole queue empty, the history splits per element (P-compositionality).
 */
import { canonicalJson } from '../../core/canonical.js';
import type { Operation } from '../../core/history.js';
import { REJECT, hashValue, showValue, valueEqual } from './model.js';
import type { Model, ModelOp, StepResult } from './model.js';

/**
 * A FIFO queue's pending elements, oldest first. `offset` counts elements dequeued before
 * `items[0]`: the hash sums each element's hash mixed with its absolute position, so enqueue and
 * dequeue update it in O(1). (Equal queues with different offsets are different states: a finer
 * equality only costs memoization, never correctness.)
 */
export interface FifoState {
  readonly items: readonly unknown[];
  readonly offset: number;
  readonly hash: number;
}

function positionHash(value: unknown, position: number): number {
  return Math.imul(hashValue(value) ^ Math.imul(position + 1, 0x9e3779b1), 0x85ebca6b) | 0;
}

const VALIDATE_FS = (op: ModelOp): string | undefined =>
  op.f === 'enqueue' || op.f === 'dequeue' ? undefined : `unknown op f=${JSON.stringify(op.f)} (expected enqueue, dequeue)`;

export function createFifoQueueModel(name = 'fifo-queue'): Model<FifoState> {
  const empty: FifoState = { items: [], offset: 0, hash: 0 };
  return {
    name,
    description: 'FIFO queue: enqueue (element), dequeue (element removed; nil: saw it empty)',
    init: () => empty,
    step(state, op): StepResult<FifoState> {
      switch (op.f) {
        case 'enqueue': {
          const position = state.offset + state.items.length;
          return { ok: true, nextState: { items: [...state.items, op.input], offset: state.offset, hash: (state.hash + positionHash(op.input, position)) | 0 } };
        }
        case 'dequeue': {
          if (state.items.length === 0) {
            // Nothing to remove: only an "empty" result (or an unknown one, which then did nothing).
            return !op.known || op.output === null || op.output === undefined ? { ok: true, nextState: state } : REJECT;
          }
          const head = state.items[0];
          if (op.known && !valueEqual(op.output, head)) return REJECT;
          return { ok: true, nextState: { items: state.items.slice(1), offset: state.offset + 1, hash: (state.hash - positionHash(head, state.offset)) | 0 } };
        }
        default:
          return REJECT;
      }
    },
    equal: (a, b) => a.hash === b.hash && a.offset === b.offset && a.items.length === b.items.length && a.items.every((v, i) => valueEqual(v, b.items[i])),
    hash: (state) => state.hash,
    validate: VALIDATE_FS,
    describeState: (state) => `[${state.items.map(showValue).join(' ')}]`,
  };
}

/** An unordered queue's pending elements as a multiset: canonical encodings, sorted. */
export interface MultisetState {
  readonly items: readonly string[];
  readonly hash: number;
}

function elementHash(encoded: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < encoded.length; i++) h = Math.imul(h ^ encoded.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) | 0;
}

function insertionPoint(items: readonly string[], element: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]! < element) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Did some dequeue complete having seen the queue empty (ok with nil)? */
const sawEmpty = (op: Operation): boolean => op.f === 'dequeue' && op.outcome === 'ok' && (op.output === null || op.output === undefined);

export function createUnorderedQueueModel(): Model<MultisetState> {
  const empty: MultisetState = { items: [], hash: 0 };
  return {
    name: 'unordered-queue',
    description: 'unordered queue (a multiset): enqueue (element), dequeue (any pending element; nil: saw it empty)',
    init: () => empty,
    step(state, op) {
      switch (op.f) {
        case 'enqueue': {
          const element = canonicalJson(op.input);
          const at = insertionPoint(state.items, element);
          return { ok: true, nextState: { items: [...state.items.slice(0, at), element, ...state.items.slice(at)], hash: (state.hash + elementHash(element)) | 0 } };
        }
        case 'dequeue': {
          // An unknown dequeue is dropped before the search (readOnly); here it changes nothing.
          if (!op.known) return { ok: true, nextState: state };
          if (op.output === null || op.output === undefined) return state.items.length === 0 ? { ok: true, nextState: state } : REJECT;
          const element = canonicalJson(op.output);
          const at = insertionPoint(state.items, element);
          if (state.items[at] !== element) return REJECT;
          return { ok: true, nextState: { items: [...state.items.slice(0, at), ...state.items.slice(at + 1)], hash: (state.hash - elementHash(element)) | 0 } };
        }
        default:
          return REJECT;
      }
    },
    equal: (a, b) => a.hash === b.hash && a.items.length === b.items.length && a.items.every((e, i) => e === b.items[i]),
    hash: (state) => state.hash,
    partition(ops) {
      if (ops.some(sawEmpty)) return [ops];
      const groups = new Map<string, Operation[]>();
      for (const op of ops) {
        const element = canonicalJson(op.f === 'enqueue' ? op.input : op.output);
        let group = groups.get(element);
        if (group === undefined) {
          group = [];
          groups.set(element, group);
        }
        group.push(op);
      }
      return [...groups.values()];
    },
    validate: VALIDATE_FS,
    readOnly: (op) => op.f === 'dequeue',
    describeState: (state) => `{${state.items.map((e) => showValue(JSON.parse(e) as unknown)).join(' ')}}`,
  };
}
