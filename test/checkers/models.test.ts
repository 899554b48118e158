import { describe, expect, it } from 'vitest';
import {
  NEVER_WRITTEN,
  createKvKeyModel,
  createModel,
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
    expect(modelNames()).toEqual(['cas-register', 'counter', 'fifo-queue', 'kv', 'multi-register', 'mutex', 'queue', 'register', 'set', 'unique-ids', 'unordered-queue']);
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

describe('models with options', () => {
  const made = (name: string, options: Parameters<typeof createModel>[1]): AnyModel | string => {
    const result = createModel(name, options);
    return 'model' in result ? result.model : result.problem;
  };

  it('--initial sets the value before any write, where a model has one', () => {
    const register = made('cas-register', { initial: 0 }) as AnyModel;
    expect(run(register, [op('read', null, 0)])).toBe(0);
    expect(run(register, [op('read', null, null)])).toBe('rejected');
    expect(run(made('counter', { initial: 5 }) as AnyModel, [op('read', null, 5)])).toBe(5);
    expect(run(made('kv', { initial: 'x' }) as AnyModel, [op('get', null, 'x', { key: 'k' })])).toEqual({});
    expect(run(made('multi-register', { initial: { x: 0, y: 0 } }) as AnyModel, [op('txn', [['read', 'x', null]], [['read', 'x', 0]])])).toEqual({ x: 0, y: 0 });
  });

  it('refuses options a model does not take, and values that do not suit it', () => {
    expect(made('mutex', { initial: 0 })).toBe('--initial does not apply to the mutex model (it applies to register, cas-register, kv, counter, multi-register)');
    expect(made('counter', { initial: 'a' })).toMatch(/initial value is a number/);
    expect(made('multi-register', { initial: 3 })).toMatch(/map of keys to values/);
    expect(made('set', { nilReadsUnknown: true })).toMatch(/--nil-reads-unknown does not apply to the set model/);
    expect(made('nope', {})).toMatch(/unknown model "nope"/);
  });

  it('--nil-reads-unknown makes a nil read constrain nothing (Knossos registers)', () => {
    const knossos = made('cas-register', { initial: 0, nilReadsUnknown: true }) as AnyModel;
    expect(run(knossos, [op('write', 3, 3), op('read', null, null), op('read', null, 3)])).toBe(3);
    expect(run(made('kv', { nilReadsUnknown: true }) as AnyModel, [op('write', 1, 1, { key: 'a' }), op('read', null, null, { key: 'a' })])).toEqual({ a: 1 });
  });
});

describe('mutex', () => {
  const mutex = models.mutex!;
  it('acquires only when free, releases only when held', () => {
    expect(run(mutex, [op('acquire', null, null), op('release', null, null), op('acquire', null, null)])).toBe(true);
    expect(run(mutex, [op('acquire', null, null), op('acquire', null, null)])).toBe('rejected');
    expect(run(mutex, [op('release', null, null)])).toBe('rejected');
    expect(mutex.validate!(op('lock', null, null))).toMatch(/expected acquire, release/);
  });
});

describe('multi-register', () => {
  const multi = models['multi-register']!;
  it('applies micro-ops in order; nil reads constrain nothing; r/w abbreviations too', () => {
    expect(run(multi, [op('txn', [['write', 'x', 1], ['read', 'x', null]], [['write', 'x', 1], ['read', 'x', 1]])])).toEqual({ x: 1 });
    expect(run(multi, [op('txn', [['w', 'x', 1]], [['w', 'x', 1]]), op('txn', [['r', 'x', null]], [['r', 'x', 2]])])).toBe('rejected');
    expect(run(multi, [op('txn', [['r', 'y', null]], [['r', 'y', null]])])).toEqual({});
    // An indeterminate transaction is judged by its invocation.
    expect(run(multi, [op('txn', [['write', 'x', 5]])])).toEqual({ x: 5 });
    expect(multi.validate!(op('txn', [['append', 'x', 1]], undefined))).toMatch(/micro-ops/);
    expect(multi.readOnly!(op('txn', [['read', 'x', null]]))).toBe(true);
  });
  it('splits transactions over disjoint keys into independent parts', () => {
    const ops = [
      { f: 'txn', input: [['write', 'x', 1]] },
      { f: 'txn', input: [['write', 'y', 1], ['read', 'z', null]] },
      { f: 'txn', input: [['read', 'z', null]] },
      { f: 'txn', input: [['read', 'w', null]] },
    ].map((o, id) => ({ ...o, id, process: id, output: undefined, outcome: 'info' as const, invokeIndex: id, completeIndex: Infinity }));
    expect(multi.partition!(ops).map((g) => g.map((o) => o.id))).toEqual([[0], [1, 2], [3]]);
  });
});

describe('queues', () => {
  const fifo = models['fifo-queue']!;
  const unordered = models['unordered-queue']!;
  it('FIFO: dequeues the oldest element; nil means it saw the queue empty', () => {
    expect(run(fifo, [op('enqueue', 1, 1), op('enqueue', 2, 2), op('dequeue', null, 1), op('dequeue', null, 2), op('dequeue', null, null)])).toMatchObject({ items: [] });
    expect(run(fifo, [op('enqueue', 1, 1), op('enqueue', 2, 2), op('dequeue', null, 2)])).toBe('rejected');
    expect(run(fifo, [op('enqueue', 1, 1), op('dequeue', null, null)])).toBe('rejected');
    // An indeterminate dequeue removes the head if it took effect.
    expect(run(fifo, [op('enqueue', 1, 1), op('enqueue', 2, 2), op('dequeue', null), op('dequeue', null, 2)])).toMatchObject({ items: [] });
  });
  it('FIFO states hash by content and position', () => {
    const a = run(fifo, [op('enqueue', 1, 1), op('enqueue', 2, 2), op('dequeue', null, 1)]);
    const b = run(fifo, [op('enqueue', 9, 9), op('dequeue', null, 9), op('enqueue', 2, 2)]);
    expect(fifo.equal!(a, b)).toBe(true);
    expect(fifo.hash(a)).toBe(fifo.hash(b));
  });
  it('unordered: dequeues any pending element, each once', () => {
    expect(run(unordered, [op('enqueue', 1, 1), op('enqueue', 2, 2), op('dequeue', null, 2), op('dequeue', null, 1)])).toMatchObject({ items: [] });
    expect(run(unordered, [op('enqueue', 1, 1), op('dequeue', null, 1), op('dequeue', null, 1)])).toBe('rejected');
    expect(unordered.describeState!(run(unordered, [op('enqueue', 'a', 'a'), op('enqueue', 1, 1)]))).toBe('{"a" 1}');
  });
});

describe('unique-ids', () => {
  const ids = models['unique-ids']!;
  it('refuses an id handed out twice; splits per id', () => {
    expect(run(ids, [op('generate', null, 1), op('generate', null, 2)])).toEqual(['1', '2']);
    expect(run(ids, [op('generate', null, 1), op('generate', null, 1)])).toBe('rejected');
    expect(ids.partitionModel?.name).toBe('unique-id');
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
