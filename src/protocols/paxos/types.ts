/** Multi-Paxos's plain-data state, values, snapshots and messages. */
import type { NodeId } from '../../core/ids.js';
import type { NodeContext } from '../../core/index.js';
import type { KvCommand, KvMachine, Session } from '../common/kv-machine.js';
import type { Ballot } from './ballot.js';
import type { Flaws, PaxosOptions, Quorums } from './options.js';

/** What a slot can hold. `hash` identifies the value for the invariants. Frozen once made. */
export type Value = { readonly kind: 'noop'; readonly hash: number } | { readonly kind: 'command'; readonly command: KvCommand; readonly hash: number };

/** An acceptor's vote for a slot. Frozen: shared by the persisted value and the state. */
export interface Accepted {
  readonly ballot: Ballot;
  readonly value: Value;
}

/** The state machine through `slot` (every slot up to it is chosen and applied). Frozen. */
export interface Snapshot {
  readonly slot: number;
  readonly data: Readonly<Record<string, unknown>>;
  readonly sessions: Readonly<Record<string, Session>>;
  /** Digest of the applied sequence through `slot` (learner safety). */
  readonly appliedDigest: number;
}

/** What survives a crash: the acceptor's promise and votes, and the snapshot. */
export interface Durable {
  readonly promised: Ballot;
  readonly snapshot: Snapshot;
  /** accepted[k] is slot snapshot.slot + 1 + k (null: nothing accepted there). */
  readonly accepted: readonly (Accepted | null)[];
}

/** A promise as the proposer keeps it: who, and what it reported. */
export interface PromiseInfo {
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly snapshot: Snapshot | null;
  readonly accepted: readonly (readonly [number, Accepted])[];
  /** `leader: none`: the promiser's own commands waiting for a round. */
  readonly waiting: readonly KvCommand[];
}

/** Phase 1 in progress. */
export interface Campaign {
  readonly ballot: Ballot;
  readonly fromSlot: number;
  promises: PromiseInfo[];
  /** A leader renewing its ballot (see proposer.ts, renewBallot): how many times in a row. */
  readonly renewals: number;
}

/** A slot this leader proposed in its ballot and has not yet seen chosen. */
export interface Proposal {
  readonly slot: number;
  readonly value: Value;
  /** Acceptors that accepted it in this ballot (this node first). */
  acks: NodeId[];
}

export interface PendingRead {
  readonly requestId: string;
  readonly key: string | undefined;
  /** Quorum reads: the probe's id; 0 once the probe has its quorum. */
  probe: number;
  /** Answer once applied through this slot (-1 while unknown). */
  readSlot: number;
  /** Quorum reads: the nodes that answered the probe. */
  answered: NodeId[];
  /** Local time after which the read gives up (answers fail: a read that was not served had no effect). */
  readonly deadlineUs: number;
}

export interface LeaderState {
  readonly ballot: Ballot;
  /** The next free slot. */
  nextSlot: number;
  /** The highest slot learned of in phase 1: reads wait until it is applied. */
  readonly completeThrough: number;
  /** Proposed and not yet chosen, in slot order. */
  proposals: Proposal[];
  /** Heartbeat rounds (lease reads): a round is one accept to every peer; acks echo it. */
  round: number;
  roundSentAt: Array<[number, number]>;
  ackedRound: Record<NodeId, number>;
  leaseUntilUs: number;
  /** Peers that answered since the last quorum check (CheckQuorum). */
  heard: NodeId[];
  /** `leader: none`: the applied slot when the round's timer was last armed (a round still choosing slots is not stuck). */
  appliedAtCheck: number;
}

/** A client write (or log read) waiting for its command to apply. */
export interface PendingWrite {
  requestId: string;
  readonly seq: number;
  readonly command: KvCommand;
  /** Proposed in some slot by this node (so a step-down answers `info`, not `fail`). */
  proposed: boolean;
}

export type Role = 'follower' | 'candidate' | 'leader';

/**
 * What this step did that the invariants must see (cleared when a step starts: the kernel checks
 * invariants after every step). The number arrays are flat pairs: [slot, hash, slot, hash, ...].
 */
