import { describe, expect, it } from 'vitest';
import { Rng, RNG_ALGORITHM } from '../../src/rng/index.js';

describe('Rng', () => {
  it('uses Alea and matches its golden vector (a library upgrade that changes streams fails here)', () => {
    expect(RNG_ALGORITHM).toBe('alea');
    const rng = Rng.root(42);
    expect([rng.next(), rng.next(), rng.next()]).toEqual([0.6113045120146126, 0.5545156362932175, 0.5308496025390923]);
    expect(Rng.root(42).fork('node').fork('n1').next()).toBe(0.16252356814220548);
  });

  it('forks depend only on the root seed and the name, not on how much other streams were used', () => {
    const a = Rng.root(7);
    const untouched = a.fork('node/n2').next();
    const b = Rng.root(7);
    for (let i = 0; i < 1000; i++) b.fork('node/n1').next();
    b.next();
    expect(b.fork('node/n2').next()).toBe(untouched);
    expect(Rng.root(7).fork('x').next()).not.toBe(Rng.root(8).fork('x').next());
  });

  it('draws within range', () => {
    const rng = Rng.root('range');
    for (let i = 0; i < 10_000; i++) {
      const v = rng.intBetween(3, 5);
      expect(v >= 3 && v <= 5).toBe(true);
      expect(rng.exponential(10)).toBeGreaterThanOrEqual(0);
    }
    const shuffled = rng.shuffled([1, 2, 3, 4, 5]);
    expect([...shuffled].sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
