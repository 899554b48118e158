/**
 * A canonical text form of plain data (object keys sorted), so equal values compare, sort and hash
 * equally on every replica. CRDT states keep their arrays in this order.
 */
import { canonicalJson } from '../../core/canonical.js';

export const canonical = canonicalJson;

/** A total order on plain values: numbers before strings before everything else; then by value. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown): number => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return (a as number) - (b as number);
  const sa = ra === 1 ? (a as string) : canonical(a);
  const sb = rb === 1 ? (b as string) : canonical(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Sorted, without duplicates (by canonical form). */
export function sortedUnique<T>(values: Iterable<T>): T[] {
  const byText = new Map<string, T>();
  for (const v of values) byText.set(canonical(v), v);
  return [...byText.values()].sort(compareValues);
}
