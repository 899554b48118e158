/**
 * The proposer, any node: per key, one round at a time, for every op that waited for it (a batch:
 * their change functions compose, in arrival order). Phase 1 reads the register from a quorum (the
 * highest-ballot vote wins), the changes compute the next value, phase 2 writes it to a quorum,
 * and only then are the clients answered. A conflict (a higher ballot) or a
 * silent quorum means a retry with a new ballot after a random backoff. With the one-round-trip
 * optimization a proposer whose last accept on the key also got its next ballot promised by a
 * quorum skips phase 1.
 */
import type { NodeId } from '../../core/ids.js';
import type { ClientRequest, OpResult } from '../../core/ops.js';
import { ballotOf } from '../paxos/ballot.js';
import { accept, persistClientRecords, prepare, registerOf, seeBallot } from './acceptor.js';
import { applyChange } from './change.js';
import type { Attempt, CasState, Env, KeyProposer, Message, Versioned } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

export const TIMER_ATTEMPT = 'attempt:';
export const TIMER_RETRY = 'retry:';

function proposerOf(state: CasState, key: string): KeyProposer {
  let kp = state.proposers[key];
  if (kp === undefined) state.proposers[key] = kp = { queue: [], attempt: null, cache: null, conflicts: 0, timeouts: 0, backoffUntilUs: 0 };
  return kp;
}

function newBallot(state: CasState): number {
  state.maxRound++;
  return ballotOf(state.maxRound, state.selfIndex);
}

export function onClientRequest(state: CasState, env: Env, req: ClientRequest): void {
  if (state.pending >= env.options.maxPendingRequests) {
    // A copy of this request proposed here, or waiting here, may yet take effect: not a definite fail.
    const error = 'overloaded: too many pending requests';
    env.ctx.reply(req.id, wasProposed(state, req) || isPending(state, req) ? { type: 'info', error: `${error}; a copy of it is in progress here` } : { type: 'fail', error });
    return;
  }
  if (refuseLateCopy(state, env, req)) return;
  const key = req.op.key ?? '';
  const kp = proposerOf(state, key);
  state.pending++;
  kp.queue.push(req);
  if (kp.attempt === null) startNext(state, env, key);
}

/**
 * A late copy of a request this node refused (or of an older one of the client's) is refused
 * again: the client was told it did not happen, or has moved on, so it must not happen now.
 */
function refuseLateCopy(state: CasState, env: Env, req: ClientRequest): boolean {
  const refusedSeq = state.refused[req.client];
  if (refusedSeq === undefined || req.seq > refusedSeq) return false;
  env.ctx.reply(req.id, { type: 'fail', error: `seq ${req.seq} of ${req.client} was refused here before` });
  return true;
}

/** Whether this node sent an accept carrying a change of `req` (or of a later op of its client). */
function wasProposed(state: CasState, req: ClientRequest): boolean {
  return req.op.f !== 'read' && (state.proposed[req.client] ?? -1) >= req.seq;
}

function isPending(state: CasState, req: ClientRequest): boolean {
  const same = (r: ClientRequest): boolean => r.client === req.client && r.seq === req.seq;
  return Object.values(state.proposers).some((kp) => kp.queue.some(same) || (kp.attempt?.reqs.some(same) ?? false));
}

/** Ops per round, at most. */
const MAX_BATCH = 64;

/** Takes the queued ops of `key` as the next round, if none is running. */
function startNext(state: CasState, env: Env, key: string): void {
  const kp = proposerOf(state, key);
  // Copies queued while their request was being refused go no further.
  const before = kp.queue.length;
  kp.queue = kp.queue.filter((req) => !refuseLateCopy(state, env, req));
  state.pending -= before - kp.queue.length;
  if (kp.queue.length === 0) return;
  const reqs = kp.queue.splice(0, MAX_BATCH);
  kp.attempt = { reqs, ballot: 0, phase: 'prepare', promises: [], acks: [], nextAcks: [], nextBallot: 0, proposed: null, results: [], tries: 0 };
  const wait = kp.backoffUntilUs - env.ctx.now();
  if (wait > 0) env.ctx.setTimer(TIMER_RETRY + key, wait);
  else begin(state, env, key);
}