export interface Trail {
  /** Accepted votes. */
  accepts: Array<{ readonly slot: number; readonly ballot: Ballot; readonly value: Value }>;
  /** Values a proposer put into a slot on its own (not from a promise): slot, hash. */
  introduced: number[];
  /** Values learned as chosen: slot, hash. */
  learned: number[];
  /** Applied prefix digests: slot, digest. */
  applied: number[];
}

export interface PaxosState {
  readonly self: NodeId;
  readonly selfIndex: number;
  readonly members: readonly NodeId[];
  readonly quorums: Quorums;
  // Acceptor (persistent, see Durable).
  promised: Ballot;
  /** The promise as last written to disk (differs from `promised` only under `promise-in-memory`). */
  persistedPromise: Ballot;
  accepted: (Accepted | null)[];
  snapshot: Snapshot;
  // Learner (volatile: relearned after a restart).
  learned: (Value | null)[];
  applied: number;
  kv: KvMachine;
  appliedDigest: number;
  // Proposer.
  role: Role;
  /** The highest round seen in any ballot: a new ballot goes above it. */
  maxRound: number;
  leaderId: NodeId | null;
  /** Local time this node last heard from the leader it follows (or promised a candidate, or booted). */
  lastLeaderContactUs: number;
  campaign: Campaign | null;
  /** Local time the current campaign started (a lease counts from it). */
  campaignStartUs: number;
  /** The promises of the last campaign (kept only for the `count-old-promises` flaw). */
  lastPromises: PromiseInfo[];
  leader: LeaderState | null;
  /** Client commands waiting (by client: a client has one op at a time). */
  writes: Record<string, PendingWrite>;
  reads: PendingRead[];
  nextProbe: number;
  /** `leader: none`: rounds preempted in a row (the backoff window doubles with each). */
  preemptions: number;
  /** `leader: none`: a preempted proposer waits until this local time before its next round. */
  backoffUntilUs: number;
  /** Local time of the last catch-up request (one per heartbeat at most). */
  catchUpAtUs: number;
  trail: Trail;
}

export type AcceptEntry = readonly [number, Value];

export type Message =
  | { readonly type: 'prepare'; readonly ballot: Ballot; readonly fromSlot: number }
  | {
      readonly type: 'promise';
      readonly ballot: Ballot;
      /** The acceptor's snapshot when it covers slots the proposer asked about. */
      readonly snapshot: Snapshot | null;
      readonly accepted: readonly (readonly [number, Accepted])[];
      /** `leader: none`: commands this node has waiting, for the proposer to take along. */
      readonly waiting: readonly KvCommand[];
    }
  | { readonly type: 'nack'; readonly ballot: Ballot; readonly promised: Ballot }
  | {
      readonly type: 'accept';
      readonly ballot: Ballot;
      readonly entries: readonly AcceptEntry[];
      /** Every slot through this one is chosen (learners holding this ballot's vote may learn it). */
      readonly chosenThrough: number;
      readonly round: number;
    }
  | { readonly type: 'accepted'; readonly ballot: Ballot; readonly slots: readonly number[]; readonly round: number; readonly maxAccepted: number }
  /** `leader: none`: a proposer tells everyone what its ballot got chosen. */
  | { readonly type: 'decide'; readonly ballot: Ballot; readonly chosenThrough: number }
  | { readonly type: 'catch-up'; readonly fromSlot: number }
  | { readonly type: 'learn'; readonly snapshot: Snapshot | null; readonly fromSlot: number; readonly values: readonly Value[] }
  | { readonly type: 'status'; readonly applied: number }
  | { readonly type: 'read-probe'; readonly probe: number }
  | { readonly type: 'read-reply'; readonly probe: number; readonly maxAccepted: number; readonly applied: number };

export type Ctx = NodeContext<Message, Durable>;

/** What every handler module needs besides the state: the context, the options, the flaws. */
export interface Env {
  readonly ctx: Ctx;
  readonly options: PaxosOptions;
  readonly flaws: Flaws;
}
