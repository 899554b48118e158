/**
 * Version vectors: one counter per replica that minted versions. `a` happened before `b` when every
 * entry of `a` is ≤ the one in `b` and they differ; neither before the other means concurrent, which
 * is exactly when a store must keep both values (siblings) or pick one arbitrarily.
 *
 * Vectors are immutable plain records with sorted keys, so equal vectors serialize equally. A
 * missing entry means 0.
 */
import type { NodeId } from '../../core/ids.js';

export type VersionVector = Readonly<Record<NodeId, number>>;

export type VersionOrder = 'equal' | 'before' | 'after' | 'concurrent';

function sortedRecord(entries: Iterable<[NodeId, number]>): VersionVector {
  const list = [...entries].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<NodeId, number> = {};
  for (const [k, v] of list) out[k] = v;
  return out;
}

/** How `a` relates to `b`. */
export function compareVersions(a: VersionVector, b: VersionVector): VersionOrder {
  let aBigger = false;
  let bBigger = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x > y) aBigger = true;
    else if (y > x) bBigger = true;
  }
  if (aBigger && bBigger) return 'concurrent';
  if (aBigger) return 'after';
  if (bBigger) return 'before';
  return 'equal';
}

/** True when `a` has seen everything `b` has (a ≥ b). */
export function descends(a: VersionVector, b: VersionVector): boolean {
  const order = compareVersions(a, b);
  return order === 'after' || order === 'equal';
}

/** The pointwise maximum: the least vector that has seen both. */
export function mergeVersions(a: VersionVector, b: VersionVector): VersionVector {
  const out = new Map<NodeId, number>(Object.entries(a));
  for (const [k, v] of Object.entries(b)) out.set(k, Math.max(out.get(k) ?? 0, v));
  return sortedRecord(out);
}

/** `vv` with `node`'s entry raised to `counter` (a freshly minted event of that node). */
export function withEntry(vv: VersionVector, node: NodeId, counter: number): VersionVector {
  const out = new Map<NodeId, number>(Object.entries(vv));
  out.set(node, Math.max(out.get(node) ?? 0, counter));
  return sortedRecord(out);
}

/** A stable text form (`n1:2,n3:1`), for ordering and evidence. */
export function formatVersion(vv: VersionVector): string {
  return Object.keys(vv)
    .sort()
    .map((k) => `${k}:${vv[k]}`)
    .join(',');
}
