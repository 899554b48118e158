/**
 * The leader's side of Multi-Paxos: completing every slot phase 1 revealed (the highest-ballot
 * vote the promises report, a no-op in a gap), then phase 2 per slot: this node votes first, asks
 * every peer, and a slot with a phase-2 quorum of votes in this ballot is chosen. Heartbeat rounds
 * resend what a peer has not voted for and carry what is chosen. With `leader: none` the same code
 * runs for one round per ballot (rounds.ts).
 */
import type { NodeId } from '../../core/ids.js';
import { formatBallot } from './ballot.js';
import { installSnapshot, learn } from './learner.js';
import { leaseDurationUs, updateLease } from './lease.js';
import { serveReads } from './reads.js';
import { finishRound } from './rounds.js';
import { NOOP, commandValue, learnedAt, maxLearnedSlot, persist, setAccepted } from './slots.js';
import { TIMER_CHECK_QUORUM, TIMER_ELECTION, TIMER_HEARTBEAT } from './timers.js';
import type { Accepted, AcceptEntry, Env, LeaderState, Message, PaxosState, PromiseInfo, Value } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

/** Rounds remembered for lease reads. */
const MAX_ROUNDS_KEPT = 64;

/** Phase 1 done: complete every open slot the promises reveal, then serve. */
export function becomeLeader(state: PaxosState, env: Env): void {
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
    appliedAtCheck: state.applied,
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
