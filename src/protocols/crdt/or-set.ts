/**
 * OR-Set (observed-remove, add-wins), in its optimized form: each present element carries the dots
 * of the adds that put it there, and a causal context records every dot ever seen. A remove drops
 * the element's dots but keeps them in the context, so a stale copy of the add cannot bring the
 * element back; an add concurrent with a remove has a dot the remove never saw, so it wins.
 *
 * State-based: `orsetMerge`. Op-based: `orsetApplyAdd` / `orsetApplyRemove`, which accept ops in
 * any order and any number of times (dots deduplicate them). A delta (one add) is itself a small
 * state, so shipping deltas and merging them is the same code as full-state anti-entropy.
 */
import { addDots, compareDots, covers, mergeContexts, sameDot, EMPTY_CONTEXT, type CausalContext, type Dot } from './causal-context.js';
import { canonical, compareValues } from './canonical.js';

export interface OrSetEntry {
  readonly element: unknown;
  /** Sorted by (origin, counter); never empty. */
  readonly dots: readonly Dot[];
}

export interface OrSet {
  /** Sorted by element. */
  readonly entries: readonly OrSetEntry[];
  readonly context: CausalContext;
}

export const EMPTY_ORSET: OrSet = { entries: [], context: EMPTY_CONTEXT };

export interface OrSetAddOp {
  readonly kind: 'add';
  readonly element: unknown;
  readonly dot: Dot;
}

export interface OrSetRemoveOp {
  readonly kind: 'remove';
  readonly element: unknown;
  /** The element's dots the remover observed. */
  readonly dots: readonly Dot[];
}

export type OrSetOp = OrSetAddOp | OrSetRemoveOp;

function build(byElement: Map<string, { element: unknown; dots: Dot[] }>, context: CausalContext): OrSet {
  const entries = [...byElement.values()]
    .filter((e) => e.dots.length > 0)
    .map((e) => ({ element: e.element, dots: dedupeDots(e.dots) }))
    .sort((a, b) => compareValues(a.element, b.element));
  return { entries, context };
}

function dedupeDots(dots: readonly Dot[]): Dot[] {
  const out: Dot[] = [];
  for (const d of [...dots].sort(compareDots)) if (out.length === 0 || !sameDot(out[out.length - 1]!, d)) out.push(d);
  return out;
}

function index(set: OrSet): Map<string, { element: unknown; dots: Dot[] }> {
  return new Map(set.entries.map((e) => [canonical(e.element), { element: e.element, dots: [...e.dots] }]));
}

export function orsetElements(set: OrSet): unknown[] {
  return set.entries.map((e) => e.element);
}

export function orsetHas(set: OrSet, element: unknown): boolean {
  const key = canonical(element);
  return set.entries.some((e) => canonical(e.element) === key);
}

/** The op for a local add: `dot` must be fresh for its origin. */
export function orsetAddOp(element: unknown, dot: Dot): OrSetAddOp {
  return { kind: 'add', element, dot };
}

/** The op for a local remove: it removes exactly the adds this replica has observed. */
export function orsetRemoveOp(set: OrSet, element: unknown): OrSetRemoveOp {
  const key = canonical(element);
  return { kind: 'remove', element, dots: set.entries.find((e) => canonical(e.element) === key)?.dots ?? [] };
}

export function orsetApplyAdd(set: OrSet, op: OrSetAddOp): OrSet {
  if (covers(set.context, op.dot)) return set; // seen before: a duplicate, or already removed
  const map = index(set);
  const key = canonical(op.element);
  const entry = map.get(key) ?? { element: op.element, dots: [] };
  entry.dots.push(op.dot);
  map.set(key, entry);
  return build(map, addDots(set.context, [op.dot]));
}

export function orsetApplyRemove(set: OrSet, op: OrSetRemoveOp): OrSet {
  const map = index(set);
  const key = canonical(op.element);
  const entry = map.get(key);
  if (entry !== undefined) entry.dots = entry.dots.filter((d) => !op.dots.some((r) => sameDot(r, d)));
  // Remembering the removed dots keeps an add that arrives later from resurrecting the element.
  return build(map, addDots(set.context, op.dots));
}

export function orsetApply(set: OrSet, op: OrSetOp): OrSet {
  switch (op.kind) {
    case 'add':
      return orsetApplyAdd(set, op);
    case 'remove':
      return orsetApplyRemove(set, op);
  }
}

/** The delta state of one add: merging it is the same as applying the op. */
export function orsetAddDelta(element: unknown, dot: Dot): OrSet {
  return { entries: [{ element, dots: [dot] }], context: addDots(EMPTY_CONTEXT, [dot]) };
}

/**
 * A dot survives the merge if both sides have it, or one side has it and the other side never saw
 * it (not in its context). A dot one side saw and dropped was removed there. Both entry lists are
 * sorted by element, so this is one linear merge-join.
 */
export function orsetMerge(a: OrSet, b: OrSet): OrSet {
  const entries: OrSetEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.entries.length || j < b.entries.length) {
    const ea = a.entries[i];
    const eb = b.entries[j];
    const order = ea === undefined ? 1 : eb === undefined ? -1 : compareValues(ea.element, eb.element);
    if (order < 0) {
      i++;
      keep(entries, ea!, ea!.dots.filter((d) => !covers(b.context, d)));
    } else if (order > 0) {
      j++;
      keep(entries, eb!, eb!.dots.filter((d) => !covers(a.context, d)));
    } else {
      i++;
      j++;
      const da = ea!.dots;
      const db = eb!.dots;
      const dots = [
        ...da.filter((d) => db.some((x) => sameDot(x, d)) || !covers(b.context, d)),
        ...db.filter((d) => !da.some((x) => sameDot(x, d)) && !covers(a.context, d)),
      ];
      keep(entries, ea!, dedupeDots(dots));
    }
  }
  return { entries, context: mergeContexts(a.context, b.context) };
}

/** Appends the entry with `dots` (reusing it when nothing changed), or nothing when none are left. */
function keep(out: OrSetEntry[], entry: OrSetEntry, dots: readonly Dot[]): void {
  if (dots.length === 0) return;
  out.push(dots.length === entry.dots.length && dots.every((d, k) => sameDot(d, entry.dots[k]!)) ? entry : { element: entry.element, dots });
}
