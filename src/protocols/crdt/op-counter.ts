/**
 * Op-based PN-Counter: each add travels as an op tagged with a dot; a replica applies an op only if
 * its dot is new, so redelivered and duplicated ops count once and delivery order does not matter
 * (addition commutes).
 */
import { addDots, covers, EMPTY_CONTEXT, type CausalContext, type Dot } from './causal-context.js';

export interface OpCounter {
  readonly value: number;
  readonly seen: CausalContext;
}

export interface CounterAddOp {
  readonly dot: Dot;
  readonly amount: number;
}

export const EMPTY_OPCOUNTER: OpCounter = { value: 0, seen: EMPTY_CONTEXT };

export function opCounterApply(counter: OpCounter, op: CounterAddOp): OpCounter {
  if (covers(counter.seen, op.dot)) return counter;
  return { value: counter.value + op.amount, seen: addDots(counter.seen, [op.dot]) };
}
