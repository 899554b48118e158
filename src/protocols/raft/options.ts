/**
 * Raft's scenario options and its named flaws. Durations are microseconds, or duration strings
 * (`150ms`) for readability in scenario files.
 */
import { z } from 'zod';
import type { FlawInfo } from '../../core/protocol.js';
import { durationUs, zodOptions } from '../common/options.js';

const duration = durationUs;

export const optionsSchema = z
  .strictObject({
    /** Followers wait a random time in [min, max) without hearing from a leader before campaigning. */
    electionTimeoutMinUs: duration.default(150_000),
    electionTimeoutMaxUs: duration.default(300_000),
    /** How often a leader sends AppendEntries when idle (and starts a new heartbeat round). */
    heartbeatUs: duration.default(50_000),
    /** Ask for votes without raising the term first, so a rejoining node cannot depose a healthy leader. */
    preVote: z.boolean().default(true),
    /** A leader that has not heard from a majority for an election timeout steps down. */
    checkQuorum: z.boolean().default(true),
    /**
     * How reads are served: `log` (a read is a log entry), `read-index` (the leader confirms its
     * leadership with a heartbeat round, then answers once it applied the commit index), `lease`
     * (the leader answers locally while a lease from its last majority-acknowledged round holds).
     */
    reads: z.enum(['log', 'read-index', 'lease']).default('read-index'),
    /** Lease reads: time subtracted from the lease for message delays and clock jumps. */
    leaseMarginUs: duration.default(0),
    /** Lease reads: the clock rate error assumed possible on any node (0.01 = 1%). */
    maxClockDrift: z.number().min(0).max(0.9).default(0.01),
    /** Compact the log into a snapshot every this many applied entries (0 = never). */
    snapshotEvery: z.number().int().min(0).default(100),
    /** Most entries in one AppendEntries message. */
    maxEntriesPerAppend: z.number().int().positive().default(64),
    /** Most client requests a leader holds waiting for commit or a read round; more are refused. */
    maxPendingRequests: z.number().int().positive().default(1000),
    /** Append a no-op entry on election, so the new leader learns the commit index quickly. */
    noopOnElection: z.boolean().default(true),
  })
  .superRefine((o, ctx) => {
    if (o.electionTimeoutMaxUs <= o.electionTimeoutMinUs) {
      ctx.addIssue({ code: 'custom', path: ['electionTimeoutMaxUs'], message: 'must be greater than electionTimeoutMinUs' });
    }
    if (o.heartbeatUs >= o.electionTimeoutMinUs) {
      ctx.addIssue({ code: 'custom', path: ['heartbeatUs'], message: 'must be less than electionTimeoutMinUs, or followers time out between heartbeats' });
    }
  });

export type RaftOptions = z.output<typeof optionsSchema>;

export const parseOptions = zodOptions(optionsSchema);

export const FLAWS = [
  {
    name: 'commit-previous-term',
    description:
      'A leader commits entries of earlier terms by counting replicas (and appends no no-op on election): the Figure 8 bug, where a "committed" entry is later overwritten.',
    // The correct code's no-op on election commits earlier entries safely, and would hide the rule.
    needs: { noopOnElection: false },
    breaks: ['state-machine-safety', 'leader-completeness', 'linearizable', 'durable'],
  },
  {
    name: 'no-persist-vote',
    description: 'votedFor is not persisted: a node that restarts in the same term can vote twice, electing two leaders in one term.',
    // A vote forgotten at the restart breaks "one vote per term" there (terms-and-votes); two
    // leaders follow only if the forgetful voter is then asked again in the same term.
    breaks: ['terms-and-votes', 'election-safety'],
  },
  {
    name: 'no-election-restriction',
    description: 'Votes are granted without checking that the candidate\'s log is at least as up to date: a stale node can win and erase committed entries.',
    breaks: ['leader-completeness', 'state-machine-safety', 'linearizable', 'durable'],
  },
  {
    name: 'truncate-on-stale-append',
    description: 'A follower truncates its log after prevLogIndex on every AppendEntries, even when the entries match: a stale or duplicated message shortens a log the leader already counted.',
    breaks: ['leader-completeness', 'state-machine-safety', 'log-matching', 'linearizable', 'durable'],
  },
  {
    name: 'stale-read',
    description: 'The leader answers reads from its own state machine at once, without ReadIndex or a lease: a deposed or freshly elected leader returns old values.',
    breaks: ['linearizable'],
  },
  {
    name: 'lease-no-margin',
    description: 'Lease reads take the full election timeout as the lease, ignoring leaseMarginUs and maxClockDrift: a leader whose clock runs slow serves reads after a new leader took over.',
    // The flawed code is on the lease-read path only.
    needs: { reads: 'lease' },
    breaks: ['lease-safety', 'linearizable'],
  },
] as const satisfies readonly FlawInfo[];

export type FlawName = (typeof FLAWS)[number]['name'];

/** The flags the handlers consult, resolved once per run. */
export interface Flaws {
  readonly commitPreviousTerm: boolean;
  readonly noPersistVote: boolean;
  readonly noElectionRestriction: boolean;
  readonly truncateOnStaleAppend: boolean;
  readonly staleRead: boolean;
  readonly leaseNoMargin: boolean;
}

export function resolveFlaws(names: ReadonlySet<string>): Flaws {
  for (const name of names) {
    if (!FLAWS.some((f) => f.name === name)) throw new Error(`raft has no flaw named ${JSON.stringify(name)}; known: ${FLAWS.map((f) => f.name).join(', ')}`);
  }
  return {
    commitPreviousTerm: names.has('commit-previous-term'),
    noPersistVote: names.has('no-persist-vote'),
    noElectionRestriction: names.has('no-election-restriction'),
    truncateOnStaleAppend: names.has('truncate-on-stale-append'),
    staleRead: names.has('stale-read'),
    leaseNoMargin: names.has('lease-no-margin'),
  };
}
