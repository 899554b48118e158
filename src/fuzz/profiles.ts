/**
 * Per-protocol fuzz defaults: cluster sizes, which roles faults may target, how long the quiet
 * period after the heal must be for the protocol to recover, and which checks judge a run.
 * Protocols not in the table get a profile derived from their models, so a user's own protocol
 * (`--module ./my.ts`) fuzzes without configuration.
 */
import type { ProtocolDefinition } from '../core/protocol.js';

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
