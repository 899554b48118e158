import { describe, expect, it } from 'vitest';
import { checkLiveness } from '../../src/checkers/generic.js';
import type { Operation } from '../../src/core/history.js';

let nextId = 0;
function op(fields: Partial<Operation> & Pick<Operation, 'outcome' | 'invokeTimeUs'>): Operation {
  const id = nextId++;
  return { id, process: 0, f: 'read', key: 'k1', input: null, output: null, invokeIndex: id * 2, completeIndex: id * 2 + 1, ...fields };
}

describe('checkLiveness', () => {
  it('judges a final read by its last attempt: service that comes back within the quiet period passes', () => {
    const ops = [op({ invokeTimeUs: 100, outcome: 'ok' }), op({ invokeTimeUs: 2_000, outcome: 'info', error: 'timeout' }), op({ invokeTimeUs: 2_800, outcome: 'ok' })];
    const verdict = checkLiveness(ops, 1_000, true);
    expect(verdict.verdict).toBe('pass');
    expect(verdict.detail).toBe('the one op issued after the heal completed ok (1 after retrying)');
  });

  it('fails a final read whose every attempt failed, and counts the attempts', () => {
    const ops = [op({ invokeTimeUs: 2_000, outcome: 'info', error: 'timeout' }), op({ invokeTimeUs: 2_800, outcome: 'fail', error: 'no primary' }), op({ key: 'k2', invokeTimeUs: 2_000, outcome: 'ok' })];
    const verdict = checkLiveness(ops, 1_000, true);
    expect(verdict.verdict).toBe('fail');
    expect(verdict.detail).toContain('1 of 2 ops issued after the heal did not complete ok');
    expect(verdict.detail).toContain('fail, no primary, 2 attempts');
  });

  it('an ok attempt followed by nothing else is what counts, not an earlier failure of another key', () => {
    const ops = [op({ key: 'k1', invokeTimeUs: 2_000, outcome: 'ok' }), op({ key: 'k2', invokeTimeUs: 2_000, outcome: 'info' })];
    expect(checkLiveness(ops, 1_000, true).verdict).toBe('fail');
  });

  it('is unknown without a heal or without ops after it', () => {
    expect(checkLiveness([], 0, false).verdict).toBe('unknown');
    expect(checkLiveness([op({ invokeTimeUs: 10, outcome: 'ok' })], 1_000, true).verdict).toBe('unknown');
  });
});
