/**
 * Scenario options of the master-slave protocol, validated with zod. Durations are written as in
 * scenario files (`50ms`, `1s`, or a bare number of microseconds) and resolved to µs here.
 */
import { z } from 'zod';
import type { OptionsResult } from '../../core/protocol.js';
import { durationUs, positiveDurationUs, zodOptions } from '../common/options.js';

const positiveDuration = positiveDurationUs;

export const optionsSchema = z
  .strictObject({
    /** When the primary acknowledges a write: after its own write, after k replicas, after all. */
    mode: z.enum(['async', 'semi-sync', 'sync']).default('async'),
    /** semi-sync: replica confirmations needed (capped at the number of replicas). */
    k: z.number().int().min(1).optional(),
    /**
     * semi-sync: absent, the primary waits for k confirmations however long it takes; set, a write
     * waiting longer falls back to async (MySQL's rpl_semi_sync_master_timeout).
     */
    semiSyncTimeout: positiveDuration.optional(),
    /** Where reads go: the primary only, or any node (read-write separation, stale reads). */
    reads: z.enum(['primary', 'replica']).default('primary'),
    /**
     * none: the primary is the primary forever; manual: `command: promote`; automatic: elections;
     * coordinator: the nodes race for a leader key in a coordination service (multi-group scenarios).
     */
    failover: z.enum(['none', 'manual', 'automatic', 'coordinator']).default('none'),
    /**
     * failover: coordinator: the group running the coordination service, the session TTL, and the
     * fraction of it the primary does not count on (clock drift between it and the service).
     */
    coordinator: z
      .strictObject({ service: z.string().min(1).default('coord'), ttl: positiveDuration.default(1_000_000), leaseMargin: z.number().min(0).max(0.9).default(0.1) })
      .optional(),
    /**
     * Clients check the epoch too: every answer carries the node's epoch, a client does not believe
     * an answer from an epoch older than one it has seen, and a node asked by a client that has seen
     * a newer epoch steps down (client-epochs.ts). Absent: on under `failover: coordinator` (the
     * leader key's token is the fencing token, and its users check it), off otherwise.
     */
    clientEpochs: z.boolean().optional(),
    /** How an automatic failover picks the new primary. */
    promotion: z.enum(['most-up-to-date', 'first-to-notice']).default('most-up-to-date'),
    /** Primary heartbeat period (also the replicas' check period). */
    heartbeat: positiveDuration.default(50_000),
    /** Silence after which a replica suspects the primary; each node adds up to 100% jitter. */
    failureTimeout: positiveDuration.default(300_000),
    /** Most log entries in one catch-up message. */
    maxBatch: z.number().int().min(1).max(100_000).default(256),
    /** Bound on writes waiting for confirmations; beyond it new writes fail at once. */
    maxPendingWrites: z.number().int().min(1).max(1_000_000).default(1_000),
    /**
     * Primary read lease (absent: none). The primary serves a read only while a majority's
     * acknowledgements of a heartbeat sent less than `duration - driftMargin` ago (its clock) hold;
     * a replica that acknowledged promises not to vote or campaign for `duration` (its clock).
     * `driftMargin` must cover the clocks' disagreement over a lease: duration × rate error, plus jumps.
     */
    readLease: z.strictObject({ duration: positiveDuration, driftMargin: durationUs }).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.mode !== 'semi-sync' && o.k !== undefined) ctx.addIssue({ code: 'custom', path: ['k'], message: 'k applies only to mode: semi-sync' });
    if (o.mode !== 'semi-sync' && o.semiSyncTimeout !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['semiSyncTimeout'], message: 'semiSyncTimeout applies only to mode: semi-sync' });
    }
    if (o.coordinator !== undefined && o.failover !== 'coordinator') ctx.addIssue({ code: 'custom', path: ['coordinator'], message: 'coordinator applies only to failover: coordinator' });
    if (o.failover !== 'automatic' && o.promotion !== 'most-up-to-date') {
      ctx.addIssue({ code: 'custom', path: ['promotion'], message: 'promotion applies only to failover: automatic' });
    }
    const lease = o.readLease;
    if (lease !== undefined) {
      if (o.reads !== 'primary') ctx.addIssue({ code: 'custom', path: ['readLease'], message: 'readLease applies only to reads: primary (replica reads are stale by design)' });
      if (lease.driftMargin < 0) ctx.addIssue({ code: 'custom', path: ['readLease', 'driftMargin'], message: 'must not be negative' });
      else if (lease.duration - lease.driftMargin <= o.heartbeat) {
        ctx.addIssue({
          code: 'custom',
          path: ['readLease'],
          message: `duration - driftMargin must exceed the heartbeat (${o.heartbeat}us), or the lease lapses between renewals`,
        });
      }
    }
  });

export type ParsedOptions = z.output<typeof optionsSchema>;

/** The options as the protocol uses them: every duration in µs, every default filled in. */
export interface MasterSlaveOptions {
  readonly mode: 'async' | 'semi-sync' | 'sync';
  readonly k: number;
  readonly semiSyncTimeoutUs: number | undefined;
  readonly reads: 'primary' | 'replica';
  readonly failover: 'none' | 'manual' | 'automatic' | 'coordinator';
  /** failover: coordinator only. */
  readonly coordinator: CoordinatorOptions | undefined;
  readonly promotion: 'most-up-to-date' | 'first-to-notice';
  /** Answers carry the epoch and clients' epochs fence the node (client-epochs.ts). */
  readonly clientEpochs: boolean;
  readonly heartbeatUs: number;
  readonly failureTimeoutUs: number;
  readonly maxBatch: number;
  readonly maxPendingWrites: number;
  /** Primary read lease, in µs; undefined: primary reads without a lease. */
  readonly readLease: ReadLeaseOptions | undefined;
}

export interface CoordinatorOptions {
  /** The group running the coordination service. */
  readonly service: string;
  readonly ttlUs: number;
  /** Fraction of the TTL the primary does not count on. */
  readonly leaseMargin: number;
}

export interface ReadLeaseOptions {
  /** How long a replica's promise lasts on its own clock, from the heartbeat it acknowledged. */
  readonly durationUs: number;
  /** Subtracted from the primary's lease for clock drift and jumps between the two clocks. */
  readonly driftMarginUs: number;
}

export function resolveOptions(parsed: ParsedOptions): MasterSlaveOptions {
  return {
    mode: parsed.mode,
    k: parsed.k ?? 1,
    semiSyncTimeoutUs: parsed.semiSyncTimeout,
    reads: parsed.reads,
    failover: parsed.failover,
    coordinator:
      parsed.failover !== 'coordinator'
        ? undefined
        : { service: parsed.coordinator?.service ?? 'coord', ttlUs: parsed.coordinator?.ttl ?? 1_000_000, leaseMargin: parsed.coordinator?.leaseMargin ?? 0.1 },
    promotion: parsed.promotion,
    clientEpochs: parsed.clientEpochs ?? parsed.failover === 'coordinator',
    heartbeatUs: parsed.heartbeat,
    failureTimeoutUs: parsed.failureTimeout,
    maxBatch: parsed.maxBatch,
    maxPendingWrites: parsed.maxPendingWrites,
    readLease: parsed.readLease === undefined ? undefined : { durationUs: parsed.readLease.duration, driftMarginUs: parsed.readLease.driftMargin },
  };
}

const parseRaw = zodOptions(optionsSchema);

export function parseOptions(raw: unknown): OptionsResult<MasterSlaveOptions> {
  const result = parseRaw(raw);
  return result.ok ? { ok: true, value: resolveOptions(result.value) } : result;
}
