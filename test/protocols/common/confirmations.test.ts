import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { confirmedThrough, releaseConfirmed } from '../../../src/protocols/common/confirmations.js';

describe('confirmedThrough', () => {
  it('is the required-th highest confirmation, everything with none required, 0 when too few replicas', () => {
    expect(confirmedThrough(9, [3, 7, 5], 0)).toBe(9);
    expect(confirmedThrough(9, [3, 7, 5], 1)).toBe(7);
    expect(confirmedThrough(9, [3, 7, 5], 2)).toBe(5);
    expect(confirmedThrough(9, [3, 7, 5], 3)).toBe(3);
    expect(confirmedThrough(9, [3, 7, 5], 4)).toBe(0);
    expect(confirmedThrough(9, [], 1)).toBe(0);
  });

  it('agrees with sorting the confirmations (the fast paths for one and for all replicas included)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { maxLength: 7 }), fc.nat(8), (matched, required) => {
        const sorted = [...matched].sort((a, b) => b - a);
        const expected = required === 0 ? 99 : (sorted[required - 1] ?? 0);
        expect(confirmedThrough(99, matched, required)).toBe(expected);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('releases the waiting items through the confirmed position, in order', () => {
    const waiting = [{ seq: 1 }, { seq: 2 }, { seq: 4 }];
    const released: number[] = [];
    releaseConfirmed(waiting, 2, (item) => released.push(item.seq));
    expect(released).toEqual([1, 2]);
    expect(waiting).toEqual([{ seq: 4 }]);
  });
});
