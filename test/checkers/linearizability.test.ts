import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkLinearizability, getModel, models } from '../../src/checkers/linearizability/index.js';
import type { Model } from '../../src/checkers/linearizability/index.js';
import { HistoryError, pairOperations } from '../../src/core/history.js';
import { bruteForceLinearizable, buildHistory } from './support.js';
import type { OpSpec } from './support.js';

const register = models.register!;
const cas = models['cas-register']!;
const kv = models.kv!;

describe('checkLinearizability: basics', () => {
  it('accepts an empty history', () => {
    expect(checkLinearizability([], register).kind).toBe('linearizable');
  });

  it('accepts overlapping ops that can be ordered, rejects a stale read', () => {
    // write(1) overlaps both reads: one may see nil, the other 1.
    const ok = buildHistory([
      { process: 0, f: 'write', input: 1, start: 0, end: 100 },
      { process: 1, f: 'read', output: null, start: 10, end: 20 },
      { process: 2, f: 'read', output: 1, start: 30, end: 40 },
    ]);
    expect(checkLinearizability(ok, register).kind).toBe('linearizable');
    // Once a read saw 1, a later read cannot see nil.
    const bad = buildHistory([
      { process: 0, f: 'write', input: 1, start: 0, end: 100 },
      { process: 1, f: 'read', output: 1, start: 10, end: 20 },
      { process: 2, f: 'read', output: null, start: 30, end: 40 },
    ]);
    const result = checkLinearizability(bad, register);
    expect(result.kind).toBe('not-linearizable');
    if (result.kind !== 'not-linearizable') return;
    const [evidence] = result.evidence;
    expect(evidence!.longestPrefix.map((op) => `${op.f}:${String(op.output)}`)).toEqual(['write:1', 'read:1']);
    expect(evidence!.stateAfterPrefix).toBe('1');
    expect(evidence!.cannotPlace.map((s) => [s.op.process, s.why])).toEqual([[2, 'rejected']]);
  });

  it('drops fail ops: they never took effect', () => {
    const history = buildHistory([
      { process: 0, f: 'write', input: 7, outcome: 'fail', start: 0, end: 10 },
      { process: 1, f: 'read', output: null, start: 20, end: 30 },
    ]);
    const result = checkLinearizability(history, register);
    expect(result.kind).toBe('linearizable');
    expect(result.stats.failed).toBe(1);
    expect(result.stats.searched).toBe(1);
  });

  it('lets an indeterminate write take effect late, or never', () => {
    const late = buildHistory([
      { process: 0, f: 'write', input: 7, outcome: 'info', start: 0, end: 10 },
      { process: 1, f: 'read', output: null, start: 20, end: 30 },
      { process: 2, f: 'read', output: 7, start: 40, end: 50 },
    ]);
    expect(checkLinearizability(late, register).kind).toBe('linearizable');
    const never = buildHistory([
      { process: 0, f: 'write', input: 7, outcome: 'open', start: 0, end: 0 },
      { process: 1, f: 'read', output: null, start: 20, end: 30 },
    ]);
    expect(checkLinearizability(never, register).kind).toBe('linearizable');
    // ...but not before it was invoked.
    const early = buildHistory([
      { process: 1, f: 'read', output: 7, start: 0, end: 10 },
      { process: 0, f: 'write', input: 7, outcome: 'info', start: 20, end: 30 },
    ]);
    expect(checkLinearizability(early, register).kind).toBe('not-linearizable');
    // ...and it takes effect once: a read of nil after reading 7 is stale.
    const once = buildHistory([
      { process: 0, f: 'write', input: 7, outcome: 'info', start: 0, end: 10 },
      { process: 2, f: 'read', output: 7, start: 40, end: 50 },
      { process: 1, f: 'read', output: null, start: 60, end: 70 },
    ]);
    expect(checkLinearizability(once, register).kind).toBe('not-linearizable');
  });

  it('leaves out the indeterminate writes nobody observed, with the same verdicts, and keeps the rest', () => {
    // Forty clients each time out on a write of a fresh value while reads go on: a search would
    // have to place each unobserved write in every gap (2^40 subsets); left out, nothing is left to search.
    const specs: OpSpec[] = [];
    for (let p = 0; p < 40; p++) specs.push({ process: p, f: 'write', input: 100 + p, outcome: 'info', start: p, end: p + 5 });
    specs.push({ process: 40, f: 'write', input: 1, start: 0, end: 50 });
    for (let i = 0; i < 20; i++) specs.push({ process: 41 + i, f: 'read', output: 1, start: 60 + 10 * i, end: 65 + 10 * i });
    const result = checkLinearizability(buildHistory(specs), cas);
    expect(result.kind).toBe('linearizable');
    expect(result.stats.unobservedWrites).toBe(40);
    expect(result.stats.searched).toBe(61);
    // An observed one stays, and the stale read after it is still caught.
    const observed = buildHistory([
      { process: 0, f: 'write', input: 7, outcome: 'info', start: 0, end: 10 },
      { process: 1, f: 'write', input: 8, outcome: 'info', start: 0, end: 10 },
      { process: 2, f: 'read', output: 7, start: 20, end: 30 },
      { process: 3, f: 'read', output: null, start: 40, end: 50 },
    ]);
    const stale = checkLinearizability(observed, cas);
    expect(stale.kind).toBe('not-linearizable');
    expect(stale.stats.unobservedWrites).toBe(1);
    // A cas that expects the value observes it; an append (kv) depends on every value: nothing is left out.
    const expected = buildHistory([
      { process: 0, f: 'write', input: 7, outcome: 'info', start: 0, end: 10 },
      { process: 1, f: 'cas', input: [7, 9], start: 20, end: 30 },
    ]);
    expect(checkLinearizability(expected, cas).stats.unobservedWrites).toBe(0);
    const appends = buildHistory([
      { process: 0, f: 'put', key: 'k', input: 'x', outcome: 'info', start: 0, end: 10 },
      { process: 1, f: 'append', key: 'k', input: 'y', start: 20, end: 30 },
      { process: 2, f: 'get', key: 'k', output: 'y', start: 40, end: 50 },
    ]);
    const kept = checkLinearizability(appends, kv);
    expect(kept.kind).toBe('linearizable');
    expect(kept.stats.unobservedWrites).toBe(0);
  });

  it('property: leaving out unobserved indeterminate writes never changes a verdict (fresh values, as workloads write)', () => {
    const op = fc.record({
      kind: fc.constantFrom('write', 'write', 'read', 'cas'),
      value: fc.integer({ min: 0, max: 5 }),
      start: fc.integer({ min: 0, max: 60 }),
      length: fc.integer({ min: 0, max: 30 }),
      outcome: fc.constantFrom<OpSpec['outcome']>('ok', 'info', 'info', 'open', 'fail'),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 7 }), (raw) => {
        const specs: OpSpec[] = raw.map((r, i) => {
          const base = { process: i, start: r.start, end: r.start + r.length, outcome: r.kind === 'read' && r.outcome !== 'ok' ? ('ok' as const) : r.outcome };
          if (r.kind === 'write') return { ...base, f: 'write', input: 10 + i };
          if (r.kind === 'cas') return { ...base, f: 'cas', input: [r.value === 0 ? null : 9 + r.value, 20 + i] };
          return { ...base, f: 'read', output: r.value === 0 ? null : 9 + r.value };
        });
        const history = buildHistory(specs);
        const got = checkLinearizability(history, cas);
        expect(got.kind === 'linearizable', JSON.stringify(specs)).toBe(bruteForceLinearizable(pairOperations(history), cas));
      }),
      { seed: 7, numRuns: 3000 },
    );
  });

  it('uses the invocation value of an info cas (its completion carries none)', () => {
    const history = buildHistory([
      { process: 0, f: 'write', input: 1, start: 0, end: 10 },
      { process: 1, f: 'cas', input: [1, 2], outcome: 'info', start: 20, end: 30 },
      { process: 2, f: 'read', output: 2, start: 40, end: 50 },
    ]);
    expect(checkLinearizability(history, cas).kind).toBe('linearizable');
  });

  it('accepts paired operations as input', () => {
    const history = buildHistory([{ process: 0, f: 'write', input: 1, start: 0, end: 10 }]);
    expect(checkLinearizability(pairOperations(history), register).kind).toBe('linearizable');
  });

  it('reports ops the model does not understand, and malformed histories, as HistoryError', () => {
    const history = buildHistory([{ process: 0, f: 'frobnicate', input: 1, start: 0, end: 10 }]);
    expect(() => checkLinearizability(history, register)).toThrow(HistoryError);
    expect(() => checkLinearizability(history, register)).toThrow(/unknown op f="frobnicate"/);
    const twice = [
      { index: 0, type: 'invoke', process: 0, f: 'read', value: null },
      { index: 1, type: 'invoke', process: 0, f: 'read', value: null },
    ] as const;
    expect(() => checkLinearizability(twice, register)).toThrow(/still open/);
  });

  it('re-invoking after an info is allowed unless strict', () => {
    const history = [
      { index: 0, type: 'invoke', process: 0, f: 'read', value: null },
      { index: 1, type: 'info', process: 0, f: 'read', value: null },
      { index: 2, type: 'invoke', process: 0, f: 'read', value: null },
      { index: 3, type: 'ok', process: 0, f: 'read', value: null },
    ] as const;
    expect(checkLinearizability(history, register).kind).toBe('linearizable');
    expect(() => checkLinearizability(history, register, { strictProcesses: true })).toThrow(HistoryError);
  });
});

