/**
 * State, messages and the durable record of the sharded transactional store. All plain data.
 *
 * Every node plays two roles: coordinator of the transactions its clients send it, and participant
 * for the shard it serves. A transaction's id is the coordinator's node and the client request id,
 * unique without any counter on disk.
 */
import type { OpResult } from '../../core/ops.js';
import type { NodeContext } from '../../core/protocol.js';
import type { NodeId } from '../../core/ids.js';
import type { Ring } from '../common/ring.js';
import type { Flaws, TxOptions } from './options.js';

export type ShardId = string;
export type TxnId = string;
export type Key = number | string;
export type MopF = 'append' | 'r' | 'w';
/** A micro-op as clients send it: `['append', 3, 7]`, `['r', 3, null]`, `['w', 3, 7]`. */
export type Mop = readonly [MopF, Key, unknown];

/** Wait-die age: the coordinator's clock when the transaction began, ties broken by id. Smaller is older. */
export type Priority = readonly [number, string];

/**
 * Who owns which keys. Keys hash onto a ring of shard tokens (the shared consistent-hashing ring);
 * a key belongs to the shard of the first token at or after its hash. A move hands one token's
 * range to another shard and bumps that token's version; maps merge token by token (the higher
 * version wins), so moves of different ranges compose, and the epoch (the sum of the versions)
 * only grows. Frozen: shared by reference between nodes and messages.
 */
export interface ShardMap {
  readonly epoch: number;
  readonly ring: Ring;
  /** Each token's version, in ring order (a move of a token's range bumps it). */
  readonly versions: readonly number[];
  /** The node serving each shard (with primary-backup shards: its primary). */
  readonly nodes: Readonly<Record<ShardId, NodeId>>;
  /** Primary-backup shards only: each shard's nodes (primary and backup), fixed. */
  readonly pairs?: Readonly<Record<ShardId, readonly NodeId[]>>;
  /** Primary-backup shards only: each shard's primary term (a failover bumps it; the higher term's primary wins a merge). */
  readonly terms?: Readonly<Record<ShardId, number>>;
}

export type Decision = 'commit' | 'abort';

/** The durable record of a transaction a participant voted yes for. Frozen. */
export interface PreparedRecord {
  readonly id: TxnId;
  readonly coord: NodeId;
  readonly priority: Priority;
  /** 3PC: precommitted (the coordinator said every participant voted yes). */
  readonly status: 'prepared' | 'precommitted';
  /** Buffered writes, in order: [key text, f, key, value]. */
  readonly writes: readonly (readonly [string, MopF, Key, unknown])[];
  readonly readKeys: readonly string[];
  readonly writeKeys: readonly string[];
  /** Every participant shard (for cooperative termination and 3PC). */
  readonly participants: readonly ShardId[];
  /** Local clock when it prepared. */
  readonly preparedAtUs: number;
  /** Primary-backup shards: the coordinator's term as primary of its shard (who may answer for it). */
  readonly coordTerm?: number;
}

/** An exec that waits for a lock: the rest of its micro-ops. */
export interface PendingExec {
  readonly seq: number;
  readonly mops: readonly Mop[];
  readonly results: unknown[];
  next: number;
}

/** A termination round a participant runs (2PC cooperative asks; 3PC elects itself). */
export interface TerminationRound {
  readonly startedUs: number;
  /** collect: waiting for states; precommit (3PC): moving the uncertain to precommitted before committing. */
  phase: 'collect' | 'precommit';
  readonly states: Record<ShardId, ParticipantAnswer>;
  readonly acks: ShardId[];
}

export type ParticipantAnswer = 'committed' | 'aborted' | 'prepared' | 'precommitted' | 'unknown';

