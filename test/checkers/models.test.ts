import { describe, expect, it } from 'vitest';
import {
  NEVER_WRITTEN,
  createKvKeyModel,
  getModel,
  hashValue,
  modelNames,
  models,
  valueEqual,
} from '../../src/checkers/models/index.js';
import type { AnyModel, ModelOp } from '../../src/checkers/models/index.js';

const op = (f: string, input: unknown, output?: unknown, extra: Partial<ModelOp> = {}): ModelOp => ({
  f,
  input,
  output,
  known: output !== undefined,
  ...extra,
});

/** Runs ops in order; returns the final state, or 'rejected' at the first refusal. */
function run(model: AnyModel, ops: readonly ModelOp[]): unknown {
  let state: unknown = model.init();
  for (const o of ops) {
    const result = model.step(state, o);
    if (!result.ok) return 'rejected';
    state = result.nextState;
  }
  return state;
}

describe('registry', () => {
  it('names the built-ins and returns undefined for others', () => {
    expect(modelNames()).toEqual(['cas-register', 'counter', 'kv', 'register', 'set']);
    expect(getModel('kv')).toBe(models.kv);
    expect(getModel('nope')).toBeUndefined();
    expect(getModel('toString')).toBeUndefined();
  });
});

describe('register and cas-register', () => {
  const register = models.register!;
  const cas = models['cas-register']!;

  it('starts at nil, reads what was written last', () => {
    expect(run(register, [op('read', null, null)])).toBe(null);
    expect(run(register, [op('write', 3, 3), op('read', null, 3)])).toBe(3);
    expect(run(register, [op('write', 3, 3), op('read', null, 4)])).toBe('rejected');
    expect(run(register, [op('read', null)])).toBe(null); // unknown result: anything goes
  });

  it('cas succeeds only on a match; an indeterminate cas that cannot match has no effect', () => {
    expect(run(cas, [op('write', 1, 1), op('cas', [1, 2], [1, 2]), op('read', null, 2)])).toBe(2);
    expect(run(cas, [op('write', 1, 1), op('cas', [3, 2], [3, 2])])).toBe('rejected');
    expect(run(cas, [op('write', 1, 1), op('cas', [3, 2])])).toBe(1);
    expect(run(cas, [op('write', 1, 1), op('cas', [1, 2])])).toBe(2);
    expect(run(cas, [op('cas', [null, 5], [null, 5])])).toBe(5);
  });

  it('validates ops', () => {
    expect(register.validate!(op('cas', [1, 2], [1, 2]))).toMatch(/cas-register/);
    expect(cas.validate!(op('cas', 3, 3))).toMatch(/\[expected new\]/);
    expect(cas.validate!(op('incr', 1, 1))).toMatch(/unknown op/);
    expect(cas.readOnly!(op('read', null))).toBe(true);
  });
});

describe('kv', () => {
  const kv = models.kv!;

  it('keeps keys independent, with each vocabulary\'s initial value', () => {
    expect(run(kv, [op('get', null, '', { key: 'a' })])).toEqual({});
    expect(run(kv, [op('read', null, null, { key: 'a' })])).toEqual({});
    expect(run(kv, [op('get', null, null, { key: 'a' })])).toBe('rejected');
    expect(
      run(kv, [op('append', 'x', 'x', { key: 'a' }), op('append', 'y', 'y', { key: 'a' }), op('put', 'z', 'z', { key: 'b' }), op('get', null, 'xy', { key: 'a' })]),
    ).toEqual({ a: 'xy', b: 'z' });
    expect(run(kv, [op('write', 1, 1, { key: 'a' }), op('cas', [1, 2], [1, 2], { key: 'a' }), op('read', null, 2, { key: 'a' })])).toEqual({ a: 2 });
  });

  it('appends non-strings to lists', () => {
    expect(run(kv, [op('append', 1, 1, { key: 'l' }), op('append', 2, 2, { key: 'l' }), op('read', null, [1, 2], { key: 'l' })])).toEqual({ l: [1, 2] });
  });

  it('partitions by key and checks partitions with the single-key model', () => {
    expect(kv.partitionModel?.name).toBe('kv-key');
    const key = createKvKeyModel();
    const after = run(key, [op('append', 'ab', 'ab'), op('append', 'c', 'c')]) as { value: unknown; hash: number };
    const direct = run(key, [op('put', 'abc', 'abc')]) as { value: unknown; hash: number };
    // Equal values must hash equally however they were built.
    expect(after.value).toBe('abc');
    expect(after.hash).toBe(direct.hash);
    expect(key.equal!(after, direct)).toBe(true);
    expect((key.init() as { value: unknown }).value).toBe(NEVER_WRITTEN);
    expect(createKvKeyModel({ initial: 0 }).init()).toMatchObject({ value: 0 });
  });

  it('requires keys', () => {
    expect(kv.validate!(op('get', null, ''))).toMatch(/need a :key/);
  });
});

describe('counter', () => {
  const counter = models.counter!;
  it('adds and reads', () => {
    expect(run(counter, [op('add', 2, 2), op('add', null, null), op('read', null, 3)])).toBe(3);
    expect(run(counter, [op('add', 2, 2), op('read', null, 1)])).toBe('rejected');
    expect(counter.validate!(op('add', 'x', 'x'))).toMatch(/number/);
    expect(counter.validate!(op('read', null, 'x'))).toMatch(/number/);
  });
});

describe('set', () => {
  const set = models.set!;
  it('reads collections in any order, each element once', () => {
    expect(run(set, [op('add', 2, 2), op('add', 1, 1), op('add', 2, 2), op('read', null, [1, 2])])).toEqual(['1', '2']);
    expect(run(set, [op('add', 2, 2), op('add', 1, 1), op('read', null, [2, 1])])).toEqual(['1', '2']);
    expect(run(set, [op('add', 2, 2), op('read', null, [2, 2])])).toBe('rejected');
    expect(run(set, [op('add', 'a', 'a'), op('read', null, [])])).toBe('rejected');
    expect(set.describeState!(['1', '"a"'])).toBe('#{1 "a"}');
  });
});

describe('value helpers', () => {
  it('hash agrees with equality', () => {
    const pairs: [unknown, unknown][] = [
      [{ a: 1, b: [1, 'x'] }, { b: [1, 'x'], a: 1 }],
      [null, undefined],
      [[1, [2, 3]], [1, [2, 3]]],
    ];
    for (const [a, b] of pairs) {
      expect(valueEqual(a, b)).toBe(true);
      expect(hashValue(a)).toBe(hashValue(b));
    }
    expect(valueEqual([1, 2], [2, 1])).toBe(false);
    expect(valueEqual(1, '1')).toBe(false);
    expect(valueEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(hashValue('1')).not.toBe(hashValue(1));
  });
});