describe('checkLinearizability: partitions and budgets', () => {
  /** Key a is fine; key b reads a value nobody wrote. */
  const specs: OpSpec[] = [
    { process: 0, f: 'put', key: 'a', input: 'x', start: 0, end: 10 },
    { process: 1, f: 'get', key: 'b', output: 'ghost', start: 5, end: 15 },
    { process: 2, f: 'get', key: 'a', output: 'x', start: 20, end: 30 },
    { process: 3, f: 'get', key: 'c', output: 'ghost', start: 20, end: 30 },
  ];

  it('checks keys independently and stops at the first violation', () => {
    const result = checkLinearizability(buildHistory(specs), kv);
    expect(result.kind).toBe('not-linearizable');
    if (result.kind !== 'not-linearizable') return;
    expect(result.stats.partitions).toBe(3);
    expect(result.evidence).toHaveLength(1);
    expect(result.evidence[0]!.key).toBe('b');
  });

  it('gives evidence for every failing partition with allPartitions', () => {
    const result = checkLinearizability(buildHistory(specs), kv, { allPartitions: true });
    expect(result.kind).toBe('not-linearizable');
    if (result.kind !== 'not-linearizable') return;
    expect(result.evidence.map((e) => e.key)).toEqual(['b', 'c']);
    expect(result.stats.partitionsChecked).toBe(3);
  });

  it('gives the same verdict without partitioning', () => {
    expect(checkLinearizability(buildHistory(specs), kv, { partition: false }).kind).toBe('not-linearizable');
    expect(checkLinearizability(buildHistory(specs.slice(0, 1)), kv, { partition: false }).kind).toBe('linearizable');
  });

  /** Many concurrent writes of distinct values and a read that matches none: exhaustive work. */
  const hard = buildHistory([
    ...Array.from({ length: 14 }, (_, i): OpSpec => ({ process: i, f: 'write', input: i, start: i, end: 1000 + i })),
    { process: 99, f: 'read', output: 'nobody', start: 2000, end: 2001 },
  ]);

  it('ends as unknown, never a guess, when a budget runs out', () => {
    const steps = checkLinearizability(hard, register, { maxSteps: 1000 });
    expect(steps.kind).toBe('unknown');
    if (steps.kind === 'unknown') expect(steps.reason).toMatch(/step budget of 1000/);
    const cache = checkLinearizability(hard, register, { maxCacheEntries: 50 });
    expect(cache.kind).toBe('unknown');
    if (cache.kind === 'unknown') expect(cache.reason).toMatch(/budget of 50 configurations/);
    let polls = 0;
    const stopped = checkLinearizability(hard, register, { shouldStop: () => ++polls > 2 });
    expect(stopped.kind).toBe('unknown');
    if (stopped.kind === 'unknown') expect(stopped.reason).toMatch(/stopped/);
    // With enough budget the answer is exact.
    expect(checkLinearizability(hard, register).kind).toBe('not-linearizable');
  });

  it('a violation found in one partition beats a budget exhausted in another', () => {
    const mixed = buildHistory([
      ...Array.from({ length: 14 }, (_, i): OpSpec => ({ process: i, f: 'write', key: 'slow', input: i, start: i, end: 1000 + i })),
      { process: 99, f: 'read', key: 'slow', output: 'nobody', start: 2000, end: 2001 },
      { process: 100, f: 'read', key: 'fast', output: 'nobody', start: 0, end: 1 },
    ]);
    const result = checkLinearizability(mixed, kv, { maxCacheEntries: 200 });
    expect(result.kind).toBe('not-linearizable');
  });
});

