/**
 * The acceptor: promises in phase 1 and votes in phase 2, each written to disk before its reply
 * leaves. One promise covers every slot (Multi-Paxos: phase 1 runs once per ballot over all open
 * slots). An acceptor that heard from a leader recently refuses other proposers' prepares for an
 * election timeout (leader stickiness), which is also what makes a leader's read lease safe.
 */
import type { NodeId } from '../../core/ids.js';
import { roundOf } from './ballot.js';
import { learnChosen, requestCatchUp } from './learner.js';
import { abandonCampaign, preempted } from './election.js';
import { yieldTo } from './rounds.js';
import { acceptedFrom, maxAcceptedSlot, persist, setAccepted } from './slots.js';
import { resetElectionTimer } from './timers.js';
import type { Env, Message, PaxosState } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

/**
 * Whether this acceptor refuses `from`'s prepare because it heard from a live leader (or, with
 * lease reads, promised a candidate) within an election timeout: leader stickiness, and what makes
 * a lease safe. A restarted node counts its boot as such contact.
 */
export function sticky(state: PaxosState, env: Env, from: NodeId): boolean {
  const o = env.options;
  if (o.leader !== 'stable' || (!o.checkQuorum && o.reads !== 'lease') || from === state.leaderId) return false;
  return env.ctx.now() - state.lastLeaderContactUs < o.electionTimeoutMinUs;
}

export function seeBallot(state: PaxosState, ballot: number): void {
  const round = roundOf(ballot);
  if (round > state.maxRound) state.maxRound = round;
}

export function onPrepare(state: PaxosState, env: Env, from: NodeId, msg: Msg<'prepare'>): void {
  const ctx = env.ctx;
  seeBallot(state, msg.ballot);
  if (msg.ballot < state.promised || sticky(state, env, from)) {
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
  const waiting = env.options.leader === 'none' ? Object.values(state.writes).map((w) => w.command) : [];
  ctx.send(from, { type: 'promise', ballot: msg.ballot, snapshot, accepted: acceptedFrom(state, msg.fromSlot), waiting });
  if (preempt) preempted(state, env);
  else if (from !== state.self) yieldTo(state, env, Math.max(state.backoffUntilUs, ctx.now() + env.options.electionTimeoutMinUs));
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
  else {
    abandonCampaign(state, env);
    yieldTo(state, env, Math.max(state.backoffUntilUs, ctx.now() + env.options.electionTimeoutMinUs));
  }
}

/** `leader: none`: a proposer's ballot got its slots chosen. */
export function onDecide(state: PaxosState, env: Env, from: NodeId, msg: Msg<'decide'>): void {
  seeBallot(state, msg.ballot);
  learnChosen(state, env, msg.ballot, msg.chosenThrough);
  if (state.applied < msg.chosenThrough) requestCatchUp(state, env, from);
  // That round is over: go next, after a short random pause so waiting proposers do not all start at once.
  yieldTo(state, env, env.ctx.now() + 1 + Math.floor(env.ctx.random() * env.options.backoffMaxUs));
}
