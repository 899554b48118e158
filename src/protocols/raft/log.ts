/**
 * The replicated log with a compacted prefix. Indexes are 1-based; index `snapshot.lastIndex` and
 * below live only in the snapshot. Entries are immutable once appended (the chain digest is this
 * node's own, recomputed on every append).
 */
import type { NodeId } from '../../core/ids.js';
import { hashText, mixHash } from '../common/digest.js';
import type { LogEntry, RaftLog, Snapshot } from './types.js';

// ------------------------------------------------------------------ digests (32-bit FNV-style)

export { commandHash, hashText, mixHash, NOOP_HASH } from '../common/digest.js';

export function votersHash(voters: readonly NodeId[]): number {
  return hashText(`config|${voters.join(',')}`);
}

function chainOf(previous: number, entry: { index: number; term: number; hash: number }): number {
  return mixHash(mixHash(mixHash(previous, entry.index), entry.term), entry.hash);
}

// ------------------------------------------------------------------ queries

/** Frozen through and through, like every snapshot: persisted and sent by reference, never copied. */
/** `data`: the state machine's initial state (a counter starts at 0). */
export function emptySnapshot(voters: readonly NodeId[], data: Readonly<Record<string, unknown>> = {}): Snapshot {
  return Object.freeze({
    lastIndex: 0,
    lastTerm: 0,
    chain: 0,
    voters: Object.freeze([...voters]),
    data: Object.freeze({ ...data }),
    sessions: Object.freeze({}),
    appliedDigest: 0,
  });
}

export function lastIndex(log: RaftLog): number {
  return log.snapshot.lastIndex + log.entries.length;
}

export function lastTerm(log: RaftLog): number {
  const last = log.entries[log.entries.length - 1];
  return last === undefined ? log.snapshot.lastTerm : last.term;
}

/** The entry at `index`, or undefined when compacted or beyond the end. */
export function entryAt(log: RaftLog, index: number): LogEntry | undefined {
  return log.entries[index - log.snapshot.lastIndex - 1];
}

/** The term at `index`: the snapshot's for its last index, undefined if compacted away or absent. */
export function termAt(log: RaftLog, index: number): number | undefined {
  if (index === log.snapshot.lastIndex) return log.snapshot.lastTerm;
  return entryAt(log, index)?.term;
}

export function chainAt(log: RaftLog, index: number): number | undefined {
  if (index === log.snapshot.lastIndex) return log.snapshot.chain;
  return entryAt(log, index)?.chain;
}

/** First index of the run of entries with `term` that ends at `index` (for conflict hints). */
export function firstIndexOfTermAt(log: RaftLog, index: number, term: number): number {
  let i = index;
  const floor = log.snapshot.lastIndex + 1;
  while (i > floor && entryAt(log, i - 1)?.term === term) i--;
  return i;
}

/** Last index holding `term`, or undefined (for the leader's side of fast backtracking). */
export function lastIndexOfTerm(log: RaftLog, term: number): number | undefined {
  for (let k = log.entries.length - 1; k >= 0; k--) {
    const t = log.entries[k]!.term;
    if (t === term) return log.entries[k]!.index;
    if (t < term) return undefined; // terms only grow along a log
  }
  return undefined;
}

/** No entries: shared by every heartbeat (messages are never mutated). */
const NO_ENTRIES: readonly LogEntry[] = Object.freeze([]);

/** Entries [from, to] (inclusive, clamped to what is in the log), as a fresh array for a message. */
export function slice(log: RaftLog, from: number, to: number): readonly LogEntry[] {
  const base = log.snapshot.lastIndex + 1;
  const start = Math.max(0, from - base);
  const end = Math.min(log.entries.length, Math.max(0, to - base + 1));
  return start >= end ? NO_ENTRIES : log.entries.slice(start, end);
}

/** Raft's election restriction: is (index, term) at least as up to date as this log? */
export function isUpToDate(log: RaftLog, candidateLastIndex: number, candidateLastTerm: number): boolean {
  const myTerm = lastTerm(log);
  return candidateLastTerm > myTerm || (candidateLastTerm === myTerm && candidateLastIndex >= lastIndex(log));
}

// ------------------------------------------------------------------ mutations

/** An entry before this node computed its chain (a leader's new entry, or one received). */
export type NewEntry = LogEntry extends infer E ? (E extends LogEntry ? Omit<E, 'chain'> & { readonly chain?: number } : never) : never;

/** Appends one entry after the last, computing this node's chain digest. */
export function append(log: RaftLog, entry: NewEntry): LogEntry {
  const index = lastIndex(log) + 1;
  if (entry.index !== index) throw new Error(`raft log: appending index ${entry.index} after ${index - 1}`);
  const previous = chainAt(log, index - 1) ?? 0;
  // Frozen: entries never change once in a log, and the kernel shares frozen values on persist
  // instead of copying them, so persisting costs the new entries, not the whole log.
  const stored = Object.freeze(withChain(entry, chainOf(previous, entry)));
  log.entries.push(stored);
  return stored;
}

/** The entry with this node's chain. Built field by field: spreading a frozen entry is slow. */
function withChain(entry: NewEntry, chain: number): LogEntry {
  switch (entry.kind) {
    case 'noop':
      return { kind: 'noop', index: entry.index, term: entry.term, hash: entry.hash, chain };
    case 'command':
      return { kind: 'command', index: entry.index, term: entry.term, command: entry.command, hash: entry.hash, chain };
    case 'config':
      return { kind: 'config', index: entry.index, term: entry.term, voters: entry.voters, hash: entry.hash, chain };
  }
}

/** Removes entries at `from` and after. */
export function truncateFrom(log: RaftLog, from: number): void {
  const keep = Math.max(0, from - log.snapshot.lastIndex - 1);
  if (keep < log.entries.length) log.entries.length = keep;
}

/** Replaces the prefix through `snapshot.lastIndex` with the snapshot, keeping any later entries. */
export function compactTo(log: RaftLog, snapshot: Snapshot): void {
  Object.freeze(snapshot); // immutable from here on: shared, not copied, by persist
  const drop = snapshot.lastIndex - log.snapshot.lastIndex;
  log.entries = drop >= log.entries.length ? [] : log.entries.slice(Math.max(0, drop));
  log.snapshot = snapshot;
}