describe('checkLinearizability: histories over several keys', () => {
  it('judges a single-object model per key, and says so', () => {
    const history = buildHistory([
      { process: 0, f: 'write', key: 'a', input: 1, start: 0, end: 10 },
      { process: 1, f: 'read', key: 'b', output: null, start: 20, end: 30 },
      { process: 2, f: 'read', key: 'a', output: 1, start: 40, end: 50 },
    ]);
    const result = checkLinearizability(history, register);
    expect(result.kind).toBe('linearizable');
    expect(result.stats.keys).toEqual({ source: 'key', keys: 2 });
    // As one register, the read of nil after the write of 1 would be stale.
    expect(checkLinearizability(history.map(({ key: _key, ...e }) => e), register).kind).toBe('not-linearizable');
    // kv reads keys itself: no per-key lifting to report.
    expect(checkLinearizability(history, kv).stats.keys).toBeUndefined();
  });

  it('refuses a mix of keyed and unkeyed ops', () => {
    const mixed = buildHistory([
      { process: 0, f: 'write', key: 'a', input: 1, start: 0, end: 10 },
      { process: 1, f: 'read', output: null, start: 20, end: 30 },
    ]);
    expect(() => checkLinearizability(mixed, register)).toThrow(/1 of 2 ops carry a :key .* model register cannot judge a mix of keyed and unkeyed ops/);
  });

  it('insisting on jepsen.independent values refuses a value that is not a pair', () => {
    const history = buildHistory([{ process: 0, f: 'write', input: 3, start: 0, end: 10 }]);
    expect(() => checkLinearizability(history, register, { independent: true })).toThrow(/jepsen.independent values are \[k v\] pairs .* process 0's write has 3/);
  });
});

describe('checkLinearizability: user models', () => {
  it('works with a model written against the public interface', () => {
    /** A queue: enqueue x, dequeue -> x (FIFO). */
    const queue: Model<readonly number[]> = {
      name: 'queue',
      init: () => [],
      step(state, op) {
        if (op.f === 'enqueue') return { ok: true, nextState: [...state, op.input as number] };
        if (op.f === 'dequeue') {
          if (!op.known) return { ok: true, nextState: state.slice(1) };
          return state[0] === op.output ? { ok: true, nextState: state.slice(1) } : { ok: false };
        }
        return { ok: false };
      },
      hash: (state) => state.reduce((h, x) => Math.imul(h ^ x, 16777619), 2166136261) | 0,
    };
    const fifo = buildHistory([
      { process: 0, f: 'enqueue', input: 1, start: 0, end: 10 },
      { process: 1, f: 'enqueue', input: 2, start: 20, end: 30 },
      { process: 2, f: 'dequeue', output: 1, start: 40, end: 50 },
    ]);
    expect(checkLinearizability(fifo, queue).kind).toBe('linearizable');
    const lifo = buildHistory([
      { process: 0, f: 'enqueue', input: 1, start: 0, end: 10 },
      { process: 1, f: 'enqueue', input: 2, start: 20, end: 30 },
      { process: 2, f: 'dequeue', output: 2, start: 40, end: 50 },
    ]);
    expect(checkLinearizability(lifo, queue).kind).toBe('not-linearizable');
  });
});

describe('checkLinearizability agrees with a brute-force search on small random histories', () => {
  const outcome = fc.constantFrom<'ok' | 'ok' | 'ok' | 'fail' | 'info' | 'open'>('ok', 'ok', 'ok', 'fail', 'info', 'open');
  const value = fc.constantFrom(0, 1, 2, null);
  const opSpec = fc.record({
    f: fc.constantFrom('read', 'write', 'cas'),
    key: fc.constantFrom('a', 'b'),
    a: value,
    b: value,
    start: fc.integer({ min: 0, max: 60 }),
    length: fc.integer({ min: 0, max: 40 }),
    outcome,
  });

  function toSpecs(raw: readonly { f: string; key: string; a: unknown; b: unknown; start: number; length: number; outcome: OpSpec['outcome'] }[], withKeys: boolean): OpSpec[] {
    return raw.map((r, i) => ({
      process: i, // one process per op: always a well-formed history
      f: r.f,
      ...(withKeys ? { key: r.key } : {}),
      input: r.f === 'read' ? null : r.f === 'cas' ? [r.a, r.b] : r.a,
      output: r.f === 'read' ? r.a : r.f === 'cas' ? [r.a, r.b] : r.a,
      outcome: r.outcome,
      start: r.start,
      end: r.start + r.length,
    }));
  }

  it('cas-register', () => {
    fc.assert(
      fc.property(fc.array(opSpec, { minLength: 1, maxLength: 7 }), (raw) => {
        const history = buildHistory(toSpecs(raw, false));
        const expected = bruteForceLinearizable(pairOperations(history), cas);
        expect(checkLinearizability(history, cas).kind).toBe(expected ? 'linearizable' : 'not-linearizable');
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('kv over two keys (partitioned)', () => {
    const kvModel = getModel('kv')!;
    fc.assert(
      fc.property(fc.array(opSpec, { minLength: 1, maxLength: 7 }), (raw) => {
        const history = buildHistory(toSpecs(raw, true));
        const expected = bruteForceLinearizable(pairOperations(history), kvModel);
        expect(checkLinearizability(history, kvModel).kind).toBe(expected ? 'linearizable' : 'not-linearizable');
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
