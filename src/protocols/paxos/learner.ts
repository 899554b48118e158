/**
 * The learner: chosen values, applied in slot order to the kv machine; catch-up of a lagging node
 * (chosen values or a snapshot from a node that has them); compaction into snapshots. A node learns
 * slot s from a leader (or `leader: none` proposer) of ballot b that says s is chosen when its own
 * vote at s is from ballot b: only that proposer proposes in b, and it proposed the chosen value.
 */
import { clonePlain } from '../../core/clone.js';
import type { NodeId } from '../../core/ids.js';
import { mixHash } from '../common/digest.js';
import { applyCommand, cachedResult } from '../common/kv-machine.js';
import { answerWrite, serveReads } from './reads.js';
import { acceptedAt, compactTo, learnedAt, persist, setLearned } from './slots.js';
import type { Env, Message, PaxosState, Snapshot, Value } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

/** Learns the slots through `chosenThrough` whose vote here is from `ballot`, then applies. */
export function learnChosen(state: PaxosState, env: Env, ballot: number, chosenThrough: number): void {
  let learnedAny = false;
  for (let slot = state.applied + 1; slot <= chosenThrough; slot++) {
    if (learnedAt(state, slot) !== null) continue;
    const vote = acceptedAt(state, slot);
    if (vote !== null && vote.ballot === ballot && setLearned(state, slot, vote.value)) learnedAny = true;
  }
  if (learnedAny) applyLearned(state, env);
}

/** A value is known chosen at `slot` (a phase-2 quorum accepted it, or a peer learned it). */
export function learn(state: PaxosState, env: Env, slot: number, value: Value): void {
  if (setLearned(state, slot, value)) applyLearned(state, env);
}

/** Applies learned slots in order, answers the clients waiting on them, compacts. */
export function applyLearned(state: PaxosState, env: Env): void {
  const start = state.applied;
  for (;;) {
    const slot = state.applied + 1;
    const value = learnedAt(state, slot);
    if (value === null) break;
    state.applied = slot;
    if (value.kind === 'command') answerWrite(state, env, value.command.client, value.command.seq, applyCommand(state.kv, value.command));
    state.appliedDigest = mixHash(mixHash(state.appliedDigest, slot), value.hash);
    state.trail.applied.push(slot, state.appliedDigest);
  }
  if (state.applied === start) return;
  serveReads(state, env);
  maybeSnapshot(state, env);
}

function maybeSnapshot(state: PaxosState, env: Env): void {
  const every = env.options.snapshotEvery;
  if (every <= 0 || state.applied - state.snapshot.slot < every) return;
  const snapshot: Snapshot = Object.freeze({
    slot: state.applied,
    // Copies: the snapshot is immutable and shared with messages; the state machine goes on.
    data: Object.freeze(clonePlain(state.kv.data)),
    sessions: Object.freeze(clonePlain(state.kv.sessions)),
    appliedDigest: state.appliedDigest,
  });
  compactTo(state, snapshot);
  persist(state, env, false);
}

/** Jumps to a peer's snapshot of chosen slots this node has not applied. */
export function installSnapshot(state: PaxosState, env: Env, snapshot: Snapshot): void {
  if (snapshot.slot <= state.applied) return;
  compactTo(state, snapshot);
  state.snapshot = snapshot;
  state.applied = snapshot.slot;
  state.kv = { data: { ...snapshot.data }, sessions: { ...snapshot.sessions } };
  state.appliedDigest = snapshot.appliedDigest;
  state.trail.applied.push(snapshot.slot, snapshot.appliedDigest);
  persist(state, env, false);
  env.ctx.note('installed-snapshot', { slot: snapshot.slot });
  // Clients waiting on commands the snapshot already applied get their session's answer.
  for (const client of Object.keys(state.writes)) {
    const w = state.writes[client]!;
    const cached = cachedResult(state.kv, client, w.seq);
    if (cached !== undefined) answerWrite(state, env, client, w.seq, cached);
  }
  applyLearned(state, env);
  serveReads(state, env);
}

/**
 * Chosen values per catch-up answer. Not `maxSlotsPerAccept`, which sizes the leader's accept
 * batches: a node that restarted with nothing applied relearns every slot through catch-up, and
 * at one slot per round trip it fell further behind than a quiet period could close (fuzz seed 8
 * of `--protocol paxos --seed 1`: 255 slots at 12 ms a round trip against 3 s of quiet).
 */
const CATCH_UP_SLOTS = 64;

/** Asks `to` for the chosen values after this node's applied slot (at most one ask per half heartbeat). */
export function requestCatchUp(state: PaxosState, env: Env, to: NodeId): void {
  if (to === state.self) return;
  const now = env.ctx.now();
  if (now - state.catchUpAtUs < env.options.heartbeatUs / 2) return;
  state.catchUpAtUs = now;
  env.ctx.send(to, { type: 'catch-up', fromSlot: state.applied + 1 });
}

/** Sends the chosen values from `fromSlot` on (a run without holes), or the snapshot first. */
export function onCatchUp(state: PaxosState, env: Env, from: NodeId, msg: Msg<'catch-up'>): void {
  const snapshot = msg.fromSlot <= state.snapshot.slot ? state.snapshot : null;
  const start = Math.max(msg.fromSlot, state.snapshot.slot + 1);
  const values: Value[] = [];
  for (let slot = start; values.length < CATCH_UP_SLOTS; slot++) {
    const value = learnedAt(state, slot);
    if (value === null) break;
    values.push(value);
  }
  if (snapshot === null && values.length === 0) return;
  env.ctx.send(from, { type: 'learn', snapshot, fromSlot: start, values });
}

export function onLearn(state: PaxosState, env: Env, from: NodeId, msg: Msg<'learn'>): void {
  if (msg.snapshot !== null) installSnapshot(state, env, msg.snapshot);
  let learnedAny = false;
  msg.values.forEach((value, i) => {
    if (setLearned(state, msg.fromSlot + i, value)) learnedAny = true;
  });
  if (learnedAny) applyLearned(state, env);
  // A full message that moved this node on may mean more: ask again at once. Only then: a
  // duplicated or stale answer teaches nothing, and asking again for each would make every
  // duplicate a new request (a storm on a network that duplicates).
  const through = msg.fromSlot + msg.values.length - 1;
  if (learnedAny && msg.values.length >= CATCH_UP_SLOTS && state.applied >= through) {
    state.catchUpAtUs = Number.NEGATIVE_INFINITY;
    requestCatchUp(state, env, from);
  }
}

/** Anti-entropy (`leader: none`, where no leader streams what is chosen): compare applied slots. */
export function onStatus(state: PaxosState, env: Env, from: NodeId, msg: Msg<'status'>): void {
  if (msg.applied > state.applied) requestCatchUp(state, env, from);
  else if (msg.applied < state.applied) env.ctx.send(from, { type: 'status', applied: state.applied });
}
