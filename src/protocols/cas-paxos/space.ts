/**
 * CASPaxos's configuration space (what `dsim fuzz` draws) and the properties each configuration
 * promises. The first value of each dimension is the default.
 */
import type { ConfigurationSpace, Promises, PromiseQuery } from '../../core/protocol.js';
import type { CasPaxosOptions } from './options.js';

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'oneRoundTrip', values: [false, true] },
    { name: 'backoff', values: [true, false], description: 'without backoff, liveness is not promised' },
    { name: 'backoffMaxUs', values: ['20ms', '5ms', '60ms'] },
    { name: 'attemptTimeoutUs', values: ['200ms', '100ms'] },
    { name: 'maxAttempts', values: [8, 3], description: 'fewer attempts: more ops end info or fail under contention' },
  ],
};

export function promises({ options, model, healed }: PromiseQuery<CasPaxosOptions>): Promises {
  // Each register is linearizable on its own (the register model is judged as cas-register). A
  // register lives on a quorum: a minority may keep an older copy until the key's next change, so
  // node copies are not expected to converge.
  const checks = ['invariants', 'linearizable'];
  if (healed) checks.push('durable');
  // Without backoff, proposers that keep meeting each other's ballots may never finish.
  if (healed && options.backoff) checks.push('liveness');
  return {
    checks: model === 'kv' || model === 'register' ? checks : ['invariants'],
    // Per-key client sessions (change.ts): a resent change applies once.
    exactlyOnce: true,
    // An attempt is two round trips: on links within a quarter of the attempt timeout it finishes
    // within the timeout. A node whose clock runs fast fires its timer early; the timeout then
    // doubles per attempt that timed out (proposer.ts), so such a node still completes its ops.
    assumes: { maxDelayUs: Math.floor(options.attemptTimeoutUs / 4) },
  };
}
