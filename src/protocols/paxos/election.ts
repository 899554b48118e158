/**
 * Leader election by ballot: campaigns (phase 1 over every slot after the applied one), promises
 * counted toward a phase-1 quorum (this node's own last), preemption with randomized backoff (or,
 * with `backoff: false`, at once: dueling proposers), a leader renewing its ballot when a rejoining
 * node outbid it, CheckQuorum, and stepping down.
 */
import type { NodeId } from '../../core/ids.js';
import { ballotOf, formatBallot, roundOf } from './ballot.js';
import { becomeLeader } from './proposer.js';
import { answerAllWrites } from './reads.js';
import { retryLater, scheduleRound } from './rounds.js';
import { acceptedFrom, persist } from './slots.js';
import { TIMER_CHECK_QUORUM, TIMER_HEARTBEAT, resetElectionTimer } from './timers.js';
import type { Env, Message, PaxosState, PromiseInfo } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

/**
 * Starts phase 1 with a ballot above every one seen, over the slots after this node's applied one.
 * This node's own acceptor promises last, once the others make up the rest of a phase-1 quorum: a
 * campaign the others refuse (they hear from a live leader) leaves its promise where it was, so
 * the node keeps accepting from that leader instead of rejecting it.
 */
export function campaign(state: PaxosState, env: Env, renewals = 0): void {
  const ctx = env.ctx;
  const round = Math.max(state.maxRound, roundOf(state.promised)) + 1;
  const ballot = ballotOf(round, state.selfIndex);
  state.maxRound = round;
  state.role = 'candidate';
  state.leader = null;
  const fromSlot = state.applied + 1;
  // The flaw: the promise set is never cleared, so promises for older ballots still count.
  const kept = env.flaws.countOldPromises ? state.lastPromises.filter((p) => p.from !== state.self) : [];
  state.campaign = { ballot, fromSlot, promises: kept, renewals };
  state.campaignStartUs = ctx.now();
  if (state.leaderId === state.self) state.leaderId = null;
  ctx.note('campaign', { ballot: formatBallot(ballot, state.members) });
  resetElectionTimer(state, env); // phase 1 that takes too long is retried with a new ballot
  for (const peer of state.members) if (peer !== state.self) ctx.send(peer, { type: 'prepare', ballot, fromSlot });
  promiseSelfWhenDue(state, env);
}

function addPromise(state: PaxosState, promise: PromiseInfo): void {
  const promises = state.campaign!.promises;
  const i = promises.findIndex((p) => p.from === promise.from);
  if (i < 0) promises.push(promise);
  else if (promises[i]!.ballot < promise.ballot) promises[i] = promise;
  state.lastPromises = promises;
}

/** Once the other promises and this node's own make a phase-1 quorum, this node promises and leads. */
function promiseSelfWhenDue(state: PaxosState, env: Env): void {
  const c = state.campaign!;
  if (c.promises.length + 1 < state.quorums.phase1) return;
  if (state.promised > c.ballot) {
    preempted(state, env);
    return;
  }
  if (state.promised < c.ballot) {
    state.promised = c.ballot;
    persist(state, env, false);
  }
  if (env.options.reads === 'lease') {
    // The own promise is a lease grant like any other.
    state.leaderId = state.self;
    state.lastLeaderContactUs = env.ctx.now();
  }
  addPromise(state, { from: state.self, ballot: c.ballot, snapshot: null, accepted: acceptedFrom(state, c.fromSlot), waiting: [] });
  becomeLeader(state, env);
}

export function onPromise(state: PaxosState, env: Env, from: NodeId, msg: Msg<'promise'>): void {
  const c = state.campaign;
  if (c === null || state.role !== 'candidate') return;
  // A promise counts for the ballot it was made for; the flaw counts late replies to older ones too.
  if (env.flaws.countOldPromises ? msg.ballot > c.ballot : msg.ballot !== c.ballot) return;
  addPromise(state, { from, ballot: msg.ballot, snapshot: msg.snapshot, accepted: msg.accepted, waiting: msg.waiting });
  promiseSelfWhenDue(state, env);
}

/** A stable candidate heard from a live leader it accepted from: it gives up its campaign. */
export function abandonCampaign(state: PaxosState, env: Env): void {
  if (state.campaign === null || env.options.leader !== 'stable') return;
  state.campaign = null;
  state.role = 'follower';
  answerAllWrites(state, env); // a leader that campaigned again kept its clients waiting
  resetElectionTimer(state, env);
}

