/**
 * The leaderless store's configuration space (what `dsim fuzz` draws) and the properties each
 * configuration promises. The first value of each dimension is the default. N is at most 3, the
 * smallest cluster the fuzzer draws, so a preference list always has N distinct nodes.
 */
import type { ConfigurationSpace, Promises, PromiseQuery } from '../../core/protocol.js';
import { storeModelCheck } from '../common/replicated-store.js';
import type { LeaderlessOptions } from './options.js';

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'N', values: [3, 1, 2] },
    { name: 'R', values: [2, 1, 3], description: 'at most N' },
    { name: 'W', values: [2, 1, 3], description: 'at most N' },
    { name: 'versioning', values: ['version-vector', 'lww'], description: 'kv only' },
    { name: 'sloppyQuorum', values: [false, true] },
    { name: 'hintedHandoff', values: [true, false] },
    { name: 'readRepair', values: [true, false] },
    { name: 'antiEntropyIntervalUs', values: ['500ms', 0, '50ms'] },
    { name: 'replicaTimeoutUs', values: ['100ms', '20ms'] },
    { name: 'requestTimeoutUs', values: ['500ms', '100ms'] },
    { name: 'tokensPerNode', values: [32, 1] },
    { name: 'buckets', values: [64, 1] },
    { name: 'maxHints', values: [10_000, 2] },
  ],
  options(choice, model) {
    const n = choice['N'] as number;
    return {
      ...choice,
      R: Math.min(choice['R'] as number, n),
      W: Math.min(choice['W'] as number, n),
      versioning: model === 'kv' ? choice['versioning'] : 'version-vector',
    };
  },
};

export function promises({ options: o, model, healed }: PromiseQuery<LeaderlessOptions>): Promises {
  const checks = ['invariants'];
  // Replicas reconcile through anti-entropy (read repair fixes only what is read, and a write
  // reaches only the replicas its messages reach). Hints reach their home replica only by
  // handoff: without it, a write a sloppy quorum acknowledged on stand-ins never gets there.
  const hintsDelivered = !o.sloppyQuorum || o.hintedHandoff;
  const converges = o.antiEntropyIntervalUs > 0 && hintsDelivered;
  // Last-writer-wins keeps one of two concurrent writes (and, under clock skew, an older one).
  const keepsEveryWrite = model !== 'kv' || o.versioning === 'version-vector';
  // The model checks look at every replica's final copy, so they need the replicas to converge.
  if (keepsEveryWrite && converges && healed) checks.push(storeModelCheck(model));
  // Overlapping strict quorums: a read meets a replica of every acknowledged write. A sloppy
  // quorum acknowledges on fallbacks outside the preference list, which a read does not ask.
  if (keepsEveryWrite && o.R + o.W > o.N && !o.sloppyQuorum) checks.push('read-your-writes');
  if (healed && converges) checks.push('replicas-converged');
  if (healed) checks.push('liveness');
  // A coordinator gives up after requestTimeoutUs: a quorum's round trip must fit in it, with
  // room for a replica's reply to be the slow one.
  return { checks, assumes: { maxDelayUs: Math.floor(o.requestTimeoutUs / 4) } };
}
