import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IndexWindow } from '../../../src/protocols/common/index-window.js';

describe('IndexWindow', () => {
  it('reads what was written at or above the floor, unknown below it, and ignores writes below it', () => {
    const w = new IndexWindow<string>();
    w.set(1, 'a');
    w.set(5, 'e');
    w.forgetBelow(3);
    expect(w.get(1)).toBeUndefined();
    expect(w.get(5)).toBe('e');
    w.set(2, 'b');
    expect(w.get(2)).toBeUndefined();
    w.forgetBelow(2); // a lower floor later changes nothing
    expect(w.get(5)).toBe('e');
    expect(w.size).toBe(3); // indices 3, 4, 5
    w.forgetBelow(100);
    expect(w.size).toBe(0);
    w.set(100, 'z');
    expect(w.get(100)).toBe('z');
  });

  it('property: agrees with a plain array above the highest floor', () => {
    const op = fc.oneof(fc.record({ set: fc.nat(200), v: fc.integer() }), fc.record({ floor: fc.nat(200) }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const w = new IndexWindow<number>();
        const plain: number[] = [];
        let floor = 0;
        for (const o of ops) {
          if ('floor' in o) {
            w.forgetBelow(o.floor);
            floor = Math.max(floor, o.floor);
          } else {
            w.set(o.set, o.v);
            if (o.set >= floor) plain[o.set] = o.v;
          }
        }
        for (let i = 0; i <= 200; i++) expect(w.get(i)).toBe(i >= floor ? plain[i] : undefined);
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});
