/**
 * The acceptor: promises in phase 1 and votes in phase 2, each written to disk before its reply
 * leaves. One promise covers every slot (Multi-Paxos: phase 1 runs once per ballot over all open
 * slots). With lease reads an acceptor that heard from a leader recently refuses other proposers'
 * prepares for an election timeout, which is what makes the leader's lease safe.
 */
import type { NodeId } from '../../core/ids.js';
import { roundOf } from './ballot.js';
import { learnChosen, requestCatchUp } from './learner.js';
import { preempted } from './proposer.js';
import { acceptedFrom, maxAcceptedSlot, persist, setAccepted } from './slots.js';
import { resetElectionTimer } from './timers.js';
import type { Env, Message, PaxosState } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

/** Whether this node, as an acceptor, still owes a leader its lease (lease reads only). */
export function leaseBinds(state: PaxosState, env: Env, from: NodeId): boolean {
  if (env.options.reads !== 'lease' || from === state.leaderId) return false;
  return env.ctx.now() - state.lastLeaderContactUs < env.options.electionTimeoutMinUs;
}

export function seeBallot(state: PaxosState, ballot: number): void {
  const round = roundOf(ballot);
  if (round > state.maxRound) state.maxRound = round;
}

export function onPrepare(state: PaxosState, env: Env, from: NodeId, msg: Msg<'prepare'>): void {
  const ctx = env.ctx;
  seeBallot(state, msg.ballot);
  if (msg.ballot < state.promised || leaseBinds(state, env, from)) {
    ctx.send(from, { type: 'nack', ballot: msg.ballot, promised: state.promised });
    return;
  }
  // A proposer of a lower ballot here is preempted by its own acceptor's promise (handled last:
  // without backoff it campaigns again at once, above this ballot).
  const preempt = outranked(state, msg.ballot);
  if (msg.ballot > state.promised) {
    state.promised = msg.ballot;
    persist(state, env, false);
  }
  if (env.options.reads === 'lease') {
    // The promise is a lease grant too: no other proposer's prepare for an election timeout.
    state.leaderId = from;
    state.lastLeaderContactUs = ctx.now();
  }
  if (state.role === 'follower' && env.options.leader === 'stable') resetElectionTimer(state, env);
  const snapshot = state.snapshot.slot >= msg.fromSlot ? state.snapshot : null;
  ctx.send(from, { type: 'promise', ballot: msg.ballot, snapshot, accepted: acceptedFrom(state, msg.fromSlot) });
  if (preempt) preempted(state, env);
}

/** Whether this node leads, or campaigns for, a ballot below `ballot`. */
function outranked(state: PaxosState, ballot: number): boolean {
  return (state.leader !== null && state.leader.ballot < ballot) || (state.campaign !== null && state.campaign.ballot < ballot);
}

export function onAccept(state: PaxosState, env: Env, from: NodeId, msg: Msg<'accept'>): void {
  const ctx = env.ctx;
  seeBallot(state, msg.ballot);
  if (msg.ballot < state.promised) {
    ctx.send(from, { type: 'nack', ballot: msg.ballot, promised: state.promised });
    return;
  }
  const preempt = outranked(state, msg.ballot);
  if (msg.ballot > state.promised) state.promised = msg.ballot;
  if (env.options.leader === 'stable') {
    state.leaderId = from;
    state.lastLeaderContactUs = ctx.now();
    if (state.role === 'follower') resetElectionTimer(state, env);
  }
  const slots: number[] = [];
  for (const [slot, value] of msg.entries) {
    setAccepted(state, slot, msg.ballot, value);
    slots.push(slot);
  }
  // Written before the reply leaves, the promise with the votes.
  persist(state, env, true);
  learnChosen(state, env, msg.ballot, msg.chosenThrough);
  if (state.applied < msg.chosenThrough) requestCatchUp(state, env, from);
  ctx.send(from, { type: 'accepted', ballot: msg.ballot, slots, round: msg.round, maxAccepted: maxAcceptedSlot(state) });
  if (preempt) preempted(state, env);
}

/** `leader: none`: a proposer's ballot got its slots chosen. */
export function onDecide(state: PaxosState, env: Env, from: NodeId, msg: Msg<'decide'>): void {
  seeBallot(state, msg.ballot);
  learnChosen(state, env, msg.ballot, msg.chosenThrough);
  if (state.applied < msg.chosenThrough) requestCatchUp(state, env, from);
}
