/**
 * Scenario options of the leaderless (Dynamo-style) store. Durations are written as in scenario
 * files (`50ms`, `1s`, or a bare number of microseconds) and resolved to µs here.
 */
import { z } from 'zod';
import type { OptionsResult } from '../../core/protocol.js';
import { durationUs, positiveDurationUs, zodOptions } from '../common/options.js';

const duration = durationUs;
const positiveDuration = positiveDurationUs;

export const optionsSchema = z
  .strictObject({
    /** The data the clients use; must match the scenario's workload model. */
    model: z.enum(['kv', 'counter', 'set']).default('kv'),
    /** Replicas per key (the preference list), and the acks a read / a write waits for. */
    N: z.number().int().min(1).max(64).default(3),
    R: z.number().int().min(1).max(64).default(2),
    W: z.number().int().min(1).max(64).default(2),
    /** kv only: version vectors keep concurrent writes as siblings; lww keeps the latest timestamp. */
    versioning: z.enum(['version-vector', 'lww']).default('version-vector'),
    /** Unreachable replicas are replaced by the next healthy nodes on the ring, which keep hints. */
    sloppyQuorum: z.boolean().default(false),
    /** Hint holders deliver hinted data to its home replica once it answers again. */
    hintedHandoff: z.boolean().default(true),
    /** After a read, replicas that answered with stale data get the merged value. */
    readRepair: z.boolean().default(true),
    /** Period of the bucket-digest exchange between replicas; 0 turns anti-entropy off. */
    antiEntropyIntervalUs: duration.default(500_000),
    /** A coordinator gives up on a quorum after this long: write info, read fail. */
    requestTimeoutUs: positiveDuration.default(500_000),
    /** A replica silent this long is suspected (and, with sloppyQuorum, replaced by a fallback). */
    replicaTimeoutUs: positiveDuration.default(100_000),
    /** How long a suspicion lasts unless the node is heard from. */
    suspectForUs: positiveDuration.default(1_000_000),
    /** Period of hinted-handoff attempts. */
    handoffIntervalUs: positiveDuration.default(200_000),
    /** Virtual nodes per node on the consistent-hashing ring. */
    tokensPerNode: z.number().int().min(1).max(1024).default(32),
    /** Anti-entropy digest buckets (keys hash into them). */
    buckets: z.number().int().min(1).max(4096).default(64),
    /** Bound on hints one node keeps; beyond it, hinted writes are refused (no ack). */
    maxHints: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .superRefine((o, ctx) => {
    if (o.R > o.N) ctx.addIssue({ code: 'custom', path: ['R'], message: `R (${o.R}) cannot exceed N (${o.N})` });
    if (o.W > o.N) ctx.addIssue({ code: 'custom', path: ['W'], message: `W (${o.W}) cannot exceed N (${o.N})` });
    if (o.model !== 'kv' && o.versioning !== 'version-vector') {
      ctx.addIssue({ code: 'custom', path: ['versioning'], message: 'versioning applies to model kv only (counter and set replicas hold CRDTs)' });
    }
  });

export type LeaderlessOptions = z.output<typeof optionsSchema>;

export const parseOptions: (raw: unknown) => OptionsResult<LeaderlessOptions> = zodOptions(optionsSchema);
