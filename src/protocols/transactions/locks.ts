/**
 * The lock table of one shard: shared read locks, exclusive write locks, and a wait queue per key.
 * Deadlocks are avoided, never detected: under wait-die an older transaction waits for younger
 * holders and a younger one dies (aborts); under no-wait every conflict aborts the requester.
 */
import type { Lock, PartTxn, Priority, TxState, TxnId } from './types.js';

export type LockResult = 'granted' | 'wait' | 'die';

export function olderThan(a: Priority, b: Priority): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

function lockOf(state: TxState, key: string): Lock {
  let lock = state.locks.get(key);
  if (lock === undefined) state.locks.set(key, (lock = { readers: [], writer: null, waiters: [] }));
  return lock;
}

/**
 * Asks for a read or write lock on `key` for `txn`. `priorityOf` gives the holders' ages (for
 * wait-die). A waiter is queued on the key and retried when the key is released.
 */
export function acquire(
  state: TxState,
  txn: PartTxn,
  key: string,
  mode: 'read' | 'write',
  policy: { readonly locking: 'wait-die' | 'no-wait'; readonly maxWaiters: number },
): LockResult {
  const lock = lockOf(state, key);
  const conflicts: TxnId[] = [];
  if (lock.writer !== null && lock.writer !== txn.id) conflicts.push(lock.writer);
  if (mode === 'write') for (const r of lock.readers) if (r !== txn.id) conflicts.push(r);
  if (conflicts.length === 0) {
    if (mode === 'read') {
      if (lock.writer !== txn.id && !lock.readers.includes(txn.id)) {
        lock.readers.push(txn.id);
        txn.readKeys.push(key);
      }
    } else if (lock.writer !== txn.id) {
      lock.writer = txn.id;
      txn.writeKeys.push(key);
    }
    removeWaiter(lock, txn.id);
    return 'granted';
  }
  if (policy.locking === 'no-wait') return 'die';
  const older = conflicts.every((holder) => {
    const other = state.txns.get(holder);
    return other === undefined || olderThan(txn.priority, other.priority);
  });
  if (!older) return 'die';
  if (!lock.waiters.includes(txn.id)) {
    if (lock.waiters.length >= policy.maxWaiters) return 'die';
    lock.waiters.push(txn.id);
  }
  return 'wait';
}

/** Drops a read lock early (read committed): the key's waiters get another try. */
export function releaseRead(state: TxState, txn: PartTxn, key: string): TxnId[] {
  const lock = state.locks.get(key);
  if (lock === undefined) return [];
  const i = lock.readers.indexOf(txn.id);
  if (i < 0) return [];
  lock.readers.splice(i, 1);
  txn.readKeys = txn.readKeys.filter((k) => k !== key);
  return wake(state, key, lock);
}

/** Releases every lock `txn` holds or waits for; returns the transactions now worth retrying. */
export function releaseAll(state: TxState, txn: PartTxn): TxnId[] {
  const woken: TxnId[] = [];
  const keys = new Set([...txn.readKeys, ...txn.writeKeys]);
  for (const [key, lock] of state.locks) {
    if (!keys.has(key) && !lock.waiters.includes(txn.id)) continue;
    removeWaiter(lock, txn.id);
    if (lock.writer === txn.id) lock.writer = null;
    const r = lock.readers.indexOf(txn.id);
    if (r >= 0) lock.readers.splice(r, 1);
    woken.push(...wake(state, key, lock));
  }
  txn.readKeys = [];
  txn.writeKeys = [];
  return woken;
}

/** The waiters of a key that may now proceed (all of them: each retries and may wait again). */
function wake(state: TxState, key: string, lock: Lock): TxnId[] {
  const woken = [...lock.waiters];
  if (lock.readers.length === 0 && lock.writer === null && lock.waiters.length === 0) state.locks.delete(key);
  return woken;
}

function removeWaiter(lock: Lock, id: TxnId): void {
  const i = lock.waiters.indexOf(id);
  if (i >= 0) lock.waiters.splice(i, 1);
}

/** Re-takes the locks of a transaction restored from its PREPARED record after a restart. */
export function restoreLocks(state: TxState, txn: PartTxn, readKeys: readonly string[], writeKeys: readonly string[]): void {
  for (const key of writeKeys) {
    lockOf(state, key).writer = txn.id;
    txn.writeKeys.push(key);
  }
  for (const key of readKeys) {
    const lock = lockOf(state, key);
    if (lock.writer !== txn.id && !lock.readers.includes(txn.id)) lock.readers.push(txn.id);
    txn.readKeys.push(key);
  }
}
