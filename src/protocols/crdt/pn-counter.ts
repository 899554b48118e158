/** PN-Counter: a G-Counter of increments and one of decrements; the value is their difference. */
import type { NodeId } from '../../core/ids.js';
import { EMPTY_GCOUNTER, gcounterIncrement, gcounterMerge, gcounterValue, type GCounter } from './g-counter.js';

export interface PnCounter {
  readonly p: GCounter;
  readonly n: GCounter;
}

export const EMPTY_PNCOUNTER: PnCounter = { p: EMPTY_GCOUNTER, n: EMPTY_GCOUNTER };

export function pncounterAdd(counter: PnCounter, node: NodeId, amount: number): PnCounter {
  if (!Number.isFinite(amount)) throw new Error(`cannot add ${amount}`);
  return amount >= 0 ? { p: gcounterIncrement(counter.p, node, amount), n: counter.n } : { p: counter.p, n: gcounterIncrement(counter.n, node, -amount) };
}

export function pncounterValue(counter: PnCounter): number {
  return gcounterValue(counter.p) - gcounterValue(counter.n);
}

export function pncounterMerge(a: PnCounter, b: PnCounter): PnCounter {
  return { p: gcounterMerge(a.p, b.p), n: gcounterMerge(a.n, b.n) };
}

/**
 * The delta a replica ships after its own adds: only its own entries. Merging it anywhere is
 * idempotent (max), so a resent or duplicated delta never counts twice.
 */
export function pncounterOwnDelta(counter: PnCounter, node: NodeId): PnCounter {
  const pick = (g: GCounter): GCounter => (g[node] === undefined ? {} : { [node]: g[node] });
  return { p: pick(counter.p), n: pick(counter.n) };
}
