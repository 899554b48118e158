/**
 * A lock, as Knossos's `mutex`: `acquire` succeeds only when the lock is free, `release` only
 * when it is held. Like Knossos's, it does not track the owner: a release by another process is
 * accepted (the history rarely says who holds a lock across crashes).
 */
import { REJECT } from './model.js';
import type { Model } from './model.js';

const HELD = { ok: true, nextState: true } as const;
const FREE = { ok: true, nextState: false } as const;

export function createMutexModel(): Model<boolean> {
  return {
    name: 'mutex',
    description: 'a lock: acquire (only when free), release (only when held)',
    init: () => false,
    step(held, op) {
      switch (op.f) {
        case 'acquire':
          return held ? REJECT : HELD;
        case 'release':
          return held ? FREE : REJECT;
        default:
          return REJECT;
      }
    },
    hash: (held) => (held ? 1 : 0),
    validate: (op) => (op.f === 'acquire' || op.f === 'release' ? undefined : `unknown op f=${JSON.stringify(op.f)} (expected acquire, release)`),
    describeState: (held) => (held ? 'held' : 'free'),
  };
}
