/**
 * The participant's storage: committed data, remembered outcomes, blocking statistics, and what a
 * restart must find on disk. Values are frozen so that persisting shares them instead of copying.
 */
import type { BlockingStats, Ctx, Decision, Env, Key, MopF, OutcomeMemory, PartTxn, PreparedRecord, TxDurable, TxState, TxnId } from './types.js';

const CHUNK = 256;
/** Remembered outcomes: about this many chunks (answers to peers in doubt, duplicate decisions). */
const CHUNKS_KEPT = 16;
/** Entries of the invariant's outcome log kept in memory before the front is trimmed. */
const OUTCOME_LOG_MAX = 1024;

export function emptyOutcomes(): OutcomeMemory {
  return { chunks: [], tail: {} };
}

export function indexOutcomes(memory: OutcomeMemory, index: Map<TxnId, Decision>): void {
  for (const chunk of memory.chunks) for (const id of Object.keys(chunk)) index.set(id, chunk[id]!);
  for (const id of Object.keys(memory.tail)) index.set(id, memory.tail[id]!);
}

/** Tells the atomicity invariant (through the volatile outcome log) what this node decided, in which role. */
export function logDecision(state: TxState, id: TxnId, decision: Decision, role: 'participant' | 'coordinator'): void {
  state.outcomeLog.push({ txn: id, decision, role });
  if (state.outcomeLog.length > OUTCOME_LOG_MAX) {
    const drop = state.outcomeLog.length - OUTCOME_LOG_MAX / 2;
    state.outcomeLog.splice(0, drop);
    state.outcomeBase += drop;
  }
}

/**
 * A participant's decision: remembered (to answer peers and duplicate messages) and, when it had
 * voted (`voted`), logged for the atomicity invariant. Aborting a transaction it never voted for
 * is always safe: the coordinator cannot commit without this participant's yes, and if the
 * transaction runs here again from its first micro-op it is a new execution.
 */
export function rememberOutcome(state: TxState, id: TxnId, decision: Decision, voted: boolean): void {
  if (voted) logDecision(state, id, decision, 'participant');
  if (state.outcomeIndex.has(id)) return;
  state.outcomeIndex.set(id, decision);
  state.outcomes.tail[id] = decision;
  if (Object.keys(state.outcomes.tail).length >= CHUNK) {
    const chunks = [...state.outcomes.chunks, Object.freeze({ ...state.outcomes.tail })];
    while (chunks.length > CHUNKS_KEPT) {
      const old = chunks.shift()!;
      for (const gone of Object.keys(old)) state.outcomeIndex.delete(gone);
    }
    state.outcomes = { chunks, tail: {} };
  }
}

/** The value a read sees: the committed value with the transaction's own buffered writes applied. */
export function readValue(state: TxState, txn: PartTxn, text: string, env: Env): unknown {
  let value = state.data[text];
  for (const [k, f, , v] of txn.writes) if (k === text) value = applyWrite(value, f, v);
  if (env.model === 'list-append') return value === undefined ? null : [...(value as readonly unknown[])];
  return value === undefined ? null : value;
}

function applyWrite(current: unknown, f: MopF, value: unknown): unknown {
  if (f === 'append') return Object.freeze([...((current as readonly unknown[] | undefined) ?? []), value]);
  return value;
}

/** Applies a committed transaction's writes to the data (copy on write). */
export function applyWrites(state: TxState, writes: readonly (readonly [string, MopF, Key, unknown])[]): void {
  if (writes.length === 0) return;
  const next: Record<string, unknown> = { ...state.data };
  for (const [text, f, , v] of writes) next[text] = applyWrite(next[text], f, v);
  state.data = Object.freeze(next);
}

export function emptyBlocking(): BlockingStats {
  return { prepared: 0, resolved: 0, totalUs: 0, maxUs: 0, blocked: 0, buckets: [] };
}

/** Counts a participant leaving doubt after `inDoubtUs`. */
export function recordInDoubt(stats: BlockingStats, inDoubtUs: number, boundUs: number): void {
  const us = Math.max(0, inDoubtUs);
  stats.resolved++;
  stats.totalUs += us;
  if (us > stats.maxUs) stats.maxUs = us;
  if (us > boundUs) stats.blocked++;
  const bucket = us < 1 ? 0 : Math.floor(4 * Math.log2(us));
  while (stats.buckets.length <= bucket) stats.buckets.push(0);
  stats.buckets[bucket]!++;
}

/**
 * What a restart must find: committed data, the PREPARED records, the commit log, the map. Records
 * a flaw writes lazily stay off the disk until `flush`.
 */
export function persist(state: TxState, ctx: Ctx): void {
  const prepared: Record<TxnId, PreparedRecord> = {};
  for (const txn of state.txns.values()) if (txn.record !== null && !state.unflushed.prepared.has(txn.id)) prepared[txn.id] = txn.record;
  let decisions = state.decisions;
  if (state.unflushed.decisions.size > 0) {
    decisions = {};
    for (const id of Object.keys(state.decisions)) if (!state.unflushed.decisions.has(id)) decisions[id] = state.decisions[id]!;
  }
  const repl = state.repl;
  // A backup's disk holds its primary's record (failover.ts), never its own.
  if (repl !== null && (state.shard === undefined || state.map.nodes[state.shard] !== state.self)) return;
  const durable: TxDurable = {
    data: state.data,
    prepared,
    decisions,
    outcomes: state.outcomes,
    map: state.map,
    moving: state.moving,
    blocking: state.blocking,
    ...(repl === null ? {} : { repl: { term: state.map.terms?.[state.shard!] ?? 1, seq: ++repl.seq, backup: state.backup } }),
    ...(state.pendingMap === null ? {} : { pendingMap: state.pendingMap }),
  };
  ctx.persist(durable);
  if (repl === null) return;
  repl.last = durable;
  // Synchronous replication: the record leaves in the same step (the kernel applies the persist
  // first). The vote-before-backup flaw leaves it for the next tick.
  if (state.backup !== null && !repl.lazy) ctx.send(state.backup, { type: 'replicate', term: durable.repl!.term, seq: durable.repl!.seq, map: state.map, record: durable });
}

/** The flush timer of the flawed lazy writes: everything waiting reaches the disk. */
export function flush(state: TxState, ctx: Ctx): void {
  if (state.unflushed.prepared.size + state.unflushed.decisions.size === 0) return;
  state.unflushed.prepared.clear();
  state.unflushed.decisions.clear();
  persist(state, ctx);
}