/** Starts an attempt: phase 1 with a new ballot, or straight to phase 2 on a cached promise. */
function begin(state: CasState, env: Env, key: string): void {
  const kp = proposerOf(state, key);
  const a = kp.attempt!;
  a.tries++;
  a.promises = [];
  a.acks = [];
  a.nextAcks = [];
  env.ctx.setTimer(TIMER_ATTEMPT + key, attemptTimeoutUs(env, kp));
  const cache = kp.cache;
  if (env.options.oneRoundTrip && cache !== null) {
    kp.cache = null;
    a.ballot = cache.ballot;
    propose(state, env, key, cache.value);
    return;
  }
  a.ballot = newBallot(state);
  a.phase = 'prepare';
  for (const peer of state.members) if (peer !== state.self) env.ctx.send(peer, { type: 'prepare', key, ballot: a.ballot });
  onReply(state, env, state.self, prepare(state, env, key, a.ballot));
}

/** Doublings of the attempt timeout at most (8 times the option). */
const MAX_TIMEOUT_DOUBLINGS = 3;

/**
 * The current attempt's timeout: the option, doubled per attempt in a row that timed out (TCP's
 * retransmission timeout backs off the same way). An attempt is two round trips; where they take
 * longer than the option (slow links, or this node's clock running fast, so its timers fire early)
 * a fixed timeout would give up on every attempt just before its answers arrive, forever.
 */
function attemptTimeoutUs(env: Env, kp: KeyProposer): number {
  return env.options.attemptTimeoutUs * 2 ** Math.min(kp.timeouts, MAX_TIMEOUT_DOUBLINGS);
}

/** Applies the ops' changes to `current`, in order, and sends the result to every acceptor. */
function propose(state: CasState, env: Env, key: string, current: Versioned): void {
  const a = proposerOf(state, key).attempt!;
  let value = current;
  a.results = a.reqs.map((req) => {
    const change = applyChange(value, req);
    value = change.value;
    return change.result;
  });
  if (value !== current) state.trail.introduced.push({ key, value });
  a.phase = 'accept';
  a.proposed = value;
  // The accept may be chosen whatever this node hears back: its requests are remembered, on disk
  // before the accept leaves, so no copy of them gives up with a definite fail (see CasState.proposed).
  let recorded = false;
  for (const req of a.reqs) {
    if (req.op.f === 'read' || wasProposed(state, req)) continue;
    state.proposed[req.client] = req.seq;
    recorded = true;
  }
  if (recorded) persistClientRecords(state, env);
  a.nextBallot = env.options.oneRoundTrip ? newBallot(state) : 0;
  const msg: Message = { type: 'accept', key, ballot: a.ballot, value, next: a.nextBallot };
  for (const peer of state.members) if (peer !== state.self) env.ctx.send(peer, msg);
  onReply(state, env, state.self, accept(state, env, key, a.ballot, value, a.nextBallot));
}

/** A reply from an acceptor (this node's own, or a peer's). */
export function onReply(state: CasState, env: Env, from: NodeId, msg: Message): void {
  switch (msg.type) {
    case 'promise':
      return onPromise(state, env, from, msg);
    case 'accepted':
      return onAccepted(state, env, from, msg);
    case 'conflict':
      return onConflict(state, env, msg);
    case 'prepare':
    case 'accept':
      return;
  }
}

function current(state: CasState, key: string, msg: { ballot: number }): Attempt | undefined {
  const a = state.proposers[key]?.attempt ?? null;
  return a !== null && a.ballot === msg.ballot ? a : undefined;
}

function onPromise(state: CasState, env: Env, from: NodeId, msg: Msg<'promise'>): void {
  const a = current(state, msg.key, msg);
  if (a === undefined || a.phase !== 'prepare' || a.promises.some((p) => p.from === from)) return;
  a.promises.push({ from, accepted: msg.accepted, value: msg.value });
  if (a.promises.length < state.quorum) return;
  // The register's value: the highest-ballot vote among the promises (the flaw: this node's own copy).
  let best = a.promises[0]!;
  for (const p of a.promises) if (p.accepted > best.accepted) best = p;
  const value = env.flaws.proposeOwnValue ? registerOf(state, msg.key).value : best.value;
  if (env.flaws.readWithoutCompletion && a.reqs.every((r) => r.op.f === 'read')) {
    // The flaw: reads answer from phase 1 alone; the value read may be a minority's, never chosen.
    state.trail.learned.push({ key: msg.key, value });
    finish(state, env, msg.key, a.reqs.map(() => ({ type: 'ok', value: value.data })));
    return;
  }
  propose(state, env, msg.key, value);
}

