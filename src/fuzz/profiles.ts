/**
 * Per-protocol fuzz defaults: cluster sizes, which roles faults may target, how long the quiet
 * period after the heal must be for the protocol to recover, and which checks judge a run.
 * Protocols not in the table get a profile derived from their models, so a user's own protocol
 * (`--module ./my.ts`) fuzzes without configuration.
 */
import type { ProtocolDefinition } from '../core/protocol.js';

/** A fault kind the fuzzer injects (see FAULT_KINDS in arbitraries.ts). */
type FaultKind = 'partition' | 'crash' | 'pause' | 'clock' | 'loss' | 'duplicate' | 'reorder' | 'disk';

/** An inclusive integer range. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** A value per swarm level: off, light, medium, hard. */
export type PerLevel = readonly [0, number, number, number];

export interface FuzzProfile {
  /** Workload model (default: the protocol's first). */
  readonly model?: string;
  /** Cluster size range; shrinking goes down to `min`. */
  readonly nodes: { readonly min: number; readonly max: number };
  /** Main-phase length range in ms; shrinking goes down to `min`. */
  readonly durationMs: { readonly min: number; readonly max: number };
  /** Quiet period after the heal, ms: long enough to elect, catch up and answer the final reads. */
  readonly quiesceMs: number;
  /** Roles the protocol reports (fault targets such as `leader`). */
  readonly roles: readonly string[];
  /** Client routing. */
  readonly route: 'random' | 'sticky' | 'leader';
  /**
   * Checks that must hold in the protocol's correct configuration, under any faults. Names the
   * protocol does not know are dropped (a protocol still being written may lack one).
   */
  readonly checks: readonly string[];
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
  /** Relative weight of each fault kind when a fault entry is drawn (default 1 each). */
  readonly faultWeights?: Readonly<Partial<Record<FaultKind, number>>>;
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
 * What makes one named flaw reachable by fuzzing: protocol options (under the user's `--options`,
 * which win) and profile changes (fault weights, workload, timing). Applied when `--flaws` names
 * the flaw. Each should keep the *correct* configuration passing under the same fault plan, so a
 * failure points at the flaw, not at the profile.
 */
export interface FlawProfile {
  /** Why these choices, in a sentence (shown in docs/FUZZING.md). */
  readonly why: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly profile?: Partial<FuzzProfile>;
}

/**
 * Checks judged only after the heal phase (faults off, then the quiet period): eventual
 * properties, for which unavailability during the faults is expected, not a bug.
 */
export const LIVENESS_CHECKS: ReadonlySet<string> = new Set(['liveness', 'converged', 'broadcast-delivered', 'replicas-converged']);

const KV_SAFETY = ['invariants', 'linearizable', 'durable'];

/** Known protocols. Correct configurations only: a flaw (`--flaws`) is what the fuzzer hunts. */
export const FUZZ_PROFILES: Readonly<Record<string, FuzzProfile>> = {
  broadcast: {
    model: 'broadcast',
    nodes: { min: 2, max: 5 },
    durationMs: { min: 200, max: 2000 },
    quiesceMs: 2000,
    roles: [],
    route: 'random',
    checks: ['invariants', 'broadcast-delivered', 'converged', 'liveness'],
  },
  raft: {
    model: 'kv',
    nodes: { min: 3, max: 5 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: ['leader'],
    route: 'leader',
    checks: [...KV_SAFETY, 'converged', 'liveness'],
  },
  paxos: {
    model: 'kv',
    nodes: { min: 3, max: 5 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: ['leader'],
    route: 'leader',
    checks: [...KV_SAFETY, 'converged', 'liveness'],
  },
  'master-slave': {
    model: 'kv',
    nodes: { min: 2, max: 4 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: ['primary'],
    route: 'leader',
    // The default configuration (async replication, no failover, reads at the primary) is
    // linearizable: one primary serves everything and recovers its own disk. Configurations that
    // trade that away (failover: automatic, reads: replica) should be fuzzed with --checks.
    checks: [...KV_SAFETY, 'converged', 'liveness'],
  },
  leaderless: {
    model: 'kv',
    nodes: { min: 3, max: 5 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: [],
    route: 'random',
    // Eventual consistency: not linearizable by design. Each key lives on N replicas only, so
    // nodes' views differ by design; each key's replicas must agree after the heal.
    checks: ['invariants', 'replicas-converged', 'liveness'],
  },
  'multi-leader': {
    model: 'kv',
    nodes: { min: 2, max: 4 },
    durationMs: { min: 300, max: 3000 },
    quiesceMs: 3000,
    roles: [],
    route: 'sticky',
    // Last-writer-wins may drop concurrent writes by design; convergence is the promise.
    checks: ['invariants', 'converged', 'liveness'],
  },
};

/**
 * Per-flaw profiles by protocol and flaw. A flaw without one is fuzzed with the protocol's
 * profile as is (most flaws show under plain swarm faults).
 */
export const FLAW_PROFILES: Readonly<Record<string, Readonly<Record<string, FlawProfile>>>> = {
  raft: {
    'stale-read': {
      why:
        'A stale read needs a deposed leader that still answers reads after a new leader acknowledged a write: CheckQuorum off (so the old leader ' +
        'keeps believing it leads), partitions that cut the leader off (isolate, majority-minority, mostly aimed at `leader`), several clients ' +
        'per zone doing mostly reads on few keys, and a short op timeout so a client stuck on a write in the cut-off zone reads again soon.',
      options: { checkQuorum: false },
      profile: {
        // Judged by safety alone: with a short op timeout and long partitions, liveness is not the question here.
        checks: ['invariants', 'linearizable', 'durable'],
        durationMs: { min: 1500, max: 3000 },
        faultKinds: ['partition'],
        partitionShapes: ['isolate', 'majority-minority'],
        minLevel: { partition: 2 },
        maxFaults: 4,
        roleTargetWeight: 9,
        workload: { clients: { min: 6, max: 8 }, ratePerSecond: { min: 100, max: 200 }, keys: { min: 2, max: 3 }, mix: { read: 0.75, write: 0.25 }, timeoutMs: 150 },
      },
    },
    'lease-no-margin': {
      why:
        'The flawed lease outlasts the followers\' patience only when the leader\'s clock runs slow: lease reads with frequent heartbeats, ' +
        'clock faults that slow the leader by 70-80% (and `maxClockDrift: 0.8`, so the correct lease stays safe; no clock jumps, which only ' +
        'leaseMarginUs covers), then partitions that isolate the leader, in a main phase long enough (3-5 s) for the isolation to outlast the ' +
        'election; clients and op mix as for stale-read.',
      options: { reads: 'lease', heartbeatUs: '20ms', maxClockDrift: 0.8 },
      profile: {
        checks: ['invariants', 'linearizable', 'durable'],
        nodes: { min: 3, max: 3 },
        durationMs: { min: 3000, max: 5000 },
        faultKinds: ['clock', 'partition'],
        partitionShapes: ['isolate'],
        minLevel: { partition: 2, clock: 2 },
        maxFaults: 4,
        roleTargetWeight: 12,
        clockOffsetMaxMs: [0, 0, 0, 0],
        clockSlowOnly: true,
        clockDriftMin: [0, 0.7, 0.75, 0.75],
        clockDriftMax: [0, 0.75, 0.8, 0.8],
        workload: { clients: { min: 6, max: 8 }, ratePerSecond: { min: 150, max: 250 }, keys: { min: 2, max: 2 }, mix: { read: 0.75, write: 0.25 }, timeoutMs: 150 },
      },
    },
    'no-persist-vote': {
      why:
        'A voter votes twice only if it restarts between two candidates\' requests in the same term: PreVote and CheckQuorum off and a narrow ' +
        'election timeout range (150-165 ms), so elections are contested; three nodes; hard reordering, so the two requests reach a voter far ' +
        'apart; and many short crashes (up to 2% of the main phase, always restarting) of random nodes and the leader, whose crash starts the ' +
        'next contested election.',
      options: { preVote: false, checkQuorum: false, electionTimeoutMinUs: '150ms', electionTimeoutMaxUs: '165ms' },
      profile: {
        // Two leaders in one term is what election-safety (an invariant) sees.
        checks: ['invariants'],
        nodes: { min: 3, max: 3 },
        durationMs: { min: 500, max: 1000 },
        faultKinds: ['crash', 'reorder'],
        minLevel: { crash: 1, reorder: 3 },
        faultWeights: { crash: 6 },
        maxFaults: 40,
        alwaysEnd: ['crash'],
        forShare: { crash: [0, 0.005, 0.01, 0.02] },
      },
    },
  },
  paxos: {
    'read-without-completion': {
      why:
        'The flawed read is a quorum read (any node asks a read quorum for its highest voted slot): `reads: quorum`. Its lease-read form ' +
        '(a new leader answering before it completed the slots phase 1 revealed) is also reachable with `reads: lease`, but rarely.',
      options: { reads: 'quorum' },
    },
  },
};

/** The flaw profiles that apply to these flaws, in the order named. */
export function flawProfilesFor(protocol: string, flaws: readonly string[]): FlawProfile[] {
  const table = FLAW_PROFILES[protocol] ?? {};
  return flaws.flatMap((flaw) => (Object.hasOwn(table, flaw) ? [table[flaw]!] : []));
}

/** The profile for a protocol: from the table, or derived from its models. */
export function profileFor(definition: Pick<ProtocolDefinition, 'name' | 'models'>): FuzzProfile {
  const known = FUZZ_PROFILES[definition.name];
  if (known !== undefined) return known;
  const model = definition.models[0] ?? 'kv';
  const kvLike = model === 'kv' || model === 'register';
  return {
    model,
    nodes: { min: 2, max: 5 },
    durationMs: { min: 300, max: 2000 },
    quiesceMs: 2000,
    roles: [],
    route: 'leader',
    checks: kvLike ? [...KV_SAFETY, 'converged', 'liveness'] : ['invariants', 'converged', 'liveness'],
  };
}