export function onNack(state: PaxosState, env: Env, _from: NodeId, msg: Msg<'nack'>): void {
  const mine = state.leader?.ballot ?? state.campaign?.ballot;
  if (mine === undefined || msg.promised <= mine) return; // a lease refusal, or about an older ballot
  const round = roundOf(msg.promised);
  if (round > state.maxRound) state.maxRound = round;
  const o = env.options;
  const renewals = state.leader !== null ? 0 : (state.campaign?.renewals ?? 0);
  if (o.leader === 'stable' && o.checkQuorum && o.backoff && (state.leader !== null || (renewals > 0 && renewals < MAX_RENEWALS))) {
    renewBallot(state, env, renewals + 1);
    return;
  }
  preempted(state, env);
}

/** Ballot renewals in a row before a leader gives up and steps down. */
const MAX_RENEWALS = 3;

/**
 * A leader met a higher promise at an acceptor: most likely a node rejoining after campaigning
 * alone behind a partition. The leader's other followers stick to it and refuse that ballot's
 * prepares (but not this leader's), so it takes a ballot above it at once: one phase 1 while its
 * clients keep waiting, where stepping down would leave the cluster without a leader for an
 * election timeout or more. A renewal that meets a still higher ballot renews again, a few times.
 */
function renewBallot(state: PaxosState, env: Env, renewals: number): void {
  env.ctx.cancelTimer(TIMER_HEARTBEAT);
  env.ctx.cancelTimer(TIMER_CHECK_QUORUM);
  const ballot = state.leader?.ballot ?? state.campaign!.ballot;
  env.ctx.note('renew-ballot', { ballot: formatBallot(ballot, state.members), renewals });
  state.leader = null;
  campaign(state, env, renewals);
}

/** Leaves the proposer role: a stable leader's waiting clients learn their fate; `none` keeps them for the next round. */
export function stepDown(state: PaxosState, env: Env): void {
  const ctx = env.ctx;
  if (state.leader !== null) {
    ctx.cancelTimer(TIMER_HEARTBEAT);
    ctx.cancelTimer(TIMER_CHECK_QUORUM);
  }
  if (state.leader !== null || state.campaign !== null) ctx.note('step-down', { ballot: formatBallot(state.leader?.ballot ?? state.campaign!.ballot, state.members) });
  state.leader = null;
  state.campaign = null;
  state.role = 'follower';
  if (state.leaderId === state.self) state.leaderId = null;
  if (env.options.leader === 'stable') answerAllWrites(state, env);
}

/** A higher ballot exists: step down, then back off (or, without backoff, campaign again at once). */
export function preempted(state: PaxosState, env: Env): void {
  stepDown(state, env);
  if (env.options.leader === 'stable') {
    if (env.options.backoff) resetElectionTimer(state, env);
    else campaign(state, env);
    return;
  }
  retryLater(state, env);
}

/** CheckQuorum: a leader that heard from no phase-2 quorum within an election timeout steps down. */
export function onCheckQuorum(state: PaxosState, env: Env): void {
  const leader = state.leader;
  if (leader === null) return;
  if (leader.heard.length + 1 < state.quorums.phase2) {
    env.ctx.note('check-quorum-lost', { heard: leader.heard });
    stepDown(state, env);
    resetElectionTimer(state, env);
    return;
  }
  leader.heard = [];
  env.ctx.setTimer(TIMER_CHECK_QUORUM, env.options.electionTimeoutMinUs);
}

export function onElectionTimeout(state: PaxosState, env: Env): void {
  if (env.options.leader === 'stable') {
    if (state.role !== 'leader') campaign(state, env);
    return;
  }
  // `leader: none`: a round that took too long starts over with a new ballot; an idle node with work
  // starts one. A round still choosing slots is slow, not stuck: a backlog completed one slot per
  // accept can outlast an election timeout, and starting over would redo phase 1 and never finish
  // (found by fuzzing: seed 1446830313, 185 slots to complete after a heal, one per accept).
  const leader = state.leader;
  if (state.role === 'leader' && leader !== null && state.applied > leader.appliedAtCheck) {
    leader.appliedAtCheck = state.applied;
    resetElectionTimer(state, env);
    return;
  }
  if (state.role !== 'follower') {
    stepDown(state, env);
    state.backoffUntilUs = 0;
  }
  scheduleRound(state, env);
}
