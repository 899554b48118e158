/**
 * State, messages and the durable record of the master-slave protocol. All plain data.
 *
 * The log is the replication stream (MySQL's binlog, PostgreSQL's WAL): entry i has sequence
 * number i + 1 and carries the epoch of the primary that wrote it. Epochs play Raft's terms:
 * at most one primary per epoch (when promotion is done right), and a higher epoch fences a lower.
 */
import type { NodeContext } from '../../core/protocol.js';
import type { NodeId } from '../../core/ids.js';
import type { MasterSlaveOptions } from './options.js';
import type { Chunks } from '../common/frozen-chunks.js';
import type { CoordClient } from './coordinator.js';

export interface LogEntry {
  readonly epoch: number;
  readonly key: string;
  readonly value: unknown;
}

export type Role = 'primary' | 'replica' | 'candidate';

/** A write the primary appended but has not acknowledged yet (semi-sync and sync). */
export interface PendingWrite {
  readonly requestId: string;
  readonly seq: number;
  readonly sinceUs: number;
}

export interface MsState {
  role: Role;
  /** The highest epoch this node has accepted a primary for. */
  epoch: number;
  /** The primary of `epoch` as this node knows it, or null while unknown. */
  primary: NodeId | null;
  /** Election ballot: the highest epoch this node voted in, and for whom (persisted). */
  votedEpoch: number;
  votedFor: NodeId | null;
  log: LogEntry[];
  /**
   * The log as persisted: frozen chunks of entries 1..chunkedSeq (common/frozen-chunks.ts), so a
   * persist costs the new entries, not the whole log. Caught up with `log` on every persist.
   */
  logChunks: Chunks<LogEntry>;
  chunkedSeq: number;
  /** Entries 1..appliedSeq are in `kv`. Replicas apply all they hold; a primary what is confirmed. */
  appliedSeq: number;
  kv: Map<string, unknown>;

  // replica side
  /** Entries 1..verifiedSeq are known to match the current primary's log (reset on a new epoch). */
  verifiedSeq: number;
  /** Local time of the last message from the current primary. */
  lastHeardUs: number;
  /** This node's jittered silence threshold (automatic failover). */
  suspectAfterUs: number;
  /** Catch-up in flight: asked from this sequence number at this time (rate-limits pulls). */
  pullFromSeq: number;
  pullSentUs: number;
  /**
   * Read lease (local clock): this node promised, by acknowledging a primary's heartbeat, not to
   * vote or campaign before this time. Volatile: a restart waits a full lease instead (see init).
   */
  leaseGrantedUntilUs: number;

  // primary side
  /** Highest sequence number each replica confirmed in this epoch. */
  matchSeq: Record<NodeId, number>;
  pending: PendingWrite[];
  /** semi-sync fell back to async after a timeout; back on when k replicas catch up. */
  degraded: boolean;
  /** Writes this node acknowledged as primary, by epoch (for fencing tests and reports). */
  acks: number;
  /** Read lease: the latest send time (own clock) of an append each replica acknowledged, this epoch. */
  leaseAckedSentUs: Record<NodeId, number>;

  // candidate side
  /** Epoch this node is campaigning for, its votes so far, and when the round started. */
  candidateEpoch: number;
  /** The highest epoch anyone campaigned for, as far as we heard: our next campaign goes above it. */
  seenCampaignEpoch: number;
  votes: NodeId[];
  electionStartUs: number;

  /** failover: coordinator: this node's session and leader-key race (volatile). */
  coord: CoordClient;
}

export interface MsDurable {
  readonly epoch: number;
  readonly primary: NodeId | null;
  readonly votedEpoch: number;
  readonly votedFor: NodeId | null;
  /** The log, as frozen chunks in order. */
  readonly log: ReadonlyArray<readonly LogEntry[]>;
}

export type MsMsg =
  /**
   * Push (one new entry), heartbeat (no entries) and catch-up batch alike: entries follow
   * prevSeq, whose entry has prevEpoch; the primary's log ended at primaryLastSeq when sent.
   */
  | { readonly type: 'append'; readonly epoch: number; readonly prevSeq: number; readonly prevEpoch: number; readonly entries: readonly LogEntry[]; readonly primaryLastSeq: number; readonly leaseSentUs?: number }
  /**
   * A replica holds the primary's log through matchSeq. With a read lease it echoes the append's
   * leaseSentUs: it promised not to vote for a full lease after receiving it.
   */
  | { readonly type: 'ack'; readonly epoch: number; readonly matchSeq: number; readonly leaseSentUs?: number }
  /** A replica asks for entries from fromSeq (it missed some, or its log diverged before that). */
  | { readonly type: 'pull'; readonly epoch: number; readonly fromSeq: number }
  /** Fencing: the sender's epoch is older than `epoch`, whose primary is `primary`. */
  | { readonly type: 'stale'; readonly epoch: number; readonly primary: NodeId | null }
  | { readonly type: 'vote-request'; readonly epoch: number; readonly lastEpoch: number; readonly lastSeq: number }
  | { readonly type: 'vote'; readonly epoch: number; readonly granted: boolean; readonly currentEpoch: number; readonly primary: NodeId | null };

export type Ctx = NodeContext<MsMsg, MsDurable>;

/** What every module of the protocol needs besides the state and context. */
export interface Env {
  readonly options: MasterSlaveOptions;
}

export const TIMER_HEARTBEAT = 'heartbeat';
export const TIMER_TICK = 'tick';
export const TIMER_SEMI_SYNC = 'semi-sync-wait';
