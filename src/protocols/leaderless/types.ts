/** State and messages of the leaderless store. All plain data. */
import type { NodeId } from '../../core/ids.js';
import type { Ring } from '../common/ring.js';
import type { VersionVector } from '../common/version-vector.js';
import type { Minter, ReplicatedObject } from '../crdt/object.js';

/** Counter and set workloads address one object; it lives under this key. */
export const SINGLE_OBJECT_KEY = '';

/** Data a substitute holds for an unreachable replica. */
export interface Hint {
  readonly intended: NodeId;
  readonly key: string;
  obj: ReplicatedObject;
  /**
   * A fresh number of this node's (hintSeq) on every merge, so an ack for an older copy does not
   * delete newer data — even an ack for a hint this node dropped and then opened again for the
   * same replica and key (a version counted from 1 per hint matched such a late ack: found by the
   * default fuzz campaign, leaderless seed 20261129, run 3,864, a lost acknowledged add).
   */
  version: number;
}

export interface Target {
  readonly node: NodeId;
  /** Set when `node` stands in for an unreachable replica (sloppy quorum). */
  readonly hintFor?: NodeId;
  answered: boolean;
}

export interface PendingOp {
  readonly kind: 'write' | 'read';
  readonly requestId: string;
  readonly key: string;
  readonly targets: Target[];
  /** Write: the delta being replicated. */
  readonly delta?: ReplicatedObject;
  /** Write: the value to acknowledge the client with. */
  readonly ackValue?: unknown;
  /** Read: what each responder returned (null: nothing stored). */
  readonly responses: Array<{ node: NodeId; hintFor?: NodeId; obj: ReplicatedObject | null }>;
  acks: number;
  replied: boolean;
}

export interface LeaderlessDurable {
  store: Record<string, ReplicatedObject>;
  hints: Hint[];
  /** The last hint version this node gave out; only grows, across restarts too. */
  hintSeq: number;
  minter: Minter;
}

export interface LeaderlessState extends LeaderlessDurable {
  readonly self: NodeId;
  readonly members: readonly NodeId[];
  readonly ring: Ring;
  /** Versions learned from reads, per key: a later write through this node descends from them. */
  seen: Record<string, VersionVector>;
  pending: Record<string, PendingOp>;
  /** This incarnation's prefix of op ids (drawn at boot): ids stay unique across restarts. */
  opPrefix: string;
  nextOp: number;
  /** Suspected nodes, until this local time (µs). */
  suspects: Record<NodeId, number>;
  antiEntropyTurn: number;
}

export type LeaderlessMsg =
  | { readonly type: 'put'; readonly op: string; readonly key: string; readonly obj: ReplicatedObject; readonly hintFor?: NodeId }
  | { readonly type: 'put-ack'; readonly op: string }
  | { readonly type: 'get'; readonly op: string; readonly key: string }
  | { readonly type: 'get-reply'; readonly op: string; readonly obj: ReplicatedObject | null }
  | { readonly type: 'repair'; readonly key: string; readonly obj: ReplicatedObject }
  /** Anti-entropy round: one digest per bucket over the keys both nodes replicate. */
  | { readonly type: 'ae-digests'; readonly digests: readonly number[] }
  /** The buckets that differ, with the responder's objects in them. */
  | { readonly type: 'ae-diff'; readonly buckets: readonly number[]; readonly objects: Readonly<Record<string, ReplicatedObject>> }
  | { readonly type: 'ae-push'; readonly objects: Readonly<Record<string, ReplicatedObject>> }
  | { readonly type: 'handoff'; readonly items: ReadonlyArray<{ readonly key: string; readonly obj: ReplicatedObject; readonly version: number }> }
  | { readonly type: 'handoff-ack'; readonly items: ReadonlyArray<{ readonly key: string; readonly version: number }> };
