/** CASPaxos's plain-data state, register values and messages. */
import type { NodeId } from '../../core/ids.js';
import type { ClientRequest, OpResult } from '../../core/ops.js';
import type { NodeContext } from '../../core/index.js';
import type { Ballot } from '../paxos/ballot.js';
import type { CasPaxosOptions, Flaws } from './options.js';

/**
 * A register's value. `version` counts the changes applied to it and `digest` digests them in
 * order, so two values with one version and digest have one history (the invariants compare them).
 * `sessions` remembers, per client, the seq of the last op that changed this key: a proposer that
 * retries an op whose accept it is unsure of does not apply it twice. Frozen.
 */
export interface Versioned {
  readonly data: unknown;
  readonly version: number;
  readonly digest: number;
  readonly sessions: Readonly<Record<string, number>>;
}

/** One key's acceptor state. Frozen: a change makes a new one. */
export interface Register {
  readonly promised: Ballot;
  readonly accepted: Ballot;
  readonly value: Versioned;
}

export interface Durable {
  readonly registers: Readonly<Record<string, Register>>;
  /** See CasState.refused (absent: nothing refused). */
  readonly refused?: Readonly<Record<string, number>>;
  /** See CasState.proposed (absent: nothing proposed). */
  readonly proposed?: Readonly<Record<string, number>>;
}

export interface PromiseInfo {
  readonly from: NodeId;
  readonly accepted: Ballot;
  readonly value: Versioned;
}

/** The client ops of one key in progress at their proposer: applied in order, as one change. */
export interface Attempt {
  readonly reqs: readonly ClientRequest[];
  ballot: Ballot;
  phase: 'prepare' | 'accept';
  promises: PromiseInfo[];
  acks: NodeId[];
  /** Acks that also promised the next ballot (one-round-trip optimization). */
  nextAcks: NodeId[];
  nextBallot: Ballot;
  proposed: Versioned | null;
  /** Each op's answer, in order, once the change is computed. */
  results: OpResult[];
  tries: number;
}

/** What a node's proposer keeps per key: ops in arrival order, one batch running at a time. */
export interface KeyProposer {
  queue: ClientRequest[];
  attempt: Attempt | null;
  /** One-round-trip optimization: a ballot a phase-2 quorum already promised, and the value it holds. */
  cache: { readonly ballot: Ballot; readonly value: Versioned } | null;
  /** Conflicts in a row (the backoff window doubles with each). */
  conflicts: number;
  /** Attempts in a row that timed out (the attempt timeout doubles with each, up to a limit). */
  timeouts: number;
  /** Waiting out a backoff until this local time. */
  backoffUntilUs: number;
}

/** What this step did, for the invariants (cleared when a step starts). */
export interface Trail {
  accepts: Array<{ readonly key: string; readonly ballot: Ballot; readonly value: Versioned }>;
  /** Values a proposer computed (a change applied to a promised value). */
  introduced: Array<{ readonly key: string; readonly value: Versioned }>;
  /** Values a proposer answered a client from, as chosen. */
  learned: Array<{ readonly key: string; readonly value: Versioned }>;
  /** Keys whose promise this step raised. */
  promised: string[];
}

export interface CasState {
  readonly self: NodeId;
  readonly selfIndex: number;
  readonly members: readonly NodeId[];
  readonly quorum: number;
  registers: Record<string, Register>;
  /**
   * Per client, the highest sequence number this node answered with a definite `fail`. A copy of
   * that request (the network duplicated it, or it was slow) arriving later is refused too, never
   * proposed: the client was told the op did not happen. On disk, so a restart remembers it.
   */
  refused: Record<string, number>;
  /**
   * Per client, the highest sequence number whose change this node sent out in an accept. Such a
   * change may be chosen whether or not this node hears the votes, so any copy of that request
   * (the network duplicated it; the first copy's answer may be lost) that gives up for want of a
   * quorum answers `info`, never `fail`: a copy's own attempts say nothing about the earlier
   * copy's accept. On disk, so a restart remembers it.
   */
  proposed: Record<string, number>;
  /** The promise per key as last written to disk (differs only under `promise-in-memory`). */
  persistedPromises: Record<string, Ballot>;
  maxRound: number;
  proposers: Record<string, KeyProposer>;
  pending: number;
  trail: Trail;
}

export type Message =
  | { readonly type: 'prepare'; readonly key: string; readonly ballot: Ballot }
  | { readonly type: 'promise'; readonly key: string; readonly ballot: Ballot; readonly accepted: Ballot; readonly value: Versioned }
  | { readonly type: 'conflict'; readonly key: string; readonly ballot: Ballot; readonly seen: Ballot }
  | { readonly type: 'accept'; readonly key: string; readonly ballot: Ballot; readonly value: Versioned; readonly next: Ballot }
  | { readonly type: 'accepted'; readonly key: string; readonly ballot: Ballot; readonly promisedNext: boolean };

export type Ctx = NodeContext<Message, Durable>;

export interface Env {
  readonly ctx: Ctx;
  readonly options: CasPaxosOptions;
  readonly flaws: Flaws;
}