/** A participant's view of a transaction it has not finished. */
export interface PartTxn {
  readonly id: TxnId;
  readonly coord: NodeId;
  /** Primary-backup shards: the coordinator's term as primary of its shard. */
  coordTerm?: number;
  readonly priority: Priority;
  status: 'active' | 'prepared' | 'precommitted';
  writes: (readonly [string, MopF, Key, unknown])[];
  readKeys: string[];
  writeKeys: string[];
  /** Local clock of the last message about it (idle and in-doubt timeouts run from here). */
  lastUs: number;
  /** When it last asked for the decision. */
  askedUs: number;
  /**
   * Since when (local clock) it has been in doubt while this node was up: from the vote, or from
   * the restart that brought it back (a crashed participant holds no locks while down).
   */
  doubtSinceUs: number;
  /** The last exec round taken, and its results once done (a retransmitted round gets them again). */
  lastSeq: number;
  lastResults: readonly unknown[] | null;
  /** Exec rounds completed here (a crash loses them, and the coordinator's count tells). */
  rounds: number;
  record: PreparedRecord | null;
  pending: PendingExec | null;
  round: TerminationRound | null;
}

/** A transaction this node coordinates. */
export interface CoordTxn {
  readonly id: TxnId;
  /** The client request to answer; null once answered (or for a commit recovered from the log). */
  requestId: string | null;
  readonly priority: Priority;
  /** Read-only transactions run grouped by shard: the client's index of each executed micro-op. */
  readonly order: readonly number[] | null;
  readonly mops: readonly Mop[];
  readonly results: unknown[];
  /** Next micro-op to execute, and the exec round in flight (shard, seq). */
  next: number;
  seq: number;
  awaiting: ShardId | null;
  /** How many micro-ops the exec in flight carries. */
  batch: number;
  /** Exec rounds each participant completed, by shard. */
  readonly rounds: Record<ShardId, number>;
  /**
   * The node whose executions (results, locks, buffered writes) this transaction uses, by shard:
   * later rounds and the prepare go there. With primary-backup shards a retry reaches both nodes,
   * and a primary deposed unaware may run a round too; only this node's execution may be prepared.
   */
  readonly executors: Record<ShardId, NodeId>;
  /** Times it followed a newer shard map to another shard. */
  reroutes: number;
  phase: 'executing' | 'voting' | 'precommitting' | 'committing';
  readonly participants: ShardId[];
  yes: ShardId[];
  acks: ShardId[];
  readonly deadlineUs: number;
  sentUs: number;
}

/** Recently decided transactions: frozen full chunks and a small mutable tail, so persisting is cheap. */
export interface OutcomeMemory {
  readonly chunks: readonly Readonly<Record<TxnId, Decision>>[];
  readonly tail: Record<TxnId, Decision>;
}

/** In-doubt times of resolved participants (local clocks), for the non-blocking check. */
export interface BlockingStats {
  prepared: number;
  resolved: number;
  totalUs: number;
  maxUs: number;
  /** How many stayed in doubt longer than blockingBound. */
  blocked: number;
  /** Quarter-octave buckets of in-doubt µs: bucket b counts times in [2^(b/4), 2^((b+1)/4)). */
  buckets: number[];
}

/** A key range leaving this shard (source side of a live move). */
export interface Migration {
  /** The token (its index in ring order) whose range moves, and where. */
  readonly token: number;
  readonly to: ShardId;
  /** The map once the move is done (epoch + 1). */
  readonly map: ShardMap;
  readonly sinceUs: number;
  sentUs: number;
}

/**
 * A primary-backup shard's replication, as this node plays it (replication: primary-backup). The
 * primary ships its durable record (everything a restart would find) to the backup after every
 * persist, numbered by (term, seq), and holds back every effect that reveals what it persisted
 * (a yes vote, a commit, an acknowledgement) until the backup confirms that record. The backup
 * keeps the latest record it confirmed and, when the primary stays silent, takes over from it in
 * the next term.
 */
