/**
 * The configuration space `dsim fuzz` draws from, what each configuration promises, and the
 * operator action the store accepts (a live key-range move). The first value of each dimension is
 * the default. The promises follow docs/protocols/transactions.md.
 */
import type { ConfigurationSpace, OperatorAction, Promises, PromiseQuery } from '../../core/protocol.js';
import type { TxOptions } from './options.js';

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'commit', values: ['2pc', '3pc'] },
    { name: 'isolation', values: ['serializable', 'read-committed'] },
    { name: 'locking', values: ['wait-die', 'no-wait'] },
    { name: 'termination', values: ['coordinator', 'cooperative'], description: '2pc only' },
    { name: 'tokensPerShard', values: [8, 1, 32] },
    { name: 'txnTimeout', values: ['500ms', '200ms'] },
    { name: 'decisionTimeout', values: ['100ms', '50ms'] },
    { name: 'idleTimeout', values: ['1s', '300ms'] },
    { name: 'maxWaiters', values: [64, 1] },
    { name: 'replication', values: ['none', 'primary-backup'], description: 'a shard is a node, or a primary and its backup' },
    { name: 'failoverTimeout', values: ['300ms', '100ms'], description: 'primary-backup only' },
  ],
  options(choice) {
    return {
      commit: choice['commit'],
      isolation: choice['isolation'],
      locking: choice['locking'],
      ...(choice['commit'] === '2pc' ? { termination: choice['termination'] } : {}),
      tokensPerShard: choice['tokensPerShard'],
      txnTimeout: choice['txnTimeout'],
      decisionTimeout: choice['decisionTimeout'],
      idleTimeout: choice['idleTimeout'],
      maxWaiters: choice['maxWaiters'],
      replication: choice['replication'],
      ...(choice['replication'] === 'primary-backup' ? { failoverTimeout: choice['failoverTimeout'] } : {}),
    };
  },
};

export function promises({ options, healed }: PromiseQuery<TxOptions>): Promises {
  // Every configuration keeps a key range on one node at a time, and answers the final reads once
  // faults heal (in-doubt participants learn the decision; 3PC terminates).
  const liveness = healed ? ['liveness'] : [];
  // A final read transaction takes a round trip per shard (up to 5 here) and two or three for the
  // commit: about 16 message delays, which must fit in txnTimeout (or the coordinator aborts it)
  // and, twice over, in the half of the quiet period the final reads get.
  const assumes = { maxDelayUs: Math.min(40_000, Math.floor(options.txnTimeout / 16)) };
  // Primary-backup shards promise what single-node shards do (a failover must not change it): the
  // PREPARED records and commit decisions the backup takes over from were confirmed before anyone
  // was told of them.
  // 3PC takes silence for a crash: under partitions, lossy links or delays beyond its timeouts it
  // loses atomicity, and with it isolation and durability. It promises nothing more here.
  if (options.commit === '3pc') return { checks: ['single-owner', ...liveness], assumes };
  // 2PC: atomic (an invariant), the isolation its option names (the `isolation` check judges
  // strict serializability or read committed), and no acknowledged commit lost.
  return { checks: ['invariants', 'isolation', ...(healed ? ['durable'] : []), ...liveness], assumes };
}

export function operatorActions(options?: TxOptions): readonly OperatorAction[] {
  // Shard i is node i, or with primary-backup shards the pair of nodes 2i-1 and 2i.
  const perShard = options?.replication === 'primary-backup' ? 2 : 1;
  return [
    {
      name: 'move',
      description: 'move the key range holding a key to another shard, while the workload runs',
      steps: (choose, cluster) => {
        const to = choose.pick(cluster.nodes);
        return [{ command: 'move', target: choose.pick(cluster.nodes), args: { key: choose.pick([1, 2, 3, 4, 5, 6, 7, 8]), to: `s${Math.ceil(Number(to.slice(1)) / perShard)}` } }];
      },
    },
  ];
}
