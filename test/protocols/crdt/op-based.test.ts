/**
 * Op-based variants: every delivery order of the same ops, with duplicates, gives the same state,
 * and it equals the state-based result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_OPCOUNTER,
  EMPTY_ORSET,
  opCounterApply,
  orsetAddOp,
  orsetApply,
  orsetElements,
  orsetRemoveOp,
  type CounterAddOp,
  type OrSetOp,
} from '../../../src/protocols/crdt/index.js';

const SEED = 42;
const options = { seed: SEED, numRuns: 200, verbose: 1 } as const;

/** A delivery schedule: a permutation of the ops with some delivered more than once. */
function deliveries<T>(ops: readonly T[], order: readonly number[], dupes: readonly number[]): T[] {
  const indexes = ops.map((_, i) => i).sort((a, b) => (order[a] ?? 0) - (order[b] ?? 0) || a - b);
  const out = indexes.map((i) => ops[i]!);
  for (const d of dupes) if (ops.length > 0) out.splice(d % (out.length + 1), 0, ops[d % ops.length]!);
  return out;
}

const schedule = fc.tuple(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 40, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 10 }));

describe('op-based PN-Counter', () => {
  it('any delivery order, with duplicates, gives the sum of the distinct ops', () => {
    const opsArb = fc.array(fc.record({ origin: fc.constantFrom('r1', 'r2', 'r3'), amount: fc.integer({ min: -5, max: 5 }) }), { maxLength: 30 });
    fc.assert(
      fc.property(opsArb, schedule, schedule, (raw, s1, s2) => {
        const counters = new Map<string, number>();
        const ops: CounterAddOp[] = raw.map((r) => {
          const counter = (counters.get(r.origin) ?? 0) + 1;
          counters.set(r.origin, counter);
          return { dot: { origin: r.origin, counter }, amount: r.amount };
        });
        const apply = (list: CounterAddOp[]) => list.reduce(opCounterApply, EMPTY_OPCOUNTER);
        const a = apply(deliveries(ops, s1[0], s1[1]));
        const b = apply(deliveries(ops, s2[0], s2[1]));
        expect(a.value).toBe(raw.reduce((sum, r) => sum + r.amount, 0));
        expect(a).toEqual(b);
      }),
      options,
    );
  });
});

describe('op-based OR-Set', () => {
  it('any delivery order, with duplicates, converges to the same state', () => {
    // Ops are generated at one source replica (so removes name dots it observed), then delivered
    // to two other replicas in independent orders with duplicates.
    const planArb = fc.array(fc.record({ origin: fc.constantFrom('r1', 'r2'), element: fc.integer({ min: 0, max: 4 }), remove: fc.boolean() }), { maxLength: 30 });
    fc.assert(
      fc.property(planArb, schedule, schedule, (plan, s1, s2) => {
        let source = EMPTY_ORSET;
        const counters = new Map<string, number>();
        const ops: OrSetOp[] = [];
        for (const p of plan) {
          const counter = (counters.get(p.origin) ?? 0) + 1;
          counters.set(p.origin, counter);
          const op = p.remove ? orsetRemoveOp(source, p.element) : orsetAddOp(p.element, { origin: p.origin, counter });
          if (op.kind === 'remove' && op.dots.length === 0) continue;
          source = orsetApply(source, op);
          ops.push(op);
        }
        const apply = (list: OrSetOp[]) => list.reduce(orsetApply, EMPTY_ORSET);
        const a = apply(deliveries(ops, s1[0], s1[1]));
        const b = apply(deliveries(ops, s2[0], s2[1]));
        expect(a).toEqual(b);
        expect(orsetElements(a)).toEqual(orsetElements(source));
      }),
      options,
    );
  });
});