export interface ReplState {
  /** The other node of the shard (undefined: the shard has one node). */
  readonly peer: NodeId | undefined;
  /** The vote-before-backup flaw: records reach the backup at the next tick, and nothing waits for them. */
  readonly lazy: boolean;
  /** Records shipped in this term (the record's own `repl.seq`). */
  seq: number;
  /** Primary: the highest seq of this term the backup confirmed. */
  ackedSeq: number;
  /** Primary: effects waiting for the backup's confirmation of `seq`. */
  held: Held[];
  /** Primary: the latest record, resent until the backup confirms it. */
  last: TxDurable | null;
  /** Backup: the primary's latest record it holds (and has on disk), or null once deposed and not yet re-synced. */
  replica: TxDurable | null;
  /** Backup: local clock when the primary was last heard from. */
  lastHeardUs: number;
  /** Deposed or restarted backup: when it last asked the primary to take it back. */
  joinSentUs: number;
}

/** An effect a primary holds until its backup has the record it depends on. Plain data. */
export type Held =
  | { readonly seq: number; readonly kind: 'send'; readonly to: NodeId; readonly msg: TxMsg }
  | { readonly seq: number; readonly kind: 'reply'; readonly requestId: string; readonly result: OpResult }
  | { readonly seq: number; readonly kind: 'decided'; readonly txn: TxnId }
  | { readonly seq: number; readonly kind: 'map'; readonly map: ShardMap };

/** Replication metadata in a primary-backup shard's durable record. */
export interface ReplMeta {
  readonly term: number;
  readonly seq: number;
  /** The backup the primary waits for in this term, or null: the primary runs alone (it took over, and its peer has not re-joined). */
  readonly backup: NodeId | null;
}

export interface TxState {
  readonly self: NodeId;
  /** The shard this node serves (undefined: none, e.g. a spare). */
  readonly shard: ShardId | undefined;
  map: ShardMap;
  // participant
  /** Committed values by key text. Frozen; replaced on every change (copy on write). */
  data: Readonly<Record<string, unknown>>;
  readonly txns: Map<TxnId, PartTxn>;
  readonly locks: Map<string, Lock>;
  outcomes: OutcomeMemory;
  /** Volatile index over `outcomes`. */
  readonly outcomeIndex: Map<TxnId, Decision>;
  blocking: BlockingStats;
  moving: Migration | null;
  // coordinator
  readonly coord: Map<TxnId, CoordTxn>;
  /** Commit decisions not yet acknowledged by every participant (the coordinator's log). */
  decisions: Record<TxnId, readonly ShardId[]>;
  /**
   * Flawed lazy writes (commit-before-log, vote-before-log): PREPARED records and commit decisions
   * that reach the disk only when the flush timer fires. A correct store leaves these empty.
   */
  readonly unflushed: { readonly prepared: Set<TxnId>; readonly decisions: Set<TxnId> };
  /**
   * What this node decided (as a participant, or as a coordinator deciding commit), for the atomicity invariant: appended, trimmed from
   * the front (outcomeBase counts what was trimmed). Volatile.
   */
  readonly outcomeLog: Array<{ readonly txn: TxnId; readonly decision: Decision; readonly role: 'participant' | 'coordinator' }>;
  outcomeBase: number;
  /** Primary-backup replication (null: replication none). */
  readonly repl: ReplState | null;
  /** Primary-backup: the backup the primary waits for in its term (null: alone). Persisted in the record. */
  backup: NodeId | null;
  /**
   * Primary-backup: a map giving this node a range it installed, in its record but not adopted
   * until the backup confirms the record (the map is the source's proof the range is installed).
   */
  pendingMap: ShardMap | null;
}

export interface Lock {
  readers: TxnId[];
  writer: TxnId | null;
  /** Transactions waiting for this key, in arrival order. */
  waiters: TxnId[];
}

