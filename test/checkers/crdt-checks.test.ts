import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/core/history.js';
import { checkCounterBounds, checkLostUpdates, checkSetComplete } from '../../src/checkers/crdt-checks.js';

type Ev = [type: HistoryEvent['type'], process: number, f: string, value: unknown, key?: string];
/** Builds a history; times are the indexes, so order is real time. */
function history(events: Ev[]): HistoryEvent[] {
  return events.map(([type, process, f, value, key], index) => ({ index, type, process, f, value, timeUs: index * 10, ...(key !== undefined ? { key } : {}) }));
}

describe('lost-updates', () => {
  const sequential = history([
    ['invoke', 1, 'write', 1, 'k'],
    ['ok', 1, 'write', 1, 'k'],
    ['invoke', 2, 'write', 2, 'k'],
    ['ok', 2, 'write', 2, 'k'],
  ]);

  it('passes when the last write survives', () => {
    expect(checkLostUpdates(sequential, [{ k: 2 }, { k: 2 }]).verdict).toBe('pass');
  });

  it('fails when the final state went back to a write older than an acknowledged one (a skewed LWW clock)', () => {
    const result = checkLostUpdates(sequential, [{ k: 1 }]);
    expect(result.verdict).toBe('fail');
    expect(result.detail).toContain('write 2 by p2');
    expect(result.evidence).toMatchObject([{ key: 'k', finalValue: 1 }]);
  });

  it('judges every view: one stale replica is enough', () => {
    expect(checkLostUpdates(sequential, [{ k: 2 }, { k: 1 }]).verdict).toBe('fail');
  });

  it('accepts a concurrent write winning (arbitration, not loss) and siblings keeping both', () => {
    const concurrent = history([
      ['invoke', 1, 'write', 1, 'k'],
      ['invoke', 2, 'write', 2, 'k'],
      ['ok', 1, 'write', 1, 'k'],
      ['ok', 2, 'write', 2, 'k'],
    ]);
    expect(checkLostUpdates(concurrent, [{ k: 1 }]).verdict).toBe('pass');
    expect(checkLostUpdates(concurrent, [{ k: [1, 2] }]).verdict).toBe('pass');
  });

  it('fails on a key left empty and on a value nobody wrote', () => {
    expect(checkLostUpdates(sequential, [{}]).verdict).toBe('fail');
    expect(checkLostUpdates(sequential, [{ k: [2, 99] }]).verdict).toBe('fail');
  });

  it('is unknown without final views', () => {
    expect(checkLostUpdates(sequential, []).verdict).toBe('unknown');
  });
});

describe('counter-bounds', () => {
  const adds = history([
    ['invoke', 1, 'add', 3],
    ['ok', 1, 'add', 3],
    ['invoke', 2, 'add', 5],
    ['info', 2, 'add', 5],
    ['invoke', 3, 'add', 4],
    ['fail', 3, 'add', 4],
  ]);
  it('accepts values between acknowledged and acknowledged + indeterminate', () => {
    expect(checkCounterBounds(adds, [3, 8]).verdict).toBe('pass');
  });
  it('rejects a lost acknowledged add and a double count', () => {
    expect(checkCounterBounds(adds, [2]).verdict).toBe('fail');
    expect(checkCounterBounds(adds, [11]).verdict).toBe('fail'); // the failed add counted, or a duplicate
  });
});

describe('set-complete', () => {
  const adds = history([
    ['invoke', 1, 'add', 10],
    ['ok', 1, 'add', 10],
    ['invoke', 2, 'add', 11],
    ['info', 2, 'add', 11],
  ]);
  it('passes when every acknowledged add is present (indeterminate ones optional)', () => {
    expect(checkSetComplete(adds, [[10], [10, 11]]).verdict).toBe('pass');
  });
  it('fails on a missing acknowledged add or a phantom element', () => {
    const missing = checkSetComplete(adds, [[11]]);
    expect(missing.verdict).toBe('fail');
    expect(missing.detail).toContain('10 added by p1');
    expect(checkSetComplete(adds, [[10, 12]]).verdict).toBe('fail');
  });
});
