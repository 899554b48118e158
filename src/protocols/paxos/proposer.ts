/**
 * The proposer: phase 1 once per ballot over every open slot, then phase 2 per slot. A new leader
 * completes every slot it learned of in phase 1 before anything else: the highest-ballot value the
 * promises report, or a no-op in a gap. Preempted proposers back off for a random time (or, with
 * `backoff: false`, try again at once, which is how dueling proposers livelock). With `leader:
 * none` a proposer holds its ballot only for one round: phase 1, the open slots and its waiting
 * commands through phase 2, then it lets go and tells everyone what was chosen.
 */
import type { NodeId } from '../../core/ids.js';
import { ballotOf, formatBallot, roundOf } from './ballot.js';
import { installSnapshot, learn } from './learner.js';
import { answerAllWrites, serveReads } from './reads.js';
import { NOOP, acceptedFrom, commandValue, learnedAt, maxLearnedSlot, persist, setAccepted } from './slots.js';
import { TIMER_CHECK_QUORUM, TIMER_ELECTION, TIMER_HEARTBEAT, resetElectionTimer, retryDelayUs } from './timers.js';
import type { Accepted, AcceptEntry, Env, LeaderState, Message, PaxosState, PromiseInfo, Value } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

/** Rounds remembered for lease reads. */
const MAX_ROUNDS_KEPT = 64;

// ------------------------------------------------------------------ phase 1

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

/** Phase 1 done: complete every open slot the promises reveal, then serve. */
function becomeLeader(state: PaxosState, env: Env): void {
  const ctx = env.ctx;
  const c = state.campaign!;
  const promises = c.promises;
  // A promise's snapshot holds chosen slots this node never applied: start from the newest.
  let newest = null as PromiseInfo['snapshot'];
  for (const p of promises) if (p.snapshot !== null && p.snapshot.slot > (newest?.slot ?? state.applied)) newest = p.snapshot;
  if (newest !== null) installSnapshot(state, env, newest);
  // The highest-ballot vote per open slot.
  const best = new Map<number, Accepted>();
  let maxSlot = maxLearnedSlot(state);
  for (const p of promises) {
    for (const [slot, vote] of p.accepted) {
      if (slot <= state.applied) continue;
      if (slot > maxSlot) maxSlot = slot;
      const known = best.get(slot);
      if (known === undefined || known.ballot < vote.ballot) best.set(slot, vote);
    }
  }
  const leaseQuorum = state.quorums.nodes - state.quorums.phase1 + 1;
  const leader: LeaderState = {
    ballot: c.ballot,
    nextSlot: state.applied + 1,
    completeThrough: maxSlot,
    proposals: [],
    round: 0,
    roundSentAt: [],
    ackedRound: {},
    heard: [],
    leaseUntilUs: env.options.reads === 'lease' && promises.length >= leaseQuorum ? state.campaignStartUs + leaseDurationUs(env) : Number.NEGATIVE_INFINITY,
  };
  state.leader = leader;
  state.campaign = null;
  state.role = 'leader';
  state.leaderId = state.self;
  if (env.options.leader === 'stable') {
    ctx.cancelTimer(TIMER_ELECTION);
    if (env.options.checkQuorum) ctx.setTimer(TIMER_CHECK_QUORUM, env.options.electionTimeoutMinUs);
  }
  ctx.note('leader', { ballot: formatBallot(c.ballot, state.members), completing: Math.max(0, maxSlot - state.applied) });
  const completing = new Set<number>();
  for (let slot = state.applied + 1; slot <= maxSlot; slot++) {
    const known = learnedAt(state, slot);
    if (known !== null) {
      propose(state, env, known, false, false);
      continue;
    }
    if (env.flaws.proposeOwnValue) {
      // The flaw: what the promises report is ignored; the proposer puts its own value here.
      const own = unproposedWrite(state);
      propose(state, env, own ?? NOOP, true, false);
      continue;
    }
    const vote = best.get(slot);
    if (vote !== undefined && vote.value.kind === 'command') completing.add(vote.value.hash);
    propose(state, env, vote?.value ?? NOOP, vote === undefined, false);
  }
  if (env.options.leader === 'none') {
    // This round's own commands go after the open slots, then those the promisers have waiting
    // (so a round serves every proposer it preempts); each once.
    for (const client of Object.keys(state.writes)) {
      const w = state.writes[client]!;
      w.proposed = true;
      const value = commandValue(w.command);
      if (!completing.has(value.hash)) propose(state, env, value, true, false);
      completing.add(value.hash);
    }
    for (const p of promises) {
      for (const command of p.waiting) {
        const value = commandValue(command);
        if (!completing.has(value.hash)) propose(state, env, value, true, false);
        completing.add(value.hash);
      }
    }
  }
  startRound(state, env);
  chooseAlone(state, env);
  if (state.leader === leader && leader.proposals.length === 0 && env.options.leader === 'none') finishRound(state, env);
  serveReads(state, env);
}