export interface TxDurable {
  readonly data: Readonly<Record<string, unknown>>;
  readonly prepared: Readonly<Record<TxnId, PreparedRecord>>;
  readonly decisions: Readonly<Record<TxnId, readonly ShardId[]>>;
  readonly outcomes: OutcomeMemory;
  readonly map: ShardMap;
  readonly moving: Migration | null;
  readonly blocking: BlockingStats;
  /** Primary-backup shards only. */
  readonly repl?: ReplMeta;
  /** Primary-backup shards only: a map giving this shard a range it installed, not yet adopted (TxState.pendingMap). */
  readonly pendingMap?: ShardMap;
}

export type TxMsg =
  /** `prior`: how many earlier exec rounds this shard ran for the transaction (a participant that lost them refuses). */
  /** `coordTerm` (primary-backup shards): the coordinator's term as primary of its shard. */
  | { readonly type: 'exec'; readonly txn: TxnId; readonly coord: NodeId; readonly priority: Priority; readonly seq: number; readonly prior: number; readonly mops: readonly Mop[]; readonly map: ShardMap; readonly coordTerm?: number }
  | { readonly type: 'exec-ok'; readonly txn: TxnId; readonly seq: number; readonly results: readonly unknown[] }
  | { readonly type: 'exec-fail'; readonly txn: TxnId; readonly seq: number; readonly reason: string; readonly map?: ShardMap }
  /** The coordinator no longer runs this transaction (it gave up, or restarted): abort it if it has not voted. */
  | { readonly type: 'abandon'; readonly txn: TxnId }
  /**
   * `executor` and `rounds`: the node whose execution of this shard's micro-ops the coordinator
   * used, and how many exec rounds it ran there. A participant votes yes only for exactly that
   * execution (another node's, or one missing rounds, would commit writes and reads the client never saw).
   */
  | { readonly type: 'prepare'; readonly txn: TxnId; readonly participants: readonly ShardId[]; readonly executor: NodeId; readonly rounds: number }
  | { readonly type: 'vote'; readonly txn: TxnId; readonly yes: boolean; readonly reason?: string }
  | { readonly type: 'precommit'; readonly txn: TxnId }
  | { readonly type: 'precommit-ack'; readonly txn: TxnId }
  | { readonly type: 'decide'; readonly txn: TxnId; readonly decision: Decision }
  | { readonly type: 'decide-ack'; readonly txn: TxnId }
  /** What do you know about this transaction? To its coordinator (`toCoordinator`) or a fellow participant. */
  | { readonly type: 'state-req'; readonly txn: TxnId; readonly toCoordinator: boolean; readonly coordTerm?: number }
  | { readonly type: 'state'; readonly txn: TxnId; readonly state: ParticipantAnswer; readonly fromCoordinator: boolean }
  | { readonly type: 'map'; readonly map: ShardMap }
  | { readonly type: 'migrate'; readonly token: number; readonly map: ShardMap; readonly data: Readonly<Record<string, unknown>> }
  | { readonly type: 'migrate-ack'; readonly token: number; readonly version: number }
  | { readonly type: 'move'; readonly key: Key; readonly to: ShardId }
  /** Primary → backup: its durable record (null: a heartbeat, the record numbered `seq` unchanged). */
  | { readonly type: 'replicate'; readonly term: number; readonly seq: number; readonly map: ShardMap; readonly record: TxDurable | null }
  /** Backup → primary: it holds the record (term, seq) on disk. */
  | { readonly type: 'replicate-ack'; readonly term: number; readonly seq: number }
  /** A deposed or restarted node asks its shard's primary to take it back as backup. */
  | { readonly type: 'join'; readonly term: number };

export type Ctx = NodeContext<TxMsg, TxDurable>;

export interface Env {
  readonly options: TxOptions;
  readonly flaws: Flaws;
  /** The workload model: list-append keeps lists, rw-register single values. */
  readonly model: 'list-append' | 'rw-register';
}

export const TIMER_TICK = 'tick';
export const TIMER_FLUSH = 'flush';

/** The key as map keys and the ring see it. */
export function keyText(key: Key): string {
  return typeof key === 'number' ? String(key) : `"${key}"`;
}
