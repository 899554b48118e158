/**
 * The multi-leader store's configuration space (what `dsim fuzz` draws) and the properties each
 * configuration promises. The first value of each dimension is the default. Batch sizes stay at
 * their default: a backlog drains by one batch per interval, and a small batch with a slow interval
 * cannot keep up with the fuzzer's workloads (up to 200 ops/s) within the quiet period, which says
 * nothing about the protocol.
 */
import type { ConfigurationSpace, Promises, PromiseQuery } from '../../core/protocol.js';
import { storeModelCheck } from '../common/replicated-store.js';
import type { MultiLeaderOptions } from './options.js';

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'conflicts', values: ['lww', 'version-vector', 'crdt'], description: 'a counter is always a CRDT' },
    { name: 'kvRegister', values: ['mv', 'lww'], description: 'conflicts: crdt only' },
    { name: 'replicateIntervalUs', values: ['50ms', '10ms', '200ms'] },
    { name: 'maxLogEntries', values: [100_000, 4] },
  ],
  options(choice, model) {
    const conflicts = model === 'counter' ? 'crdt' : choice['conflicts'];
    return {
      conflicts,
      ...(conflicts === 'crdt' ? { kvRegister: choice['kvRegister'] } : {}),
      replicateIntervalUs: choice['replicateIntervalUs'],
      maxLogEntries: choice['maxLogEntries'],
    };
  },
};

export function promises({ options: o, model, healed }: PromiseQuery<MultiLeaderOptions>): Promises {
  const checks = ['invariants'];
  // Last-writer-wins keeps one of two concurrent updates: a kv write, or a whole set.
  const lww = o.conflicts === 'lww' || (o.conflicts === 'crdt' && model === 'kv' && o.kvRegister === 'lww');
  if (!lww) checks.push(storeModelCheck(model));
  if (healed) checks.push('converged', 'liveness');
  return { checks };
}
