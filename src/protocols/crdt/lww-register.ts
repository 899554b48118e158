/**
 * LWW-Register: the value with the greatest (timestamp, node) wins. Timestamps come from the
 * writer's clock, so a clock that runs behind makes newer writes lose: that is the point of showing it.
 */
import type { NodeId } from '../../core/ids.js';
import { canonical } from './canonical.js';

export interface LwwRegister {
  readonly value: unknown;
  readonly timestampUs: number;
  readonly node: NodeId;
}

/** Positive when `a` wins over `b`. The value breaks exact ties so merge stays commutative. */
export function compareLww(a: LwwRegister, b: LwwRegister): number {
  if (a.timestampUs !== b.timestampUs) return a.timestampUs - b.timestampUs;
  if (a.node !== b.node) return a.node > b.node ? 1 : -1;
  const ca = canonical(a.value);
  const cb = canonical(b.value);
  return ca > cb ? 1 : ca < cb ? -1 : 0;
}

export function lwwMerge(a: LwwRegister, b: LwwRegister): LwwRegister {
  return compareLww(a, b) >= 0 ? a : b;
}

export function lwwWrite(value: unknown, timestampUs: number, node: NodeId): LwwRegister {
  return { value, timestampUs, node };
}
