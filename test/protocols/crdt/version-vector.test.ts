import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, descends, formatVersion, mergeVersions, withEntry } from '../../../src/protocols/common/version-vector.js';

describe('version vectors', () => {
  it('orders by pointwise comparison; missing entries are 0', () => {
    expect(compareVersions({ a: 1 }, { a: 1, b: 0 })).toBe('equal');
    expect(compareVersions({ a: 1 }, { a: 2 })).toBe('before');
    expect(compareVersions({ a: 2, b: 1 }, { a: 2 })).toBe('after');
    expect(compareVersions({ a: 2 }, { b: 1 })).toBe('concurrent');
    expect(descends({ a: 2, b: 1 }, { b: 1 })).toBe(true);
    expect(formatVersion(withEntry({ b: 1 }, 'a', 3))).toBe('a:3,b:1');
  });

  it('merge is the least upper bound (fixed seed)', () => {
    const vv = fc.dictionary(fc.constantFrom('n1', 'n2', 'n3'), fc.integer({ min: 0, max: 5 }));
    fc.assert(
      fc.property(vv, vv, (a, b) => {
        const m = mergeVersions(a, b);
        expect(descends(m, a) && descends(m, b)).toBe(true);
        expect(mergeVersions(b, a)).toEqual(m);
        expect(compareVersions(mergeVersions(m, a), m)).toBe('equal');
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
