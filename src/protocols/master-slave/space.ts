/**
 * Master-slave's configuration space (what `dsim fuzz` draws), the properties each configuration
 * promises, and its operator action (manual promotion). The first value of each dimension is the
 * default. The promises follow docs/protocols/master-slave.md: what each mode, failover and read
 * choice gives up is left out, so a run is judged only by what its configuration claims.
 */
import type { ConfigurationSpace, Deployment, DeploymentQuery, OperatorAction, Promises, PromiseQuery } from '../../core/protocol.js';
import type { MasterSlaveOptions } from './options.js';

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'failover', values: ['none', 'manual', 'automatic', 'coordinator'], description: 'coordinator: runs with a coordination service (the deployment below)' },
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
    {
      name: 'clientEpochs',
      values: [null, false, true],
      description: 'answers carry the epoch; clients refuse an older one and tell a node of a newer one (null: the default, on under coordinator failover only)',
    },
    { name: 'ttl', values: ['1s', '500ms'], description: 'coordinator failover only: the session TTL, so how long a lost primary is waited for' },
    { name: 'leaseMargin', values: [0.1, 0.3], description: 'coordinator failover only: the share of the TTL the primary does not count on' },
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
      ...(choice['failover'] === 'coordinator' ? { coordinator: { ttl: choice['ttl'], leaseMargin: choice['leaseMargin'] } } : {}),
      ...(primaryReads && choice['readLease'] !== null ? { readLease: choice['readLease'] } : {}),
      heartbeat: choice['heartbeat'],
      failureTimeout: choice['failureTimeout'],
      maxBatch: choice['maxBatch'],
      maxPendingWrites: choice['maxPendingWrites'],
      ...(choice['clientEpochs'] !== null ? { clientEpochs: choice['clientEpochs'] } : {}),
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

export function promises(query: PromiseQuery<MasterSlaveOptions>): Promises {
  if (query.options.failover === 'coordinator') return coordinatorPromises(query);
  const { options: o, nodes, healed } = query;
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
 * Failover through a coordination service (coordinator.ts). What it rests on: the coordination
 * service (Raft) grants the leader key to one session at a time, with a token that only grows; the
 * holder is primary of the token's epoch. So one node per epoch, and the invariants and
 * convergence hold whatever the clocks do: a deposed primary is fenced by the replicas (they
 * refuse a lower epoch) as soon as they hear of the new one.
 *
 * Durability: the key goes to whichever node asks first once it is free, not to the most
 * up-to-date, as a manual promote may pick any replica. Only writes on every node survive every
 * failover: sync, or semi-sync with k covering every replica and no fallback timeout (the manual
 * rule of acknowledgedEverywhereNeeded).
 *
 * Linearizable primary reads: the session is the primary's lease. It serves only until the local
 * time it sent the last request that proved its session alive plus (1 - leaseMargin) × TTL; the
 * service frees the key no sooner than a full TTL after it received that request, on its leader's
 * monotonic clock. The old primary has stopped before a new one can exist when the primary's
 * clock runs slow by d and the service leader's fast by d with (1 - m)/(1 - d) <= 1/(1 + d), that
 * is d <= m/(2 - m) (the lock clients' bound, checks.ts). Both sides measure on monotonic clocks,
 * so jumps do not matter. Durable writes are needed too: a new primary missing an acknowledged
 * write would serve a stale read. Client epoch checks add nothing here (they narrow the window
 * when the clocks break the bound, failover-client-epochs.yaml), so they are not required.
 *
 * Liveness after the heal: a session the old primary held (or a crashed primary's) must expire,
 * then a node must open a session and take the key (recoveryUs).
 */
function coordinatorPromises({ options: o, nodes, healed }: PromiseQuery<MasterSlaveOptions>): Promises {
  const durable = acknowledgedEverywhereNeeded({ ...o, failover: 'manual' }, nodes);
  const linearizable = o.reads === 'primary' && durable;
  const checks = ['invariants', ...(durable && healed ? ['durable'] : []), ...(linearizable ? ['linearizable'] : []), ...(healed ? ['converged', 'liveness'] : [])];
  const margin = o.coordinator!.leaseMargin;
  const clock = linearizable ? { clock: { maxDrift: Math.floor((margin / (2 - margin)) * 10_000) / 10_000 } } : {};
  return { checks, assumes: { recoveryUs: coordinatorRecoveryUs(o), ...clock } };
}

/**
 * After the heal: the coordination service elects a leader (Raft's election timeout, twice for a
 * split vote: COORD_ELECTION_US), which waits a full TTL before it expires the sessions it
 * inherited; a node whose session expired opens a new one; the nodes ask for the key every
 * heartbeat, and resend an unanswered request after a quarter TTL. A quarter more for a slow clock.
 */
function coordinatorRecoveryUs(o: MasterSlaveOptions): number {
  const ttlUs = o.coordinator!.ttlUs;
  return Math.ceil(1.25 * (COORD_ELECTION_US + ttlUs + COORD_EXPIRY_CHECK_US + 2 * Math.ceil(ttlUs / 4) + 2 * o.heartbeatUs));
}

/** The coordination service the deployment runs: 3 nodes, its default options. */
const COORD_NODES = 3;
/** Two of Raft's default election timeouts (at most 300 ms each): a split vote, then a win. */
const COORD_ELECTION_US = 600_000;
/** The coordination service's default expiry check period. */
const COORD_EXPIRY_CHECK_US = 20_000;

/**
 * `failover: coordinator` runs with a coordination service: `coord` (COORD_NODES nodes, the
 * service's defaults) and `db` (this protocol, the drawn node count), the workload on `db`. Faults
 * reach both groups' nodes; the coordination service's leader elections are moments they may wait for.
 */
export function deployment({ options, nodes, clients }: DeploymentQuery): Deployment | undefined {
  if (options['failover'] !== 'coordinator') return undefined;
  return {
    groups: { coord: { protocol: 'coordination', nodes: COORD_NODES }, db: { protocol: 'master-slave', nodes, options } },
    workload: { service: 'db', clients },
    moments: { roles: ['leader'], notes: ['session-expired'] },
  };
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
