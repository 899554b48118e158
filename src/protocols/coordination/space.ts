/**
 * The coordination service's configuration space and promises. Its correctness is Raft's (every
 * Raft invariant, after every step) and its replicas' convergence after a heal; what it promises
 * the lock clients and the resource they write is judged in their groups (lock-client, store).
 */
import type { ConfigurationSpace, PromiseQuery, Promises } from '../../core/protocol.js';
import type { CoordinationOptions } from './options.js';

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'reads', values: ['read-index', 'log'] },
    { name: 'snapshotEvery', values: [100, 0, 4] },
    { name: 'expiryCheckUs', values: ['20ms', '100ms'] },
  ],
};

export function promises({ healed }: PromiseQuery<CoordinationOptions>): Promises {
  return { checks: ['invariants', ...(healed ? ['converged'] : [])] };
}
