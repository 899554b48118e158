import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, serialExecute, txnHistory, type Mop, type TxnSpec } from './support.js';

const SEED = 1717;
const RUNS = 120;

type Model = 'list-append' | 'rw-register';

/** Random txns of 1–5 micro-ops over keys 0–3, values unique (a counter). */
function txnsArbitrary(model: Model): fc.Arbitrary<Mop[][]> {
  const mop = fc.record({ read: fc.boolean(), key: fc.integer({ min: 0, max: 3 }) });
  return fc.array(fc.array(mop, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 40 }).map((txns) => {
    let next = 1;
    return txns.map((ops) => ops.map(({ read, key }): Mop => (read ? ['r', key, null] : [model === 'list-append' ? 'append' : 'w', key, next++])));
  });
}

function serialSpecs(model: Model, txns: Mop[][], processes: number[]): TxnSpec[] {
  return serialExecute(model, txns).map((ops, i) => ({ p: processes[i % processes.length]!, ops, start: i * 10, end: i * 10 + 5 }));
}

/** Known anomalies over fresh keys ("a", "b", "c"): their txns, run concurrently, and the type each must show. */
const TEMPLATES: Record<Model, ReadonlyArray<{ type: string; txns: Mop[][] }>> = {
  'list-append': [
    { type: 'G0', txns: [[['append', 'a', 1], ['append', 'b', 1]], [['append', 'a', 2], ['append', 'b', 2]], [['r', 'a', [1, 2]], ['r', 'b', [2, 1]]]] },
    { type: 'G1c', txns: [[['append', 'a', 1], ['r', 'b', [1]]], [['append', 'b', 1], ['r', 'a', [1]]]] },
    { type: 'G-single', txns: [[['r', 'a', null], ['r', 'b', [2]]], [['append', 'a', 1], ['append', 'b', 2]], [['r', 'a', [1]]]] },
    { type: 'G2-item', txns: [[['r', 'a', null], ['append', 'b', 1]], [['r', 'b', null], ['append', 'a', 2]], [['r', 'a', [2]], ['r', 'b', [1]]]] },
    { type: 'G1b', txns: [[['append', 'a', 1], ['append', 'a', 2]], [['r', 'a', [1]]]] },
  ],
  'rw-register': [
    { type: 'G1c', txns: [[['w', 'a', 1], ['r', 'b', 1]], [['w', 'b', 1], ['r', 'a', 1]]] },
    { type: 'G-single', txns: [[['r', 'a', null], ['r', 'b', 2]], [['w', 'a', 1], ['w', 'b', 2]]] },
    { type: 'G2-item', txns: [[['r', 'a', null], ['w', 'b', 1]], [['r', 'b', null], ['w', 'a', 2]]] },
    { type: 'lost-update', txns: [[['r', 'a', null], ['w', 'a', 1]], [['r', 'a', null], ['w', 'a', 2]]] },
  ],
};

describe.each(['list-append', 'rw-register'] as const)('%s properties', (model) => {
  it('a serial history is always strict serializable, with no anomaly at all', () => {
    fc.assert(
      fc.property(txnsArbitrary(model), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }), (txns, processes) => {
        const result = check(txnHistory(serialSpecs(model, txns, processes)), { model });
        expect(result.anomalyTypes).toEqual([]);
        expect(result.valid).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a known anomaly inserted anywhere in a serial history is always found', () => {
    fc.assert(
      fc.property(txnsArbitrary(model), fc.constantFrom(...TEMPLATES[model]), fc.nat(), (txns, template, where) => {
        const specs = serialSpecs(model, txns, [0, 1, 2]);
        // The template's txns overlap each other (and whatever serial txns run meanwhile).
        const at = (where % (specs.length + 1)) * 10 + 1;
        template.txns.forEach((ops, j) => specs.push({ p: 10 + j, ops, start: at, end: at + 30 + j }));
        const result = check(txnHistory(specs), { model });
        expect(result.anomalyTypes).toContain(template.type);
        expect(result.valid).toBe(false);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
