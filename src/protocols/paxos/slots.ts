/**
 * The per-slot arrays every node keeps above its snapshot: the acceptor's votes and the learner's
 * chosen values, and persistence of the acceptor's state. Slots are 1-based; slot `snapshot.slot`
 * and below live only in the snapshot.
 */
import { NOOP_HASH, commandHash } from '../common/digest.js';
import type { KvCommand } from '../common/kv-machine.js';
import type { Ballot } from './ballot.js';
import type { Accepted, Durable, Env, PaxosState, Snapshot, Value } from './types.js';

export const NOOP: Value = Object.freeze({ kind: 'noop', hash: NOOP_HASH });

export function commandValue(command: KvCommand): Value {
  return Object.freeze({ kind: 'command', command: Object.freeze(command), hash: commandHash(command) });
}

export function emptySnapshot(): Snapshot {
  return Object.freeze({ slot: 0, data: Object.freeze({}), sessions: Object.freeze({}), appliedDigest: 0 });
}

export function acceptedAt(state: PaxosState, slot: number): Accepted | null {
  return state.accepted[slot - state.snapshot.slot - 1] ?? null;
}

/** Records a vote (slots at or below the snapshot are chosen and compacted: nothing to keep). */
export function setAccepted(state: PaxosState, slot: number, ballot: Ballot, value: Value): void {
  const k = slot - state.snapshot.slot - 1;
  if (k < 0) return;
  while (state.accepted.length < k) state.accepted.push(null);
  state.accepted[k] = Object.freeze({ ballot, value });
  state.trail.accepts.push({ slot, ballot, value });
}

/** The highest slot this acceptor voted in (its snapshot's slot when none above it). */
export function maxAcceptedSlot(state: PaxosState): number {
  const accepted = state.accepted;
  for (let k = accepted.length - 1; k >= 0; k--) if (accepted[k] !== null && accepted[k] !== undefined) return state.snapshot.slot + k + 1;
  return state.snapshot.slot;
}

/** The votes at `fromSlot` and above, as [slot, vote] pairs. */
export function acceptedFrom(state: PaxosState, fromSlot: number): Array<readonly [number, Accepted]> {
  const out: Array<readonly [number, Accepted]> = [];
  const base = state.snapshot.slot + 1;
  for (let k = Math.max(0, fromSlot - base); k < state.accepted.length; k++) {
    const a = state.accepted[k];
    if (a !== null && a !== undefined) out.push([base + k, a]);
  }
  return out;
}

export function learnedAt(state: PaxosState, slot: number): Value | null {
  if (slot <= state.snapshot.slot) return null;
  return state.learned[slot - state.snapshot.slot - 1] ?? null;
}

/** Records a chosen value (once per slot). Returns whether it was new. */
export function setLearned(state: PaxosState, slot: number, value: Value): boolean {
  const k = slot - state.snapshot.slot - 1;
  if (k < 0 || slot <= state.applied || (state.learned[k] ?? null) !== null) return false;
  while (state.learned.length < k) state.learned.push(null);
  state.learned[k] = value;
  state.trail.learned.push(slot, value.hash);
  return true;
}

/** The highest slot known chosen (applied, or learned above a hole). */
export function maxLearnedSlot(state: PaxosState): number {
  for (let k = state.learned.length - 1; k >= 0; k--) if (state.learned[k] !== null && state.learned[k] !== undefined) return state.snapshot.slot + k + 1;
  return state.applied;
}

/** Drops votes and learned values at or below `slot` (covered by the snapshot now in place). */
export function compactTo(state: PaxosState, snapshot: Snapshot): void {
  const drop = snapshot.slot - state.snapshot.slot;
  if (drop <= 0) return;
  state.accepted = state.accepted.slice(drop);
  state.learned = state.learned.slice(drop);
  state.snapshot = snapshot;
}

/**
 * Writes the promise, the votes and the snapshot. The kernel copies the value when the step ends,
 * before any of the step's messages leave: a promise or a vote is on disk before its reply is sent.
 * `accepting` says whether this step voted (the `promise-in-memory` flaw writes the promise only then).
 */
export function persist(state: PaxosState, env: Env, accepting: boolean): void {
  if (!env.flaws.promiseInMemory || accepting) state.persistedPromise = state.promised;
  const durable: Durable = {
    promised: env.flaws.promiseInMemory ? state.persistedPromise : state.promised,
    snapshot: state.snapshot,
    // Frozen votes in a frozen copy of the array: the kernel keeps it by reference.
    accepted: Object.freeze(state.accepted.slice()),
  };
  env.ctx.persist(Object.freeze(durable));
}
