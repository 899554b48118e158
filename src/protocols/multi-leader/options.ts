/** Scenario options of the multi-leader store (durations as in scenario files, resolved to µs). */
import { z } from 'zod';
import type { OptionsResult } from '../../core/protocol.js';
import { positiveDurationUs, zodOptions } from '../common/options.js';

const positiveDuration = positiveDurationUs;

export const optionsSchema = z
  .strictObject({
    /** The data the clients use; must match the scenario's workload model. */
    model: z.enum(['kv', 'counter', 'set']).default('kv'),
    /**
     * How concurrent updates from different leaders are reconciled: the latest timestamp wins
     * (each node's own clock, node id breaking ties); version vectors keep siblings; or CRDT merge.
     */
    conflicts: z.enum(['lww', 'version-vector', 'crdt']).default('lww'),
    /** conflicts: crdt with model kv: the register CRDT (there is no richer merge for opaque values). */
    kvRegister: z.enum(['lww', 'mv']).default('mv'),
    /** Period of retransmission of updates a peer has not acknowledged yet. */
    replicateIntervalUs: positiveDuration.default(50_000),
    /** Most updates in one replication message. */
    maxBatch: z.number().int().min(1).max(10_000).default(64),
    /** Bound on own updates awaiting acknowledgement by every peer; beyond it writes fail at once. */
    maxLogEntries: z.number().int().min(1).max(10_000_000).default(100_000),
  })
  .superRefine((o, ctx) => {
    if (o.model === 'counter' && o.conflicts !== 'crdt') {
      ctx.addIssue({ code: 'custom', path: ['conflicts'], message: 'a counter needs conflicts: crdt (a PN-Counter); lww or siblings of counts would drop increments' });
    }
    if (o.conflicts !== 'crdt' && o.kvRegister !== 'mv') ctx.addIssue({ code: 'custom', path: ['kvRegister'], message: 'kvRegister applies only to conflicts: crdt' });
  });

export type MultiLeaderOptions = z.output<typeof optionsSchema>;

export const parseOptions: (raw: unknown) => OptionsResult<MultiLeaderOptions> = zodOptions(optionsSchema);
