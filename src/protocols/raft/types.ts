/** Raft's plain-data state, log entries, snapshots and messages. */
import type { NodeId } from '../../core/ids.js';
import type { NodeContext } from '../../core/index.js';
import type { OpResult } from '../../core/ops.js';
import type { KvCommand, KvMachine, Session } from '../common/kv-machine.js';
import type { Flaws, RaftOptions } from './options.js';

export type { KvCommand, KvMachine, Session } from '../common/kv-machine.js';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

interface EntryBase {
  readonly index: number;
  readonly term: number;
  /** Digest of the entry's content, fixed by the leader that created it. */
  readonly hash: number;
  /**
   * This node's digest of its own log through this entry, computed locally on append (never
   * trusted from the sender): two logs with equal chains at an index agree on the whole prefix.
   */
  readonly chain: number;
}

export type LogEntry =
  | (EntryBase & { readonly kind: 'noop' })
  | (EntryBase & { readonly kind: 'command'; readonly command: KvCommand })
  | (EntryBase & { readonly kind: 'config'; readonly voters: readonly NodeId[] });

/** The state machine and log metadata through `lastIndex`. Index 0 is the empty initial snapshot. */
export interface Snapshot {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly chain: number;
  readonly voters: readonly NodeId[];
  readonly data: Readonly<Record<string, unknown>>;
  readonly sessions: Readonly<Record<string, Session>>;
  /** Digest of the applied sequence through lastIndex (state-machine safety). */
  readonly appliedDigest: number;
}

/** Entries after the snapshot: entries[k] has index snapshot.lastIndex + 1 + k. */
export interface RaftLog {
  snapshot: Snapshot;
  entries: LogEntry[];
}

export interface Durable {
  readonly currentTerm: number;
  readonly votedFor: NodeId | null;
  readonly snapshot: Snapshot;
  readonly entries: readonly LogEntry[];
}

export interface PeerProgress {
  readonly id: NodeId;
  nextIndex: number;
  matchIndex: number;
  /** Highest heartbeat round this peer acknowledged in the current term. */
  ackedRound: number;
  /** Heard from since the last CheckQuorum tick. */
  active: boolean;
  /** Round in which a snapshot was last sent (one per round at most). */
  snapshotRound: number;
}

export interface PendingWrite {
  requestId: string;
  readonly client: string;
  readonly seq: number;
  readonly index: number;
  readonly term: number;
}

export interface PendingRead {
  readonly requestId: string;
  readonly key: string | undefined;
  /** The commit index when the read arrived: answer once applied through it. */
  readonly readIndex: number;
  /** The heartbeat round that must be acknowledged by a majority first (0: none needed). */
  readonly round: number;
}

export interface MembershipChange {
  readonly name: 'add-server' | 'remove-server';
  readonly node: NodeId;
}

export interface LeaderState {
  /** Index of the first entry of this term: reads wait until it commits. */
  readonly termStartIndex: number;
  peers: PeerProgress[];
  /** Heartbeat rounds: a round is a broadcast of AppendEntries; acks echo the round number. */
  round: number;
  /** [round, local time the round started], the recent ones (lease reads). */
  roundSentAt: Array<[number, number]>;
  /** Local time until which lease reads may be served. */
  leaseUntilUs: number;
  /**
   * A transfer began in this term: no lease again until the term ends. Its TimeoutNow may arrive
   * long after the transfer was abandoned (a slow or reordered link), and its target then
   * campaigns past the voters' lease check; reads go through heartbeat rounds (ReadIndex) instead.
   */
  leaseForfeited: boolean;
  pendingWrites: PendingWrite[];
  pendingReads: PendingRead[];
  transfer: { readonly to: NodeId; readonly deadlineUs: number } | null;
  /** Admin membership commands waiting for the previous change to commit. */
  membershipQueue: MembershipChange[];
}

export interface RaftState {
  readonly self: NodeId;
  // Persistent (see Durable).
  currentTerm: number;
  votedFor: NodeId | null;
  log: RaftLog;
  // Volatile.
  role: Role;
  leaderId: NodeId | null;
  commitIndex: number;
  lastApplied: number;
  kv: KvMachine;
  appliedDigest: number;
  /** [index, applied digest] of the last few applies, for the state-machine-safety invariant. */
  appliedTrail: Array<[number, number]>;
  /** The latest configuration in the log (in effect as soon as appended); index 0 = from the snapshot. */
  config: { voters: NodeId[]; index: number };
  /** Local time this node last heard from a leader (or booted): votes wait an election timeout after it. */
  lastLeaderContactUs: number;
  /** Votes (or pre-votes) gathered in the current campaign. */
  votes: NodeId[];
  leader: LeaderState | null;
}

export type AppendMsg = {
  readonly type: 'append';
  readonly term: number;
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly LogEntry[];
  readonly leaderCommit: number;
  readonly round: number;
};

export type Message =
  | { readonly type: 'pre-vote'; readonly term: number; readonly lastLogIndex: number; readonly lastLogTerm: number }
  | { readonly type: 'pre-vote-reply'; readonly term: number; readonly granted: boolean }
  | { readonly type: 'request-vote'; readonly term: number; readonly lastLogIndex: number; readonly lastLogTerm: number; readonly transfer: boolean }
  | { readonly type: 'vote-reply'; readonly term: number; readonly granted: boolean }
  | AppendMsg
  | {
      readonly type: 'append-reply';
      readonly term: number;
      readonly success: boolean;
      /** On success: the last index known to match the leader's log. */
      readonly matchIndex: number;
      /** On rejection: where the leader should look next (fast backtracking). */
      readonly conflictIndex: number;
      readonly conflictTerm: number | null;
      readonly round: number;
    }
  | { readonly type: 'install-snapshot'; readonly term: number; readonly snapshot: Snapshot; readonly round: number }
  | { readonly type: 'snapshot-reply'; readonly term: number; readonly matchIndex: number; readonly round: number }
  | { readonly type: 'timeout-now'; readonly term: number }
  /** An admin command forwarded by a follower to the leader. */
  | { readonly type: 'admin'; readonly name: string; readonly args: Readonly<Record<string, unknown>>; readonly hops: number };

export type Ctx = NodeContext<Message, Durable>;

/** What every handler module needs besides the state: the context, the options, the flaws. */
export interface Env {
  readonly ctx: Ctx;
  readonly options: RaftOptions;
  readonly flaws: Flaws;
  /** Applies a committed command to the state machine (the kv machine unless a service built on Raft gives its own). */
  readonly apply: ApplyCommand;
}

/**
 * Applies one committed command at its log index, exactly once per (client, seq), and returns the
 * client's answer. Services built on Raft (coordination) give their own; the index is what they
 * hand out as a fencing token.
 */
export type ApplyCommand = (kv: KvMachine, command: KvCommand, index: number) => OpResult;
