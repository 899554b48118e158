/**
 * Scenario options and named flaws of the sharded transactional store. Durations as in scenario
 * files (`50ms`, `1s`, or a bare number of µs).
 */
import { z } from 'zod';
import type { FlawInfo, OptionsResult } from '../../core/protocol.js';
import { positiveDurationUs, zodOptions } from '../common/options.js';

export const optionsSchema = z
  .strictObject({
    /** serializable: read locks held to the end (strict 2PL); read-committed: released after each read. */
    isolation: z.enum(['serializable', 'read-committed']).default('serializable'),
    /** Atomic commitment: two-phase commit, or three-phase commit with its timeouts. */
    commit: z.enum(['2pc', '3pc']).default('2pc'),
    /** Deadlock avoidance: an older transaction waits for a younger one and a younger dies (wait-die), or any conflict aborts (no-wait). */
    locking: z.enum(['wait-die', 'no-wait']).default('wait-die'),
    /** 2PC in-doubt participants ask the coordinator only, or the other participants too (cooperative termination). */
    termination: z.enum(['coordinator', 'cooperative']).default('coordinator'),
    /** Ring tokens per shard: more even out the load; a move hands one token's range to another shard. */
    tokensPerShard: z.number().int().min(1).max(256).default(8),
    /** A coordinator aborts a transaction it has not decided within this time. */
    txnTimeout: positiveDurationUs.default(500_000),
    /** A participant in doubt (prepared, no decision) this long asks for the decision (and again as often). */
    decisionTimeout: positiveDurationUs.default(100_000),
    /** A participant aborts on its own a transaction that has not voted and has been idle this long. */
    idleTimeout: positiveDurationUs.default(1_000_000),
    /** 3PC: how long a termination round waits for the other participants' states. */
    terminationTimeout: positiveDurationUs.default(100_000),
    /** How often each node looks at its timeouts and retries (resent decisions, questions, migrations). */
    tick: positiveDurationUs.default(20_000),
    /** A participant in doubt longer than this counts as blocked (the non-blocking check). */
    blockingBound: positiveDurationUs.default(1_000_000),
    /** Lock requests waiting on one key, at most; beyond it a requester dies. */
    maxWaiters: z.number().int().min(1).max(10_000).default(64),
    /**
     * none: a shard is one node. primary-backup: a shard is a pair of nodes (n1+n2 serve s1, n3+n4
     * s2, ...; an odd last node serves a shard alone): the primary replicates its durable record to
     * the backup synchronously, and the backup takes over when the primary is silent.
     */
    replication: z.enum(['none', 'primary-backup']).default('none'),
    /** primary-backup: a backup that hears nothing from its primary this long takes over (a new term). */
    failoverTimeout: positiveDurationUs.default(300_000),
    /** The log flush interval the flawed lazy writes wait for (commit-before-log, vote-before-log). */
    flushInterval: positiveDurationUs.default(50_000),
  })
  .superRefine((o, ctx) => {
    if (o.commit === '3pc' && o.termination === 'cooperative') {
      ctx.addIssue({ code: 'custom', path: ['termination'], message: '3pc has its own termination protocol; cooperative termination applies to 2pc' });
    }
    if (o.tick >= o.failoverTimeout) ctx.addIssue({ code: 'custom', path: ['failoverTimeout'], message: 'must be longer than tick (the primary\'s heartbeat period), or backups take over from live primaries' });
    if (o.tick >= o.decisionTimeout) ctx.addIssue({ code: 'custom', path: ['tick'], message: 'must be shorter than decisionTimeout, or in-doubt participants ask late' });
  });

export type TxOptions = z.output<typeof optionsSchema>;

export const parseOptions: (raw: unknown) => OptionsResult<TxOptions> = zodOptions(optionsSchema);

export const FLAWS = [
  {
    name: 'unilateral-abort',
    description:
      'A participant in doubt (PREPARED, voted yes) that hears no decision within decisionTimeout aborts on its own: when the coordinator is cut off after deciding commit, one participant commits and another aborts.',
    // 3PC promises no atomicity under the fuzzer's faults, so only 2PC can show what breaks.
    needs: { commit: '2pc' },
    breaks: ['atomicity', 'durable'],
  },
  {
    name: 'commit-before-log',
    description:
      'The coordinator sends COMMIT (and acknowledges the client) before its decision is on disk (it reaches the log at the next flush): a coordinator that crashes in between comes back with no record, presumes abort, and tells the other participants to abort what one already committed.',
    needs: { commit: '2pc' },
    breaks: ['atomicity', 'durable'],
  },
  {
    name: 'vote-before-log',
    description:
      'A participant votes yes before its PREPARED record is on disk (it reaches the log at the next flush): one that crashes in between forgets the transaction and its writes, though the coordinator counted its yes and commits.',
    needs: { commit: '2pc' },
    breaks: ['atomicity', 'durable'],
  },
  {
    name: 'early-read-unlock',
    description:
      'Read locks are released right after each read, as read committed does, while the store still promises serializability: write skew (G2-item) and read skew follow.',
    needs: { commit: '2pc', isolation: 'serializable' },
    breaks: ['isolation'],
  },
  {
    name: 'vote-before-backup',
    description:
      'A shard primary votes yes (and acknowledges commits) before its backup has the PREPARED record: its state reaches the backup at the next tick (asynchronous replication, as master-slave\'s async mode). A primary that crashes in between fails over to a backup that never prepared the transaction; the coordinator commits, and the new primary cannot apply what it never received.',
    needs: { commit: '2pc', replication: 'primary-backup' },
    breaks: ['atomicity', 'durable'],
  },
] as const satisfies readonly FlawInfo[];

export type FlawName = (typeof FLAWS)[number]['name'];

export interface Flaws {
  readonly unilateralAbort: boolean;
  readonly commitBeforeLog: boolean;
  readonly voteBeforeLog: boolean;
  readonly earlyReadUnlock: boolean;
  readonly voteBeforeBackup: boolean;
}

export function resolveFlaws(names: ReadonlySet<string>): Flaws {
  for (const name of names) {
    if (!FLAWS.some((f) => f.name === name)) throw new Error(`transactions has no flaw named ${JSON.stringify(name)}; known: ${FLAWS.map((f) => f.name).join(', ')}`);
  }
  return {
    unilateralAbort: names.has('unilateral-abort'),
    commitBeforeLog: names.has('commit-before-log'),
    voteBeforeLog: names.has('vote-before-log'),
    earlyReadUnlock: names.has('early-read-unlock'),
    voteBeforeBackup: names.has('vote-before-backup'),
  };
}
