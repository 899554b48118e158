/**
 * Dots and causal contexts: the bookkeeping that makes CRDT merges and op delivery idempotent.
 *
 * A dot (origin, counter) names one update minted by `origin`. A causal context is the set of dots a
 * replica has seen, kept compact as a version vector (every dot up to vv[origin] seen) plus a cloud
 * of dots seen out of order. Redelivered or duplicated updates are recognized by their dot.
 */
import type { NodeId } from '../../core/ids.js';

export interface Dot {
  readonly origin: NodeId;
  readonly counter: number;
}

export interface CausalContext {
  /** Every dot (origin, 1..vv[origin]) has been seen. */
  readonly vv: Readonly<Record<NodeId, number>>;
  /** Dots seen beyond the contiguous prefix, sorted by (origin, counter). */
  readonly cloud: readonly Dot[];
}

export const EMPTY_CONTEXT: CausalContext = { vv: {}, cloud: [] };

export function compareDots(a: Dot, b: Dot): number {
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1;
  return a.counter - b.counter;
}

export function sameDot(a: Dot, b: Dot): boolean {
  return a.origin === b.origin && a.counter === b.counter;
}

export function covers(ctx: CausalContext, dot: Dot): boolean {
  if (dot.counter <= (ctx.vv[dot.origin] ?? 0)) return true;
  return ctx.cloud.some((d) => sameDot(d, dot));
}

/** Folds cloud dots that extend the contiguous prefix into the vector. */
function compact(vv: Map<NodeId, number>, cloud: Dot[]): CausalContext {
  const rest: Dot[] = [];
  for (const dot of cloud.sort(compareDots)) {
    const seen = vv.get(dot.origin) ?? 0;
    if (dot.counter === seen + 1) vv.set(dot.origin, dot.counter);
    else if (dot.counter > seen && !rest.some((d) => sameDot(d, dot))) rest.push(dot);
  }
  const out: Record<NodeId, number> = {};
  for (const k of [...vv.keys()].sort()) out[k] = vv.get(k)!;
  // A dot left in the cloud may have become covered by a later fold.
  return { vv: out, cloud: rest.filter((d) => d.counter > (out[d.origin] ?? 0)) };
}

export function addDots(ctx: CausalContext, dots: readonly Dot[]): CausalContext {
  return compact(new Map(Object.entries(ctx.vv)), [...ctx.cloud, ...dots]);
}

export function mergeContexts(a: CausalContext, b: CausalContext): CausalContext {
  const vv = new Map<NodeId, number>(Object.entries(a.vv));
  for (const [k, v] of Object.entries(b.vv)) vv.set(k, Math.max(vv.get(k) ?? 0, v));
  return compact(vv, [...a.cloud, ...b.cloud]);
}
