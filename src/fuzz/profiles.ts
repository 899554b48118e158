/**
 * Per-protocol fuzz defaults: cluster sizes, which roles faults may target, and how long the quiet
 * period after the heal must be for the protocol to recover. Protocols not in the table get a
 * generic profile, so a user's own protocol (`--module ./my.ts`) fuzzes without configuration.
 */
import type { ProtocolDefinition } from '../core/protocol.js';

/** A fault kind the fuzzer injects (see FAULT_KINDS in arbitraries.ts). */
type FaultKind = 'partition' | 'crash' | 'pause' | 'clock' | 'loss' | 'duplicate' | 'reorder' | 'slow' | 'disk' | 'wipe';

/** An inclusive integer range. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** A value per swarm level: off, light, medium, hard. */
export type PerLevel = readonly [0, number, number, number];

export interface FuzzProfile {
  /** Cluster size range; shrinking goes down to `min`. */
  readonly nodes: { readonly min: number; readonly max: number };
  /**
   * Nodes a fault may name, at most (default `nodes.max`): a deployment (ProtocolDefinition.deployment)
   * adds the nodes of the services that use the protocol.
   */
  readonly nodeSlots?: number;
  /** Main-phase length range in ms; shrinking goes down to `min`. */
  readonly durationMs: { readonly min: number; readonly max: number };
  /** Quiet period after the heal, ms: long enough to elect, catch up and answer the final reads. */
  readonly quiesceMs: number;
  /** Roles the protocol reports (fault targets such as `leader`, and triggers: on becoming one). */
  readonly roles: readonly string[];
  /**
   * Names the protocol gives its `ctx.note`s (elections, truncations, snapshots installed...):
   * triggered faults may wait for one. Without them, a trigger waits for any note.
   */
  readonly notes?: readonly string[];
  /** Client routing. */
  readonly route: 'random' | 'sticky' | 'leader';
  /** Client count, total open-loop rate (ops/s) and key count ranges (default 1–5, 10–200, 1–5). */
  readonly workload?: {
    readonly clients?: Range;
    readonly ratePerSecond?: Range;
    readonly keys?: Range;
    readonly mix?: Readonly<Record<string, number>>;
    /** Op timeout (default and most: a quarter of the quiet period, so ops end before the final reads). */
    readonly timeoutMs?: number;
  };
  /** Fault kinds injected when `--faults` does not say (default: all). */
  readonly faultKinds?: readonly FaultKind[];
  /** Partition shapes drawn (default: isolate, split, majority-minority, one-way, bridge). */
  readonly partitionShapes?: readonly ('isolate' | 'split' | 'majority-minority' | 'one-way' | 'bridge')[];
  /** Swarm: the lowest level a kind may draw (default 0: any kind may be off in a run). */
  readonly minLevel?: Readonly<Partial<Record<FaultKind, 1 | 2 | 3>>>;
  /** Most fault entries per run (default 8; `--max-faults` overrides). */
  readonly maxFaults?: number;
  /**
   * Weight of the protocol's roles (`leader`, ...) as fault targets, against node indexes (3) and
   * `random` (1). Default: `random` and the roles share a weight of 1.
   */
  readonly roleTargetWeight?: number;
  /** Longest `for:` of a fault of each kind as a share of the main phase, per level (default 0, 0.2, 0.5, 1). */
  readonly forShare?: Readonly<Partial<Record<FaultKind, PerLevel>>>;
  /** Kinds whose faults always end by themselves (a `for:`), never last until the heal. */
  readonly alwaysEnd?: readonly FaultKind[];
  /** Largest clock jump in ms, per level (default 0, 10, 100, 500). */
  readonly clockOffsetMaxMs?: PerLevel;
  /** Largest clock rate error, per level (default 0, 0.01, 0.05, 0.2). */
  readonly clockDriftMax?: PerLevel;
  /** Smallest clock rate error (either sign), per level (default 0: any drift up to the largest). */
  readonly clockDriftMin?: PerLevel;
  /** Only slow clocks (negative drift), e.g. a leader whose lease outlasts its followers' patience. */
  readonly clockSlowOnly?: boolean;
}

