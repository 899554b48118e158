/**
 * Master-slave's configuration space (what `dsim fuzz` draws), the properties each configuration
 * promises, and its operator action (manual promotion). The first value of each dimension is the
 * default. The promises follow docs/protocols/master-slave.md: what each mode, failover and read
 * choice gives up is left out, so a run is judged only by what its configuration claims.
 */
import type { ConfigurationSpace, OperatorAction, Promises, PromiseQuery } from '../../core/protocol.js';
import type { MasterSlaveOptions } from './options.js';

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'failover', values: ['none', 'manual', 'automatic'] },
    { name: 'mode', values: ['async', 'semi-sync', 'sync'] },
    { name: 'reads', values: ['primary', 'replica'] },
    { name: 'readLease', values: [null, { duration: '300ms', driftMargin: '30ms' }, { duration: '200ms', driftMargin: '100ms' }], description: 'primary reads only' },
    { name: 'promotion', values: ['most-up-to-date', 'first-to-notice'], description: 'automatic failover only' },
    { name: 'k', values: [1, 2, 3], description: 'semi-sync only' },
    { name: 'semiSyncTimeout', values: [null, '100ms'], description: 'semi-sync only' },
    { name: 'heartbeat', values: ['50ms', '20ms'] },
    { name: 'failureTimeout', values: ['300ms', '150ms', '1s'] },
    { name: 'maxBatch', values: [256, 16], description: 'small enough to need several catch-up rounds, large enough to catch up within the quiet period' },
    { name: 'maxPendingWrites', values: [1000, 3] },
    { name: 'clientEpochs', values: [false, true], description: 'answers carry the epoch; clients refuse an older one and tell a node of a newer one' },
  ],
  options(choice) {
    const semiSync = choice['mode'] === 'semi-sync';
    const primaryReads = choice['reads'] === 'primary';
    return {
      mode: choice['mode'],
      failover: choice['failover'],
      reads: choice['reads'],
      ...(semiSync ? { k: choice['k'] } : {}),
      ...(semiSync && choice['semiSyncTimeout'] !== null ? { semiSyncTimeout: choice['semiSyncTimeout'] } : {}),
      ...(choice['failover'] === 'automatic' ? { promotion: choice['promotion'] } : {}),
      ...(primaryReads && choice['readLease'] !== null ? { readLease: choice['readLease'] } : {}),
      heartbeat: choice['heartbeat'],
      failureTimeout: choice['failureTimeout'],
      maxBatch: choice['maxBatch'],
      maxPendingWrites: choice['maxPendingWrites'],
      clientEpochs: choice['clientEpochs'],
    };
  },
};

/**
 * Whether every acknowledged write is on every node a failover could promote. Sync waits for every
 * replica. Semi-sync without a fallback timeout: under most-up-to-date elections, k confirmations
 * plus the primary must meet every majority (the winner is the most up to date of a majority);
 * under manual promotion the operator may pick any replica, so k must cover them all.
 */
function acknowledgedEverywhereNeeded(o: MasterSlaveOptions, nodes: number): boolean {
  const replicas = nodes - 1;
  if (o.mode === 'sync') return true;
  if (o.mode !== 'semi-sync' || o.semiSyncTimeoutUs !== undefined) return false;
  const k = Math.min(o.k, replicas);
  return o.failover === 'manual' ? k >= replicas : k + 1 >= Math.floor(nodes / 2) + 1;
}

export function promises({ options: o, nodes, healed }: PromiseQuery<MasterSlaveOptions>): Promises {
  const checks: string[] = [];
  // A primary per epoch needs someone to decide who it is. First-to-notice promotes without votes:
  // two replicas that notice at once both become primary of one epoch, by design. A manual
  // promote is the operator's decision: two promotes issued before either took effect choose the
  // same next epoch (an operator error the protocol does not fence). Neither keeps the replica-
  // prefix invariant: it rests on (epoch, seq) naming one entry, and two primaries of one epoch
  // write different entries under the same (epoch, seq) — a replica that switches from one to the
  // other passes the consistency check and confirms the other's entry as its new primary's (found
  // by fuzzing first-to-notice promotion with a primary crash: seed 4128065).
  const decidedPrimaries = o.failover === 'none' || (o.failover === 'automatic' && o.promotion === 'most-up-to-date');
  if (decidedPrimaries) checks.push('invariants');
  // Without failover the one primary keeps every write it acknowledged (on its disk, before the
  // ack). With failover, only writes on every node that can be promoted survive it.
  const durable = o.failover === 'none' || ((o.failover === 'manual' || o.promotion === 'most-up-to-date') && acknowledgedEverywhereNeeded(o, nodes));
  // Judged from the final reads, which only a heal phase has.
  if (durable && healed) checks.push('durable');
  // Linearizable reads need one node answering them: the only primary (no failover), or, with
  // automatic most-up-to-date failover of durable writes, a primary under a read lease (a deposed
  // primary stops serving when its lease lapses). A manual promote ignores leases; replica reads
  // are stale by design.
  const leased = o.readLease !== undefined;
  const linearizable = o.reads === 'primary' && (o.failover === 'none' || (o.failover === 'automatic' && durable && leased));
  if (linearizable) checks.push('linearizable');
  // Two primaries of one epoch can write different entries under the same (epoch, seq), which
  // reconciliation then takes for the same entry: their replicas never converge.
  if (healed) checks.push(...(decidedPrimaries ? ['converged'] : []), 'liveness');
  // The lease margin covers the clocks' disagreement over one lease: two clocks drifting apart
  // and jumping apart; half of it for each.
  const lease = o.readLease;
  const clock = linearizable && lease !== undefined && o.failover !== 'none' ? { maxDrift: lease.driftMarginUs / (4 * lease.durationUs), maxJumpUs: Math.floor(lease.driftMarginUs / 4) } : undefined;
  // Only automatic failover has a recovery to wait for: without failover the restarted primary
  // serves at once, and a manual promote waits for an operator, not a timeout.
  const recovery = o.failover === 'automatic' ? { recoveryUs: recoveryUs(o) } : {};
  return { checks, assumes: { ...recovery, ...(clock !== undefined ? { clock } : {}) } };
}

/**
 * After a heal, a replica notices a silent primary within a failure timeout (checked every
 * heartbeat) and campaigns; a split vote backs off up to two failure timeouts (fencing.ts) before
 * the next campaign. Allowing two split votes, and a quarter more for a slow clock.
 */
function recoveryUs(o: MasterSlaveOptions): number {
  return Math.ceil(1.25 * (o.heartbeatUs + o.failureTimeoutUs + 2 * 2 * o.failureTimeoutUs));
}

export function operatorActions(options: MasterSlaveOptions): readonly OperatorAction[] {
  if (options.failover !== 'manual') return [];
  return [
    {
      name: 'promote',
      description: 'an operator promotes a node to primary of a new epoch',
      steps: (choose, cluster) => [{ command: 'promote', target: choose.pick(cluster.nodes) }],
    },
  ];
}
