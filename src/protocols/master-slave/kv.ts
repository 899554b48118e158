/**
 * The key-value state machine over the log: entries are applied in sequence order, and a
 * truncated suffix is un-applied by rebuilding from the log (truncation is rare: only a deposed
 * primary or a replica that followed one ever rolls back).
 */
import { appendChunk, truncateChunks } from '../common/frozen-chunks.js';
import type { Ctx, LogEntry, MsDurable, MsState } from './types.js';

/** Applies entries appliedSeq+1 .. seq (bounded by the log). */
export function applyThrough(state: MsState, seq: number): void {
  const target = Math.min(seq, state.log.length);
  for (let s = state.appliedSeq + 1; s <= target; s++) {
    const entry = state.log[s - 1]!;
    state.kv.set(entry.key, entry.value);
  }
  if (target > state.appliedSeq) state.appliedSeq = target;
}

/** Builds the kv map from scratch through `seq`. */
export function rebuild(state: MsState, seq: number): void {
  state.kv = new Map();
  state.appliedSeq = 0;
  applyThrough(state, seq);
}

/** Drops entries after `length`; returns the dropped entries (the lost writes, if any were acked). */
export function truncateLog(state: MsState, length: number): LogEntry[] {
  if (length >= state.log.length) return [];
  const dropped = state.log.splice(length);
  if (state.chunkedSeq > length) {
    truncateChunks(state.logChunks, length);
    state.chunkedSeq = length;
  }
  if (state.appliedSeq > length) rebuild(state, length);
  if (state.verifiedSeq > length) state.verifiedSeq = length;
  return dropped;
}

/** The value a key would have after every entry in the log, applied or not (cas decides on it). */
export function latestValue(state: MsState, key: string): unknown {
  // Only the unapplied tail can differ from kv; it is bounded by maxPendingWrites on a primary.
  for (let s = state.log.length; s > state.appliedSeq; s--) {
    const entry = state.log[s - 1]!;
    if (entry.key === key) return entry.value;
  }
  return state.kv.has(key) ? state.kv.get(key) : null;
}

export function readValue(state: MsState, key: string): unknown {
  return state.kv.has(key) ? state.kv.get(key) : null;
}

/** The applied data as the clients see it: a plain record with sorted keys. */
export function viewOf(state: MsState): Record<string, unknown> {
  const keys = [...state.kv.keys()].sort();
  return Object.fromEntries(keys.map((k) => [k, state.kv.get(k)]));
}

export function lastEpoch(state: MsState): number {
  return state.log.length === 0 ? 0 : state.log[state.log.length - 1]!.epoch;
}

export function epochAt(state: MsState, seq: number): number {
  return seq === 0 ? 0 : (state.log[seq - 1]?.epoch ?? -1);
}

export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

/** Everything a restart must recover: the log, the epoch and its primary, the ballot. */
export function persist(state: MsState, ctx: Ctx): void {
  // Only the entries since the last persist become a new chunk: the kernel shares frozen chunks.
  if (state.chunkedSeq < state.log.length) {
    appendChunk(state.logChunks, state.log.slice(state.chunkedSeq));
    state.chunkedSeq = state.log.length;
  }
  // Frozen (the chunks are already): the kernel keeps a frozen value as it is instead of copying it.
  const durable: MsDurable = Object.freeze({ epoch: state.epoch, primary: state.primary, votedEpoch: state.votedEpoch, votedFor: state.votedFor, log: Object.freeze(state.logChunks.slice()) });
  ctx.persist(durable);
}
