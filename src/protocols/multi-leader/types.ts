/** State and messages of the multi-leader store. All plain data. */
import type { NodeId } from '../../core/ids.js';
import type { Minter, ReplicatedObject } from '../crdt/object.js';

/** Counter and set workloads address one object; it lives under this key. */
export const SINGLE_OBJECT_KEY = '';

/** One local update, as replicated: a delta of the key's object. */
export interface LogEntry {
  readonly seq: number;
  readonly key: string;
  readonly delta: ReplicatedObject;
}

export interface MultiLeaderDurable {
  store: Record<string, ReplicatedObject>;
  minter: Minter;
  /** Own updates some peer has not acknowledged yet, by seq. */
  log: LogEntry[];
  nextSeq: number;
  /** Highest own seq each peer acknowledged (it applied everything up to it). */
  acked: Record<NodeId, number>;
  /** Highest seq applied from each origin, contiguously. */
  applied: Record<NodeId, number>;
}

export interface MultiLeaderState extends MultiLeaderDurable {
  readonly self: NodeId;
  readonly peers: readonly NodeId[];
}

export type MultiLeaderMsg =
  | { readonly type: 'replicate'; readonly entries: readonly LogEntry[] }
  | { readonly type: 'replicate-ack'; readonly upTo: number };
