import type { NodeId } from './ids.js';

/** An operation as a client issues it. */
export interface Op {
  /** read, write, cas, add, append, get, put, broadcast, ... */
  readonly f: string;
  readonly key?: string;
  /** write: the value; cas: [expected, new]; add: the amount or element; read: null. */
  readonly value: unknown;
}

export interface ClientRequest {
  /** Unique per attempt; pass it back to ctx.reply. */
  readonly id: string;
  /** The client process address (c1, c2, ...). Stable across a client's retries. */
  readonly client: string;
  /** Per-client sequence number of the logical op (same on retries): for session tables. */
  readonly seq: number;
  readonly op: Op;
  /**
   * The highest epoch (fencing token) the client has seen in a reply, once it has seen one: a
   * server whose own epoch is lower knows it was deposed or is behind (Kafka's leader epoch in
   * requests). Only protocols that put epochs in their replies give clients one to send.
   */
  readonly epoch?: number;
}

/**
 * A node's answer to a request. What each promises:
 * - ok: the op took effect; `value` is its result (a read's value).
 * - fail: the op definitely did not take effect (and never will).
 * - info: the node cannot tell whether it took effect (e.g. a leader deposed after appending it).
 * - redirect: not taken, try `to` (or another node when absent); the client retries within its
 *   op timeout, so the history records one op.
 * `epoch`, when a protocol sets it, is the answering server's epoch (its fencing token): a client
 * that has seen a higher one does not believe the answer (a deposed primary that still answers).
 */
export type OpResult =
  | { readonly type: 'ok'; readonly value?: unknown; readonly epoch?: number }
  | { readonly type: 'fail'; readonly error: string; readonly epoch?: number }
  | { readonly type: 'info'; readonly error: string; readonly epoch?: number }
  | { readonly type: 'redirect'; readonly to?: NodeId; readonly error?: string; readonly epoch?: number };
