/**
 * Merge laws of the state-based CRDTs, on reachable states: three replicas apply random local
 * updates and random pairwise merges, and the laws must hold for whatever states come out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_GSET,
  EMPTY_MVREGISTER,
  EMPTY_ORSET,
  EMPTY_PNCOUNTER,
  gcounterIncrement,
  gcounterMerge,
  gcounterValue,
  gsetAdd,
  gsetMerge,
  lwwMerge,
  lwwWrite,
  mvContext,
  mvMerge,
  mvValues,
  mvWrite,
  orsetAddOp,
  orsetApply,
  orsetElements,
  orsetMerge,
  orsetRemoveOp,
  pncounterAdd,
  pncounterMerge,
  pncounterValue,
  type LwwRegister,
} from '../../../src/protocols/crdt/index.js';

const SEED = 42;
function run<T extends [unknown, ...unknown[]]>(property: fc.IProperty<T>): void {
  // fast-check prints the seed and the shrunk counterexample when a property fails.
  fc.assert(property, { seed: SEED, numRuns: 150, verbose: 1 });
}

const REPLICAS = ['r1', 'r2', 'r3'];
type Step = { replica: number; action: 'update' | 'merge'; from: number; arg: number };
const steps = fc.array(
  fc.record({ replica: fc.integer({ min: 0, max: 2 }), action: fc.constantFrom<'update' | 'merge'>('update', 'update', 'merge'), from: fc.integer({ min: 0, max: 2 }), arg: fc.integer({ min: -5, max: 9 }) }),
  { maxLength: 25 },
);

/** Runs the steps over three replicas; returns their final states. */
function reachable<S>(init: S, update: (s: S, replica: string, arg: number, counter: number) => S, merge: (a: S, b: S) => S, plan: Step[]): S[] {
  const states = [init, init, init];
  let counter = 0;
  for (const step of plan) {
    counter++;
    const s = states[step.replica]!;
    states[step.replica] = step.action === 'update' ? update(s, REPLICAS[step.replica]!, step.arg, counter) : merge(s, states[step.from]!);
  }
  return states;
}

function laws<S>(name: string, init: S, update: (s: S, replica: string, arg: number, counter: number) => S, merge: (a: S, b: S) => S, value: (s: S) => unknown): void {
  describe(name, () => {
    it('merge is commutative, associative and idempotent', () => {
      run(
        fc.property(steps, (plan) => {
          const [a, b, c] = reachable(init, update, merge, plan) as [S, S, S];
          expect(merge(a, b)).toEqual(merge(b, a));
          expect(merge(merge(a, b), c)).toEqual(merge(a, merge(b, c)));
          expect(merge(a, a)).toEqual(a);
          expect(value(merge(a, merge(a, b)))).toEqual(value(merge(a, b)));
        }),
      );
    });
    it('replicas that exchange states converge', () => {
      run(
        fc.property(steps, (plan) => {
          const [a, b, c] = reachable(init, update, merge, plan) as [S, S, S];
          const all = merge(merge(a, b), c);
          expect(value(merge(c, merge(b, a)))).toEqual(value(all));
        }),
      );
    });
  });
}

laws('G-Counter', {}, (s, r, arg) => gcounterIncrement(s, r, Math.abs(arg)), gcounterMerge, gcounterValue);
laws('PN-Counter', EMPTY_PNCOUNTER, (s, r, arg) => pncounterAdd(s, r, arg), pncounterMerge, pncounterValue);
laws('G-Set', EMPTY_GSET as readonly number[], (s, _r, arg) => gsetAdd(s, arg), gsetMerge, (s) => s);
laws(
  'LWW-Register',
  undefined as LwwRegister | undefined,
  (_s, r, arg, counter) => lwwWrite(arg, counter % 4, r), // few timestamps: ties are exercised
  (a, b) => (a === undefined ? b : b === undefined ? a : lwwMerge(a, b)),
  (s) => s?.value,
);
laws('MV-Register', EMPTY_MVREGISTER, (s, r, arg, counter) => mvWrite(mvContext(s), arg, r, counter), mvMerge, mvValues);
laws(
  'OR-Set',
  EMPTY_ORSET,
  // Negative args remove the element |arg| if present; others add arg with a fresh dot.
  (s, r, arg, counter) => (arg < 0 ? orsetApply(s, orsetRemoveOp(s, -arg)) : orsetApply(s, orsetAddOp(arg, { origin: r, counter }))),
  orsetMerge,
  orsetElements,
);

describe('CRDT semantics', () => {
  it('PN-Counter counts every replica’s adds once', () => {
    let a = pncounterAdd(EMPTY_PNCOUNTER, 'r1', 5);
    let b = pncounterAdd(EMPTY_PNCOUNTER, 'r2', -2);
    a = pncounterMerge(a, b);
    b = pncounterMerge(pncounterAdd(b, 'r2', 4), a);
    expect(pncounterValue(pncounterMerge(a, b))).toBe(7);
  });

  it('MV-Register keeps concurrent writes as siblings; a write that saw both replaces them', () => {
    const x = mvWrite({}, 'x', 'r1', 1);
    const y = mvWrite({}, 'y', 'r2', 1);
    const both = mvMerge(x, y);
    expect(mvValues(both)).toEqual(['x', 'y']);
    const z = mvWrite(mvContext(both), 'z', 'r1', 2);
    expect(mvValues(mvMerge(both, z))).toEqual(['z']);
  });

  it('OR-Set: add wins over a concurrent remove; a removed add never comes back', () => {
    const added = orsetApply(EMPTY_ORSET, orsetAddOp(7, { origin: 'r1', counter: 1 }));
    const removed = orsetApply(added, orsetRemoveOp(added, 7));
    const readded = orsetApply(added, orsetAddOp(7, { origin: 'r2', counter: 1 }));
    expect(orsetElements(orsetMerge(removed, readded))).toEqual([7]); // r2's add was not observed by the remove
    expect(orsetElements(orsetMerge(removed, added))).toEqual([]); // the stale copy does not resurrect it
  });
});