function onAccepted(state: CasState, env: Env, from: NodeId, msg: Msg<'accepted'>): void {
  const a = current(state, msg.key, msg);
  if (a === undefined || a.phase !== 'accept' || a.acks.includes(from)) return;
  a.acks.push(from);
  if (msg.promisedNext) a.nextAcks.push(from);
  if (a.acks.length < state.quorum) return;
  const kp = proposerOf(state, msg.key);
  state.trail.learned.push({ key: msg.key, value: a.proposed! });
  // The quorum that voted also promised the next ballot: the next op here may skip phase 1.
  kp.cache = env.options.oneRoundTrip && a.nextAcks.length >= state.quorum ? { ballot: a.nextBallot, value: a.proposed! } : null;
  kp.conflicts = 0;
  kp.timeouts = 0;
  finish(state, env, msg.key, a.results);
}

function onConflict(state: CasState, env: Env, msg: Msg<'conflict'>): void {
  seeBallot(state, msg.seen);
  if (current(state, msg.key, msg) === undefined) return;
  retry(state, env, msg.key);
}

/** The attempt failed (a higher ballot, or no quorum in time): back off and try a new ballot. */
function retry(state: CasState, env: Env, key: string): void {
  const kp = proposerOf(state, key);
  const a = kp.attempt!;
  kp.cache = null;
  kp.conflicts++;
  a.ballot = -1; // late replies to this attempt are ignored
  env.ctx.cancelTimer(TIMER_ATTEMPT + key);
  if (a.tries >= env.options.maxAttempts) {
    // A change whose accept went out, from this attempt or an earlier copy's, may yet be chosen (a
    // later proposer adopts it): `info`.
    const gaveUp = (req: ClientRequest): OpResult =>
      wasProposed(state, req) ? { type: 'info', error: `no quorum after ${a.tries} attempts; the change may have taken effect` } : { type: 'fail', error: `no quorum after ${a.tries} attempts` };
    finish(state, env, key, a.reqs.map(gaveUp));
    return;
  }
  if (!env.options.backoff) {
    begin(state, env, key);
    return;
  }
  // The window doubles per conflict in a row, up to an attempt's timeout: queued ops wait it out.
  const window = Math.min(env.options.backoffMaxUs * 2 ** Math.min(kp.conflicts, 4), Math.max(env.options.backoffMaxUs, env.options.attemptTimeoutUs));
  const delay = 1 + Math.floor(env.ctx.random() * window);
  kp.backoffUntilUs = env.ctx.now() + delay;
  env.ctx.setTimer(TIMER_RETRY + key, delay);
}

function finish(state: CasState, env: Env, key: string, results: readonly OpResult[]): void {
  const kp = proposerOf(state, key);
  const a = kp.attempt!;
  env.ctx.cancelTimer(TIMER_ATTEMPT + key);
  let refused = false;
  a.reqs.forEach((req, i) => {
    const result = results[i]!;
    if (result.type === 'fail' && req.op.f !== 'read' && (state.refused[req.client] ?? -1) < req.seq) {
      state.refused[req.client] = req.seq;
      refused = true;
    }
    env.ctx.reply(req.id, result);
  });
  if (refused) persistClientRecords(state, env);
  kp.attempt = null;
  state.pending -= a.reqs.length;
  startNext(state, env, key);
}

/** The key's attempt got no quorum in time (the timer is re-armed per attempt and cancelled when one ends). */
export function onAttemptTimer(state: CasState, env: Env, key: string): void {
  const a = state.proposers[key]?.attempt ?? null;
  if (a === null || a.ballot < 0) return;
  state.proposers[key]!.timeouts++;
  retry(state, env, key);
}

export function onRetryTimer(state: CasState, env: Env, key: string): void {
  const a = state.proposers[key]?.attempt ?? null;
  if (a !== null && (a.ballot < 0 || a.tries === 0)) begin(state, env, key);
}
