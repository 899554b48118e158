/** G-Counter: one grow-only count per replica; the value is their sum, merge the pointwise max. */
import type { NodeId } from '../../core/ids.js';

export type GCounter = Readonly<Record<NodeId, number>>;

export const EMPTY_GCOUNTER: GCounter = {};

function sorted(map: Map<NodeId, number>): GCounter {
  const out: Record<NodeId, number> = {};
  for (const k of [...map.keys()].sort()) if (map.get(k)! > 0) out[k] = map.get(k)!;
  return out;
}

export function gcounterIncrement(counter: GCounter, node: NodeId, amount: number): GCounter {
  if (!(amount >= 0)) throw new Error(`a G-Counter only grows; got ${amount}`);
  const map = new Map(Object.entries(counter));
  map.set(node, (map.get(node) ?? 0) + amount);
  return sorted(map);
}

export function gcounterValue(counter: GCounter): number {
  let sum = 0;
  for (const v of Object.values(counter)) sum += v;
  return sum;
}

export function gcounterMerge(a: GCounter, b: GCounter): GCounter {
  const map = new Map(Object.entries(a));
  for (const [k, v] of Object.entries(b)) map.set(k, Math.max(map.get(k) ?? 0, v));
  return sorted(map);
}
