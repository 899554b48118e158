import { describe, expect, it } from 'vitest';
import { createRing, hash32, joinRing, sharedRing, leaveRing, ownerOf, preferenceList, ringNodes, ringWalk } from '../../../src/protocols/common/ring.js';

const KEYS = Array.from({ length: 10_000 }, (_, i) => `key-${i}`);
const nodes = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);

describe('hash32', () => {
  it('is deterministic, 32-bit unsigned, and spreads similar strings', () => {
    expect(hash32('k1')).toBe(hash32('k1'));
    expect(hash32('k1')).not.toBe(hash32('k2'));
    const h = hash32('anything');
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    // A golden value pins the function: changing it silently would move every key of every run.
    expect(hash32('n1#0').toString(16)).toBe('f49d9c67');
  });
});

describe('consistent-hashing ring', () => {
  it('gives each key N distinct nodes, the walk continuing past them', () => {
    const ring = createRing(nodes(5), 64);
    for (const key of KEYS.slice(0, 500)) {
      const pref = preferenceList(ring, key, 3);
      expect(new Set(pref).size).toBe(3);
      expect(ringWalk(ring, key).slice(0, 3)).toEqual(pref);
      expect(ringWalk(ring, key)).toHaveLength(5);
    }
    expect(preferenceList(createRing(nodes(2), 8), 'k', 3)).toHaveLength(2);
    expect(ringNodes(ring)).toEqual(nodes(5));
  });

  it('balances ownership: each of 5 nodes owns within ±50% of K/5 with 64 vnodes', () => {
    const ring = createRing(nodes(5), 64);
    const owned = new Map<string, number>();
    for (const key of KEYS) owned.set(ownerOf(ring, key)!, (owned.get(ownerOf(ring, key)!) ?? 0) + 1);
    for (const n of nodes(5)) {
      expect(owned.get(n)).toBeGreaterThan(0.5 * 2000);
      expect(owned.get(n)).toBeLessThan(1.5 * 2000);
    }
  });

  it('a join moves about 1/(n+1) of the keys, all of them to the new node', () => {
    // Bound asserted: moved keys within ±50% of K/(n+1) = 10,000/5 = 2,000, for n = 4 and 64 vnodes.
    const before = createRing(nodes(4), 64);
    const after = joinRing(before, 'n5');
    let moved = 0;
    for (const key of KEYS) {
      const a = ownerOf(before, key);
      const b = ownerOf(after, key);
      if (a !== b) {
        moved++;
        expect(b).toBe('n5');
      }
    }
    expect(moved).toBeGreaterThan(1000);
    expect(moved).toBeLessThan(3000);
  });

  it('a leave moves only the leaver’s keys, and join then leave restores the ring', () => {
    const ring = createRing(nodes(5), 64);
    const smaller = leaveRing(ring, 'n3');
    for (const key of KEYS.slice(0, 2000)) {
      if (ownerOf(ring, key) !== 'n3') expect(ownerOf(smaller, key)).toBe(ownerOf(ring, key));
      else expect(ownerOf(smaller, key)).not.toBe('n3');
    }
    expect(joinRing(smaller, 'n3')).toEqual(ring);
    expect(joinRing(ring, 'n3')).toBe(ring);
  });

  it('the same membership in any order gives the same ring', () => {
    expect(createRing(['n3', 'n1', 'n2'], 16)).toEqual(createRing(['n1', 'n2', 'n3'], 16));
  });

  it('a shared ring is the ring of its membership, built once per membership and frozen', () => {
    const a = sharedRing(nodes(7), 16);
    expect(a).toEqual(createRing(nodes(7), 16));
    expect(sharedRing([...nodes(7)], 16)).toBe(a); // each node passes its own copy of the members
    expect(sharedRing(nodes(7), 8)).not.toBe(a);
    expect(sharedRing(nodes(6), 16)).toEqual(createRing(nodes(6), 16));
    expect(Object.isFrozen(a.tokens) && Object.isFrozen(a.tokens[0])).toBe(true);
    expect(joinRing(a, 'n8')).toEqual(createRing(nodes(8), 16));
  });
});
