/**
 * The acceptor, one register per key: a promise or a vote is written to disk before its reply
 * leaves. It refuses a prepare unless the ballot is above both its promise and its vote, and an
 * accept below its promise (CASPaxos: "already saw a greater ballot"). With the one-round-trip
 * optimization an accept carries the proposer's next ballot, which the acceptor promises with it.
 */
import { roundOf } from '../paxos/ballot.js';
import type { Ballot } from '../paxos/ballot.js';
import type { CasState, Durable, Env, Message, Register, Versioned } from './types.js';

export const INITIAL: Versioned = Object.freeze({ data: null, version: 0, digest: 0, sessions: Object.freeze({}) });
const EMPTY_REGISTER: Register = Object.freeze({ promised: 0, accepted: 0, value: INITIAL });

export function registerOf(state: CasState, key: string): Register {
  return state.registers[key] ?? EMPTY_REGISTER;
}

export function seeBallot(state: CasState, ballot: Ballot): void {
  const round = roundOf(ballot);
  if (round > state.maxRound) state.maxRound = round;
}

/** Phase 1 at this acceptor: the reply to send (a promise with the current vote, or a conflict). */
export function prepare(state: CasState, env: Env, key: string, ballot: Ballot): Message {
  seeBallot(state, ballot);
  const reg = registerOf(state, key);
  if (ballot <= reg.promised || ballot <= reg.accepted) return { type: 'conflict', key, ballot, seen: Math.max(reg.promised, reg.accepted) };
  state.registers[key] = Object.freeze({ promised: ballot, accepted: reg.accepted, value: reg.value });
  state.trail.promised.push(key);
  persist(state, env, key, false);
  return { type: 'promise', key, ballot, accepted: reg.accepted, value: reg.value };
}

/** Phase 2 at this acceptor: the reply to send (accepted, or a conflict). */
export function accept(state: CasState, env: Env, key: string, ballot: Ballot, value: Versioned, next: Ballot): Message {
  seeBallot(state, ballot);
  const reg = registerOf(state, key);
  const duplicate = ballot === reg.accepted && value.digest === reg.value.digest && value.version === reg.value.version;
  if (ballot < reg.promised || (ballot <= reg.accepted && !duplicate)) return { type: 'conflict', key, ballot, seen: Math.max(reg.promised, reg.accepted) };
  const promisedNext = next > ballot && next > reg.promised;
  state.registers[key] = Object.freeze({ promised: promisedNext ? next : Math.max(ballot, reg.promised), accepted: ballot, value });
  state.trail.accepts.push({ key, ballot, value });
  persist(state, env, key, true);
  return { type: 'accepted', key, ballot, promisedNext };
}

/**
 * Writes every register. `accepting` says whether this step voted on `key` (the flaw
 * `promise-in-memory` writes a key's promise only then).
 */
function persist(state: CasState, env: Env, key: string, accepting: boolean): void {
  if (!env.flaws.promiseInMemory) {
    persistDurable(state, env, state.registers);
    return;
  }
  if (accepting) state.persistedPromises[key] = registerOf(state, key).promised;
  const registers: Record<string, Register> = {};
  for (const k of Object.keys(state.registers)) {
    const reg = state.registers[k]!;
    const promised = state.persistedPromises[k] ?? 0;
    registers[k] = promised === reg.promised ? reg : Object.freeze({ ...reg, promised });
  }
  persistDurable(state, env, registers);
}

/** Writes the node's durable state after a change that is not a vote (the requests refused or proposed). */
export function persistClientRecords(state: CasState, env: Env): void {
  persist(state, env, '', false);
}

/** Writes `registers` and the requests refused and proposed. Frozen copies of the maps: the kernel keeps them by reference. */
function persistDurable(state: CasState, env: Env, registers: Readonly<Record<string, Register>>): void {
  const durable: Durable = Object.freeze({
    registers: Object.freeze({ ...registers }),
    ...(Object.keys(state.refused).length > 0 ? { refused: Object.freeze({ ...state.refused }) } : {}),
    ...(Object.keys(state.proposed).length > 0 ? { proposed: Object.freeze({ ...state.proposed }) } : {}),
  });
  env.ctx.persist(durable);
}