/**
 * Checks judged only after the heal phase (faults off, then the quiet period): eventual
 * properties, for which unavailability during the faults is expected, not a bug.
 */
export const LIVENESS_CHECKS: ReadonlySet<string> = new Set(['liveness', 'converged', 'broadcast-delivered', 'replicas-converged', 'voters-converged', 'lock-liveness']);

/** Whether a check is judged only after the heal: one of LIVENESS_CHECKS, or a group's (`coord.converged`). */
export function isLivenessCheck(name: string): boolean {
  return LIVENESS_CHECKS.has(name) || LIVENESS_CHECKS.has(name.slice(name.lastIndexOf('.') + 1));
}

/**
 * Known protocols. What judges a run is not here: each run's configuration promises its checks
 * (`ProtocolDefinition.promises`).
 */
export const FUZZ_PROFILES: Readonly<Record<string, FuzzProfile>> = {
  broadcast: {
    nodes: { min: 2, max: 5 },
    durationMs: { min: 200, max: 2000 },
    quiesceMs: 2000,
    roles: [],
    route: 'random',
  },
  raft: {
    nodes: { min: 3, max: 5 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: ['leader'],
    notes: ['campaign', 'leader', 'step-down', 'check-quorum-lost', 'installed-snapshot', 'truncating-committed', 'membership', 'transfer'],
    route: 'leader',
  },
  paxos: {
    nodes: { min: 3, max: 5 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: ['leader'],
    route: 'leader',
  },
  'cas-paxos': {
    nodes: { min: 3, max: 5 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: [],
    // Any node proposes: clients spread over the nodes.
    route: 'random',
  },
  'master-slave': {
    nodes: { min: 2, max: 4 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    // failover: coordinator adds a 3-node coordination service (space.ts, deployment).
    nodeSlots: 7,
    roles: ['primary'],
    notes: ['primary-silent', 'campaign', 'promoted', 'step-down', 'restart-as-replica', 'semi-sync-off', 'semi-sync-on', 'truncate', 'lease-lapsed'],
    route: 'leader',
  },
  leaderless: {
    nodes: { min: 3, max: 5 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: [],
    notes: ['hints-delivered'],
    route: 'random',
  },
  transactions: {
    nodes: { min: 2, max: 5 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: [],
    route: 'random',
    // Active keys per run (the workload retires a key after 32 writes): few keys, many conflicts.
    workload: { keys: { min: 2, max: 8 } },
  },
  // The service's own nodes; its deployment adds the store and the lock clients (2-4, from the
  // workload's client count), so faults aim at up to 10 nodes.
  coordination: {
    nodes: { min: 1, max: 5 },
    nodeSlots: 10,
    durationMs: { min: 500, max: 4000 },
    quiesceMs: 3000,
    // The coordination leader, a lock holder, and a holder between its lease check and its write
    // (a pause there is Kleppmann's GC pause).
    roles: ['leader', 'holder', 'writer'],
    notes: ['session-expired', 'campaign', 'leader', 'step-down'],
    route: 'leader',
    workload: { clients: { min: 2, max: 4 } },
    // Faults aimed at the leader and at lock holders as often as at node indexes.
    roleTargetWeight: 3,
    // Clocks matter at the scale of a session TTL (a second or so): jumps up to 2 s, and drift near
    // the largest a configuration allows for (the lock clients' promises bound it).
    clockOffsetMaxMs: [0, 100, 500, 2000],
    clockDriftMin: [0, 0.005, 0.02, 0.04],
  },
  'multi-leader': {
    nodes: { min: 2, max: 4 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: [],
    route: 'sticky',
  },
};

/** The profile for a protocol: from the table, or a generic one. */
export function profileFor(definition: Pick<ProtocolDefinition, 'name'>): FuzzProfile {
  const known = FUZZ_PROFILES[definition.name];
  if (known !== undefined) return known;
  return {
    nodes: { min: 2, max: 5 },
    durationMs: { min: 300, max: 2000 },
    quiesceMs: 2000,
    roles: [],
    route: 'leader',
  };
}
