/**
 * Multi-Paxos's scenario options and its named flaws. Durations are microseconds, or duration
 * strings (`150ms`) for readability in scenario files.
 */
import { z } from 'zod';
import type { FlawInfo, OptionsIssue } from '../../core/protocol.js';
import { durationUs, zodOptions } from '../common/options.js';

const quorumSize = z.number().int().min(1).max(64);

export const optionsSchema = z
  .strictObject({
    /**
     * `stable`: a leader runs phase 1 once for its ballot and then only phase 2 per command.
     * `none`: basic Paxos per command: every command's proposer runs both phases.
     */
    leader: z.enum(['stable', 'none']).default('stable'),
    /**
     * Flexible Paxos quorum sizes (default: majorities). Every phase-1 quorum must meet every
     * phase-2 quorum (phase1 + phase2 > nodes); a scenario that wants to watch the other case fail
     * names the flaw `unsafe-quorums`.
     */
    quorums: z.strictObject({ phase1: quorumSize.optional(), phase2: quorumSize.optional() }).default({}),
    /**
     * How reads are served: `log` (a read is a command in the log), `lease` (a leader answers from
     * its state while acceptors it heard from refuse other proposers), `quorum` (any node asks a
     * read quorum for their highest accepted slot and answers once it has applied through it).
     */
    reads: z.enum(['log', 'lease', 'quorum']).default('log'),
    /**
     * A stable leader that heard from no phase-2 quorum for an election timeout steps down, and an
     * acceptor that heard from a leader within an election timeout refuses other proposers'
     * prepares (leader stickiness: a node that missed a few heartbeats cannot depose a live leader).
     */
    checkQuorum: z.boolean().default(true),
    /** Randomized election timeouts and retry backoff; off, preempted proposers retry at once. */
    backoff: z.boolean().default(true),
    /** Followers wait a random time in [min, max) without hearing from a leader before campaigning. */
    electionTimeoutMinUs: durationUs.default(150_000),
    electionTimeoutMaxUs: durationUs.default(300_000),
    /** How often a leader sends accepts (empty ones when idle), carrying what is chosen. */
    heartbeatUs: durationUs.default(50_000),
    /** `leader: none`: a preempted proposer waits a random time below this (doubled per preemption in a row) before trying again. */
    backoffMaxUs: durationUs.default(40_000),
    /** Lease reads: time subtracted from the lease for message delays and clock jumps. */
    leaseMarginUs: durationUs.default(0),
    /** Lease reads: the clock rate error assumed possible on any node (0.01 = 1%). */
    maxClockDrift: z.number().min(0).max(0.9).default(0.01),
    /** Compact applied slots into a snapshot every this many slots (0 = never). */
    snapshotEvery: z.number().int().min(0).default(100),
    /** Most slots in one accept message. */
    maxSlotsPerAccept: z.number().int().positive().default(64),
    /** Most client requests a node holds waiting; more are refused. */
    maxPendingRequests: z.number().int().positive().default(1000),
  })
  .superRefine((o, ctx) => {
    if (o.electionTimeoutMaxUs <= o.electionTimeoutMinUs) {
      ctx.addIssue({ code: 'custom', path: ['electionTimeoutMaxUs'], message: 'must be greater than electionTimeoutMinUs' });
    }
    if (o.heartbeatUs >= o.electionTimeoutMinUs) {
      ctx.addIssue({ code: 'custom', path: ['heartbeatUs'], message: 'must be less than electionTimeoutMinUs, or followers time out between heartbeats' });
    }
    if (o.reads === 'lease' && o.leader === 'none') {
      ctx.addIssue({ code: 'custom', path: ['reads'], message: 'lease reads need a stable leader (leader: stable)' });
    }
  });

export type PaxosOptions = z.output<typeof optionsSchema>;

export const parseOptions = zodOptions(optionsSchema);