/** The value of a waiting command not yet proposed (for the `propose-own-value` flaw). */
function unproposedWrite(state: PaxosState): Value | undefined {
  for (const client of Object.keys(state.writes)) {
    const w = state.writes[client]!;
    if (w.proposed) continue;
    w.proposed = true;
    return commandValue(w.command);
  }
  return undefined;
}

// ------------------------------------------------------------------ phase 2

/**
 * Puts `value` in the next free slot under this leader's ballot: this node votes for it at once,
 * then asks every peer. `introduced` marks a value the proposer chose itself (validity).
 */
export function propose(state: PaxosState, env: Env, value: Value, introduced: boolean, send = true): void {
  const leader = state.leader!;
  const slot = leader.nextSlot++;
  if (introduced) state.trail.introduced.push(slot, value.hash);
  setAccepted(state, slot, leader.ballot, value);
  persist(state, env, true);
  leader.proposals.push({ slot, value, acks: [state.self] });
  if (!send) return; // the caller starts a round, which sends every proposal
  const msg: Message = { type: 'accept', ballot: leader.ballot, entries: [[slot, value]], chosenThrough: state.applied, round: leader.round };
  for (const peer of state.members) if (peer !== state.self) env.ctx.send(peer, msg);
}

/** With a phase-2 quorum of one, this node's own votes choose: call after proposing. */
export function chooseAlone(state: PaxosState, env: Env): void {
  const leader = state.leader;
  if (leader === null || state.quorums.phase2 > 1 || leader.proposals.length === 0) return;
  onVotes(state, env, leader.proposals.map((p) => p.slot), state.self);
}

export function onAccepted(state: PaxosState, env: Env, from: NodeId, msg: Msg<'accepted'>): void {
  const leader = state.leader;
  if (leader === null || msg.ballot !== leader.ballot) return;
  if (msg.round > (leader.ackedRound[from] ?? 0)) leader.ackedRound[from] = msg.round;
  if (!leader.heard.includes(from)) leader.heard.push(from);
  onVotes(state, env, msg.slots, from);
  if (state.leader !== leader) return;
  // A peer holds votes above every slot in use (an old leader's, never chosen): fill the gap
  // with no-ops, so reads that found those slots and catch-up do not wait forever.
  if (env.options.leader === 'stable') while (leader.nextSlot <= msg.maxAccepted) propose(state, env, NOOP, true);
  updateLease(state, env);
  serveReads(state, env);
}

/** `from` voted for `slots` in this leader's ballot: a slot with a phase-2 quorum is chosen. */
function onVotes(state: PaxosState, env: Env, slots: readonly number[], from: NodeId): void {
  const leader = state.leader!;
  for (const slot of slots) {
    const i = proposalIndex(leader, slot);
    if (i < 0) continue;
    const p = leader.proposals[i]!;
    if (!p.acks.includes(from)) p.acks.push(from);
    if (p.acks.length < state.quorums.phase2) continue;
    leader.proposals.splice(i, 1);
    learn(state, env, slot, p.value);
    if (state.leader !== leader) return;
  }
  if (state.leader === leader && env.options.leader === 'none' && leader.proposals.length === 0) finishRound(state, env);
}

function proposalIndex(leader: LeaderState, slot: number): number {
  const proposals = leader.proposals;
  for (let i = 0; i < proposals.length; i++) if (proposals[i]!.slot === slot) return i;
  return -1;
}

