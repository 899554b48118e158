import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng/index.js';
import { OpGenerator, WRITES_PER_KEY } from '../../src/workload/generators.js';
import { resolveScenario, ScenarioError } from '../../src/scenario/index.js';

type Mop = [string, number, unknown];

describe('transactional workload models', () => {
  it('list-append: 1–5 micro-ops over the active keys, unique appended values, keys retired after WRITES_PER_KEY writes', () => {
    const gen = new OpGenerator({ model: 'list-append', keys: 3, keyDistribution: { kind: 'uniform' }, mix: { append: 0.5, r: 0.5 } });
    const rng = Rng.root('txn');
    const values = new Set<unknown>();
    const writes = new Map<number, number>();
    const lengths = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const op = gen.next(rng);
      expect(op.f).toBe('txn');
      const mops = op.value as Mop[];
      lengths.add(mops.length);
      for (const [f, key, value] of mops) {
        expect(['append', 'r']).toContain(f);
        if (f === 'r') expect(value).toBeNull();
        else {
          expect(values.has(value)).toBe(false);
          values.add(value);
          writes.set(key, (writes.get(key) ?? 0) + 1);
        }
      }
    }
    expect([...lengths].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...writes.values())).toBeLessThanOrEqual(WRITES_PER_KEY);
    expect(writes.size).toBeGreaterThan(3);
    // The final reads: read-only transactions of up to 32 reads, over every key used (or in use).
    const finals = gen.finalReads();
    const read = finals.flatMap((op) => (op.value as Mop[]).map(([f, key]) => (f === 'r' ? key : -1)));
    expect(finals.every((op) => op.f === 'txn' && (op.value as Mop[]).length <= 32)).toBe(true);
    expect(read).toEqual([...new Set(read)].sort((a, b) => a - b));
    for (const key of writes.keys()) expect(read).toContain(key);
  });

  it('rw-register writes registers; maxTxnOps bounds the length', () => {
    const gen = new OpGenerator({ model: 'rw-register', keys: 2, keyDistribution: { kind: 'uniform' }, mix: { w: 1 }, maxTxnOps: 2 });
    const rng = Rng.root('rw');
    for (let i = 0; i < 50; i++) {
      const mops = gen.next(rng).value as Mop[];
      expect(mops.length).toBeLessThanOrEqual(2);
      expect(mops.every(([f]) => f === 'w')).toBe(true);
    }
  });

  it('scenarios take the models, and a mix names their micro-ops', () => {
    const s = resolveScenario({ protocol: 'transactions', workload: { model: 'rw-register' } }, 'x.yaml');
    expect(s.model).toBe('rw-register');
    expect(s.workload.mix).toEqual({ w: 0.5, r: 0.5 });
    expect(s.checks).toEqual(['invariants', 'isolation', 'durable', 'liveness']);
    expect(() => resolveScenario({ protocol: 'transactions', workload: { model: 'list-append', mix: { write: 1 } } }, 'x.yaml')).toThrow(ScenarioError);
    expect(() => resolveScenario({ protocol: 'transactions', workload: { model: 'list-append', mix: { write: 1 } } }, 'x.yaml')).toThrow(/model list-append has micro-ops append, r, not write/);
  });
});