export const FLAWS = [
  {
    name: 'promise-in-memory',
    description:
      "An acceptor persists its promise only when it accepts something: a promise made in phase 1 lives in memory, so an acceptor that restarts forgets it and can accept a lower ballot it promised to ignore.",
    breaks: ['promise-monotonicity', 'agreement', 'learner-safety', 'validity', 'linearizable', 'durable'],
  },
  {
    name: 'propose-own-value',
    description:
      'After phase 1 the proposer ignores the values the promises report and proposes its own (its waiting command, or a no-op) in the open slots: a value another proposer already got chosen is overwritten.',
    breaks: ['agreement', 'learner-safety', 'validity', 'linearizable', 'durable'],
  },
  {
    name: 'count-old-promises',
    description:
      "A proposer that retries with a higher ballot keeps the promises it gathered for the older one (and counts late replies to it): acceptors that never promised the new ballot make up its quorum, and what they accepted since is missed.",
    breaks: ['agreement', 'learner-safety', 'validity', 'linearizable', 'durable'],
  },
  {
    name: 'read-without-completion',
    description:
      'A read answers from the values learned so far without waiting for the in-flight accepted proposals it found (quorum reads: the acceptors\' highest accepted slot; lease reads: the slots a new leader must complete): a write already acknowledged is missing from the answer.',
    // The flawed code is on the quorum-read path (its lease-read form is reachable too, but rarely).
    needs: { reads: 'quorum' },
    breaks: ['linearizable'],
  },
  {
    name: 'unsafe-quorums',
    description:
      'Flexible Paxos with phase1 + phase2 <= nodes (by default a phase-1 quorum one short of what meets every majority): a new leader\'s phase 1 can miss a value chosen by a phase-2 quorum and overwrite it.',
    breaks: ['agreement', 'learner-safety', 'validity', 'linearizable', 'durable'],
  },
] as const satisfies readonly FlawInfo[];

export type FlawName = (typeof FLAWS)[number]['name'];

/** The flags the handlers consult, resolved once per run. */
export interface Flaws {
  readonly promiseInMemory: boolean;
  readonly proposeOwnValue: boolean;
  readonly countOldPromises: boolean;
  readonly readWithoutCompletion: boolean;
  readonly unsafeQuorums: boolean;
}

export function resolveFlaws(names: ReadonlySet<string>): Flaws {
  for (const name of names) {
    if (!FLAWS.some((f) => f.name === name)) throw new Error(`paxos has no flaw named ${JSON.stringify(name)}; known: ${FLAWS.map((f) => f.name).join(', ')}`);
  }
  return {
    promiseInMemory: names.has('promise-in-memory'),
    proposeOwnValue: names.has('propose-own-value'),
    countOldPromises: names.has('count-old-promises'),
    readWithoutCompletion: names.has('read-without-completion'),
    unsafeQuorums: names.has('unsafe-quorums'),
  };
}

/** Phase-1 and phase-2 quorum sizes for a cluster of `nodes`. */
export interface Quorums {
  readonly nodes: number;
  readonly phase1: number;
  readonly phase2: number;
}

/**
 * The quorum sizes in effect. Defaults are majorities; with `unsafe-quorums` and no explicit
 * phase-1 size, phase 1 takes the largest size that still misses some phase-2 quorum.
 */
export function quorumsFor(options: Pick<PaxosOptions, 'quorums'>, nodes: number, unsafe: boolean): Quorums {
  const { phase1, phase2 } = options.quorums;
  // Safe: phase1 + phase2 = nodes + 1, the smallest sizes that always meet; unsafe: one less.
  const gap = unsafe ? 0 : 1;
  const clamp = (n: number): number => Math.max(1, Math.min(nodes, n));
  if (phase1 !== undefined && phase2 !== undefined) return { nodes, phase1, phase2 };
  if (phase1 !== undefined) return { nodes, phase1, phase2: clamp(nodes - phase1 + gap) };
  const q2 = phase2 ?? Math.floor(nodes / 2) + 1;
  return { nodes, phase1: clamp(nodes - q2 + gap), phase2: q2 };
}

/** Problems with the quorum sizes for this cluster (validated once the node count is known). */
export function quorumIssues(options: Pick<PaxosOptions, 'quorums'>, nodes: number, unsafe: boolean): OptionsIssue[] {
  const q = quorumsFor(options, nodes, unsafe);
  const issues: OptionsIssue[] = [];
  if (q.phase1 > nodes) issues.push({ path: ['quorums', 'phase1'], message: `${q.phase1} is more than the ${nodes} nodes` });
  if (q.phase2 > nodes) issues.push({ path: ['quorums', 'phase2'], message: `${q.phase2} is more than the ${nodes} nodes` });
  if (issues.length > 0) return issues;
  const intersect = q.phase1 + q.phase2 > nodes;
  if (!intersect && !unsafe) {
    issues.push({
      path: ['quorums'],
      message: `phase1 ${q.phase1} + phase2 ${q.phase2} <= ${nodes} nodes: some phase-1 quorum misses some phase-2 quorum and a chosen value can be lost; name the flaw unsafe-quorums to run it anyway`,
    });
  }
  if (intersect && unsafe) {
    issues.push({ path: ['quorums'], message: `the flaw unsafe-quorums needs phase1 + phase2 <= ${nodes} nodes, but ${q.phase1} + ${q.phase2} intersect` });
  }
  return issues;
}
