import { describe, expect, it } from 'vitest';
import { checkMonotonicReads, checkReadYourWrites } from '../../src/checkers/session.js';
import type { HistoryEvent } from '../../src/core/history.js';

type Ev = [type: HistoryEvent['type'], process: number, f: string, value: unknown, key?: string];
/** Builds a history; times follow the indexes, so list order is real time. */
function history(events: Ev[]): HistoryEvent[] {
  return events.map(([type, process, f, value, key], index) => ({ index, type, process, f, value, timeUs: index * 10, ...(key !== undefined ? { key } : {}) }));
}

describe('read-your-writes', () => {
  it('passes when a process reads its own write or a later one', () => {
    const h = history([
      ['invoke', 1, 'write', 1, 'k'],
      ['ok', 1, 'write', 1, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', 1, 'k'],
      ['invoke', 2, 'write', 2, 'k'],
      ['ok', 2, 'write', 2, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', 2, 'k'],
    ]);
    expect(checkReadYourWrites(h).verdict).toBe('pass');
  });

  it('fails when a process reads a value older than its own acknowledged write (a stale replica)', () => {
    const h = history([
      ['invoke', 2, 'write', 7, 'k'],
      ['ok', 2, 'write', 7, 'k'],
      ['invoke', 1, 'write', 8, 'k'],
      ['ok', 1, 'write', 8, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', 7, 'k'],
    ]);
    const r = checkReadYourWrites(h);
    expect(r.verdict).toBe('fail');
    expect(r.detail).toContain('p1 read k = 7 but expected 8');
    const empty = history([
      ['invoke', 1, 'write', 8, 'k'],
      ['ok', 1, 'write', 8, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', null, 'k'],
    ]);
    expect(checkReadYourWrites(empty).verdict).toBe('fail');
  });

  it('accepts siblings that include the write, and checks sets and counters', () => {
    const kv = history([
      ['invoke', 1, 'write', 8, 'k'],
      ['ok', 1, 'write', 8, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', [3, 8], 'k'],
    ]);
    expect(checkReadYourWrites(kv).verdict).toBe('pass');
    const set = history([
      ['invoke', 1, 'add', 5],
      ['ok', 1, 'add', 5],
      ['invoke', 1, 'read', null],
      ['ok', 1, 'read', [4]],
    ]);
    expect(checkReadYourWrites(set).verdict).toBe('fail');
    const counter = history([
      ['invoke', 1, 'add', 5],
      ['ok', 1, 'add', 5],
      ['invoke', 1, 'read', null],
      ['ok', 1, 'read', 4],
    ]);
    expect(checkReadYourWrites(counter).verdict).toBe('fail');
  });
});

describe('monotonic-reads', () => {
  it('fails when a later read goes back to an older value', () => {
    const h = history([
      ['invoke', 2, 'write', 1, 'k'],
      ['ok', 2, 'write', 1, 'k'],
      ['invoke', 2, 'write', 2, 'k'],
      ['ok', 2, 'write', 2, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', 2, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', 1, 'k'],
    ]);
    expect(checkMonotonicReads(h).verdict).toBe('fail');
  });

  it('passes for reads moving forward, and for different processes seeing different replicas', () => {
    const h = history([
      ['invoke', 2, 'write', 1, 'k'],
      ['ok', 2, 'write', 1, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', 1, 'k'],
      ['invoke', 2, 'write', 2, 'k'],
      ['ok', 2, 'write', 2, 'k'],
      ['invoke', 1, 'read', null, 'k'],
      ['ok', 1, 'read', 2, 'k'],
      ['invoke', 3, 'read', null, 'k'],
      ['ok', 3, 'read', 1, 'k'],
    ]);
    expect(checkMonotonicReads(h).verdict).toBe('pass');
  });

  it('for sets, a later read must contain what an earlier one saw', () => {
    const h = history([
      ['invoke', 1, 'read', null],
      ['ok', 1, 'read', [1, 2]],
      ['invoke', 1, 'read', null],
      ['ok', 1, 'read', [2]],
    ]);
    expect(checkMonotonicReads(h).verdict).toBe('fail');
  });
});