/** A heartbeat round: to every peer, the proposals it has not voted for (or nothing), and what is chosen. */
export function startRound(state: PaxosState, env: Env): void {
  const leader = state.leader!;
  const ctx = env.ctx;
  leader.round++;
  leader.roundSentAt.push([leader.round, ctx.now()]);
  if (leader.roundSentAt.length > MAX_ROUNDS_KEPT) leader.roundSentAt.shift();
  // While leading, this node's own acceptor is as sticky as its followers (and owes the lease).
  state.lastLeaderContactUs = ctx.now();
  for (const peer of state.members) {
    if (peer === state.self) continue;
    const missing = leader.proposals.filter((p) => !p.acks.includes(peer));
    const max = env.options.maxSlotsPerAccept;
    let k = 0;
    do {
      const entries: AcceptEntry[] = missing.slice(k, k + max).map((p) => [p.slot, p.value] as const);
      ctx.send(peer, { type: 'accept', ballot: leader.ballot, entries, chosenThrough: state.applied, round: leader.round });
      k += max;
    } while (k < missing.length && k < 8 * max);
  }
  ctx.setTimer(TIMER_HEARTBEAT, env.options.heartbeatUs);
  updateLease(state, env);
}

// ------------------------------------------------------------------ leases

/**
 * How long a lease lasts on the leader's clock after the round that grants it was sent: acceptors
 * refuse other prepares for electionTimeoutMin on their clocks; with clocks off by up to
 * maxClockDrift either way the leader stops sooner by that factor, and by the margin for jumps.
 */
export function leaseDurationUs(env: Env): number {
  const o = env.options;
  return Math.floor((o.electionTimeoutMinUs * (1 - o.maxClockDrift)) / (1 + o.maxClockDrift)) - o.leaseMarginUs;
}

/** Extends the lease to the newest round acknowledged by enough acceptors to meet every phase-1 quorum. */
function updateLease(state: PaxosState, env: Env): void {
  const leader = state.leader;
  if (leader === null || env.options.reads !== 'lease') return;
  const needed = state.quorums.nodes - state.quorums.phase1 + 1;
  const rounds = state.members.map((m) => (m === state.self ? leader.round : (leader.ackedRound[m] ?? 0))).sort((a, b) => b - a);
  const confirmed = rounds[needed - 1] ?? 0;
  const sent = leader.roundSentAt.find(([round]) => round === confirmed);
  if (sent !== undefined) leader.leaseUntilUs = Math.max(leader.leaseUntilUs, sent[1] + leaseDurationUs(env));
}

// ------------------------------------------------------------------ losing the ballot

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

/** `leader: none`: try another round after a random pause, if anything waits. */
function retryLater(state: PaxosState, env: Env): void {
  if (!hasWork(state)) return;
  state.preemptions++;
  state.backoffUntilUs = env.ctx.now() + retryDelayUs(state, env);
  scheduleRound(state, env);
}

/** `leader: none`: commands wait, or a read waits on slots nobody is completing. */
export function hasWork(state: PaxosState): boolean {
  for (const _client in state.writes) return true;
  return state.reads.some((r) => r.probe === 0 && r.readSlot > state.applied);
}

/** `leader: none`: every slot of this round is chosen: tell everyone, let go of the ballot, go again if more waits. */
function finishRound(state: PaxosState, env: Env): void {
  const leader = state.leader!;
  state.preemptions = 0;
  for (const peer of state.members) if (peer !== state.self) env.ctx.send(peer, { type: 'decide', ballot: leader.ballot, chosenThrough: state.applied });
  stepDown(state, env);
  env.ctx.cancelTimer(TIMER_ELECTION);
  if (hasWork(state)) campaign(state, env);
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
  // `leader: none`: a round that took too long starts over with a new ballot; an idle node with work starts one.
  if (state.role !== 'follower') {
    stepDown(state, env);
    state.backoffUntilUs = 0;
  }
  scheduleRound(state, env);
}

/** `leader: none`: runs a round now if anything waits and no pause is on, else arms the timer for the pause's end. */
export function scheduleRound(state: PaxosState, env: Env): void {
  if (state.role !== 'follower' || !hasWork(state)) return;
  const wait = state.backoffUntilUs - env.ctx.now();
  if (wait <= 0) campaign(state, env);
  else env.ctx.setTimer(TIMER_ELECTION, wait);
}

/**
 * `leader: none` with backoff: another proposer's round is under way (this node just promised or
 * voted for it), or ended (it said what was chosen). Waiting for it, rather than preempting it,
 * is what lets contended rounds finish.
 */
export function yieldTo(state: PaxosState, env: Env, untilUs: number): void {
  if (env.options.leader !== 'none' || !env.options.backoff || state.role !== 'follower') return;
  state.backoffUntilUs = untilUs;
  scheduleRound(state, env);
}
