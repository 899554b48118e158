import { describe, expect, it } from 'vitest';
import { acquire, releaseAll } from '../../../src/protocols/transactions/locks.js';
import { newPartTxn } from '../../../src/protocols/transactions/participant.js';
import type { PartTxn, TxState } from '../../../src/protocols/transactions/types.js';

function shard(): TxState {
  return { txns: new Map(), locks: new Map() } as unknown as TxState;
}

function txn(state: TxState, id: string, startUs: number): PartTxn {
  const t = newPartTxn(id, 'n1', [startUs, id], 0);
  state.txns.set(id, t);
  return t;
}

describe('lock table', () => {
  const waitDie = { locking: 'wait-die' as const, maxWaiters: 2 };
  const noWait = { locking: 'no-wait' as const, maxWaiters: 2 };

  it('shares read locks and excludes writers; a sole reader upgrades', () => {
    const s = shard();
    const a = txn(s, 'a', 1);
    const b = txn(s, 'b', 2);
    expect(acquire(s, a, 'k', 'read', waitDie)).toBe('granted');
    expect(acquire(s, b, 'k', 'read', waitDie)).toBe('granted');
    expect(acquire(s, b, 'k', 'write', noWait)).toBe('die');
    releaseAll(s, a);
    expect(acquire(s, b, 'k', 'write', noWait)).toBe('granted');
    expect(b.writeKeys).toEqual(['k']);
  });

  it('wait-die: an older transaction waits for a younger holder, a younger one dies', () => {
    const s = shard();
    const old = txn(s, 'old', 1);
    const mid = txn(s, 'mid', 5);
    const young = txn(s, 'young', 9);
    expect(acquire(s, mid, 'k', 'write', waitDie)).toBe('granted');
    expect(acquire(s, young, 'k', 'read', waitDie)).toBe('die');
    expect(acquire(s, old, 'k', 'write', waitDie)).toBe('wait');
    expect(releaseAll(s, mid)).toEqual(['old']);
    expect(acquire(s, old, 'k', 'write', waitDie)).toBe('granted');
  });

  it('bounds the wait queue: past maxWaiters a requester dies', () => {
    const s = shard();
    const holder = txn(s, 'h', 100);
    acquire(s, holder, 'k', 'write', waitDie);
    expect(acquire(s, txn(s, 'w1', 1), 'k', 'write', waitDie)).toBe('wait');
    expect(acquire(s, txn(s, 'w2', 2), 'k', 'write', waitDie)).toBe('wait');
    expect(acquire(s, txn(s, 'w3', 3), 'k', 'write', waitDie)).toBe('die');
  });
});
