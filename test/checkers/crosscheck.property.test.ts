/**
 * The checker against a brute-force search (test/checkers/support.ts) on small random histories,
 * for every built-in model, every way the search can remember configurations (whole sets;
 * windows with indeterminate ops as a bitset or as a list) and per-key (jepsen.independent)
 * histories. Histories are random, not built from an execution: a quarter to a half are not linearizable.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkLinearizability, createModel, isIndependent, perKey } from '../../src/checkers/linearizability/index.js';
import type { AnyModel, LinearizabilityOptions } from '../../src/checkers/linearizability/index.js';
import { pairOperations } from '../../src/core/history.js';
import { bruteForceLinearizable, buildHistory } from './support.js';
import type { OpSpec } from './support.js';

const outcome = fc.constantFrom<OpSpec['outcome']>('ok', 'ok', 'ok', 'fail', 'info', 'open');
const timing = { start: fc.integer({ min: 0, max: 60 }), length: fc.integer({ min: 0, max: 40 }), outcome };
const small = fc.constantFrom(0, 1, 2);

/** Per model: ops whose argument and result are drawn from tiny domains, so collisions are common. */
const opsFor: Record<string, fc.Arbitrary<Omit<OpSpec, 'process' | 'start' | 'end'> & { start: number; length: number }>> = {
  mutex: fc.record({ f: fc.constantFrom('acquire', 'release'), ...timing }),
  'fifo-queue': fc.oneof(
    fc.record({ f: fc.constant('enqueue'), input: small, ...timing }),
    fc.record({ f: fc.constant('dequeue'), output: fc.constantFrom(0, 1, 2, null), ...timing }),
  ),
  'unordered-queue': fc.oneof(
    fc.record({ f: fc.constant('enqueue'), input: small, ...timing }),
    fc.record({ f: fc.constant('dequeue'), output: fc.constantFrom(0, 1, 2, null), ...timing }),
  ),
  'unique-ids': fc.record({ f: fc.constant('generate'), output: fc.constantFrom(1, 2, 3, 4), ...timing }),
  'multi-register': fc.record({
    f: fc.constant('txn'),
    output: fc.array(fc.tuple(fc.constantFrom('read', 'write'), fc.constantFrom('x', 'y', 'z'), fc.constantFrom(0, 1, null)), { minLength: 1, maxLength: 2 }),
    ...timing,
  }),
  'cas-register': fc.oneof(
    fc.record({ f: fc.constant('read'), output: fc.constantFrom(0, 1, 2, null), ...timing }),
    fc.record({ f: fc.constant('write'), input: small, ...timing }),
    fc.record({ f: fc.constant('cas'), input: fc.tuple(fc.constantFrom(0, 1, null), small), ...timing }),
  ),
};

function specs(raw: readonly (Omit<OpSpec, 'process' | 'start' | 'end'> & { start: number; length: number })[], key?: (i: number) => string): OpSpec[] {
  return raw.map((r, i) => {
    // A txn's invocation has nil for what it reads; its completion has the values.
    const input = r.f === 'txn' ? (r.output as [string, string, unknown][]).map(([f, k, v]) => [f, k, f === 'read' ? null : v]) : r.input;
    const { length, ...rest } = r;
    return { ...rest, input, process: i, start: r.start, end: r.start + length, ...(key === undefined ? {} : { key: key(i) }) };
  });
}

const representations: readonly [string, LinearizabilityOptions['representation']][] = [
  ['whole sets', undefined],
  ['windows, indeterminate ops as a bitset', { wholeMax: 0 }],
  ['windows, indeterminate ops as a list', { wholeMax: 0, infoBitsetMax: 0 }],
];

describe('the checker agrees with brute force', () => {
  for (const [modelName, ops] of Object.entries(opsFor)) {
    it(modelName, () => {
      const created = createModel(modelName);
      if (!('model' in created)) throw new Error(created.problem);
      const model: AnyModel = created.model;
      fc.assert(
        fc.property(fc.array(ops, { minLength: 1, maxLength: 6 }), fc.constantFrom(...representations), (raw, [, representation]) => {
          const history = buildHistory(specs(raw));
          const expected = bruteForceLinearizable(pairOperations(history), model);
          const result = checkLinearizability(history, model, { representation });
          expect(result.kind).toBe(expected ? 'linearizable' : 'not-linearizable');
        }),
        { seed: 15, numRuns: 250 },
      );
    });
  }

  it('cas-register per key, as jepsen.independent [k v] values', () => {
    const created = createModel('cas-register');
    if (!('model' in created)) throw new Error(created.problem);
    const model = created.model;
    fc.assert(
      fc.property(fc.array(opsFor['cas-register']!, { minLength: 1, maxLength: 7 }), fc.array(fc.constantFrom(0, 1), { minLength: 7, maxLength: 7 }), (raw, keys) => {
        const plain = specs(raw);
        // The same ops with [k v] values, and with dsim keys for the reference.
        const wrapped = buildHistory(plain.map((s, i) => ({ ...s, input: [keys[i]!, s.input ?? null], output: [keys[i]!, s.output ?? s.input ?? null] })));
        const keyed = buildHistory(plain.map((s, i) => ({ ...s, key: String(keys[i]) })));
        const expected = bruteForceLinearizable(pairOperations(keyed), perKey(model));
        const result = checkLinearizability(wrapped, model, { independent: true });
        expect(result.kind).toBe(expected ? 'linearizable' : 'not-linearizable');
        if (raw.some((r) => r.f === 'read')) expect(isIndependent(pairOperations(wrapped), model)).toBe(true);
      }),
      { seed: 16, numRuns: 250 },
    );
  });
});
