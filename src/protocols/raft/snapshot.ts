/**
 * Log compaction and InstallSnapshot. A node snapshots its applied state every `snapshotEvery`
 * entries; a leader sends its snapshot to a follower that needs entries it compacted away.
 */
import { clonePlain } from '../../core/clone.js';
import type { NodeId } from '../../core/ids.js';
import { compactTo, entryAt, termAt } from './log.js';
import { applyCommitted, heardFromLeader } from './replication.js';
import { persist, refreshConfig, votersAt } from './roles.js';
import type { Env, Message, RaftState, Snapshot } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

export function maybeSnapshot(state: RaftState, env: Env): void {
  const every = env.options.snapshotEvery;
  if (every <= 0 || state.lastApplied - state.log.snapshot.lastIndex < every) return;
  const last = entryAt(state.log, state.lastApplied);
  if (last === undefined) return;
  const snapshot: Snapshot = {
    lastIndex: last.index,
    lastTerm: last.term,
    chain: last.chain,
    voters: votersAt(state.log, last.index),
    // Copies: the snapshot is immutable and shared with messages; the state machine goes on.
    data: clonePlain(state.kv.data),
    sessions: clonePlain(state.kv.sessions),
    appliedDigest: state.appliedDigest,
  };
  compactTo(state.log, snapshot);
  persist(state, env);
}

export function onInstallSnapshot(state: RaftState, env: Env, from: NodeId, msg: Msg<'install-snapshot'>): void {
  const ctx = env.ctx;
  if (msg.term < state.currentTerm) {
    // Round 0: it acknowledges no round of the sender's (see onAppend).
    ctx.send(from, { type: 'snapshot-reply', term: state.currentTerm, matchIndex: 0, round: 0 });
    return;
  }
  heardFromLeader(state, env, from, msg.term);
  const snapshot = msg.snapshot;
  // A stale snapshot (we already committed past it) is ignored: it would only roll us back.
  if (snapshot.lastIndex > state.commitIndex && snapshot.lastIndex > state.log.snapshot.lastIndex) {
    if (termAt(state.log, snapshot.lastIndex) === snapshot.lastTerm) {
      compactTo(state.log, snapshot); // the entries after it match the leader's: keep them
    } else {
      state.log.snapshot = Object.freeze(snapshot);
      state.log.entries = [];
    }
    state.kv = { data: clonePlain(snapshot.data), sessions: clonePlain(snapshot.sessions) };
    state.commitIndex = snapshot.lastIndex;
    state.lastApplied = snapshot.lastIndex;
    state.appliedDigest = snapshot.appliedDigest;
    state.appliedTrail.push([snapshot.lastIndex, snapshot.appliedDigest]);
    refreshConfig(state);
    persist(state, env);
    ctx.note('installed-snapshot', { lastIndex: snapshot.lastIndex, lastTerm: snapshot.lastTerm });
    applyCommitted(state, env);
  }
  ctx.send(from, { type: 'snapshot-reply', term: state.currentTerm, matchIndex: snapshot.lastIndex, round: msg.round });
}
