/**
 * `leader: none`: when a node runs its next round (phase 1 with a fresh ballot, then phase 2 for
 * the open slots and the waiting commands), how it backs off when preempted, how it yields to
 * another proposer's round, and how a finished round is announced.
 */
import { campaign, stepDown } from './election.js';
import { TIMER_ELECTION, retryDelayUs } from './timers.js';
import type { Env, PaxosState } from './types.js';

/** `leader: none`: try another round after a random pause, if anything waits. */
export function retryLater(state: PaxosState, env: Env): void {
  if (!hasWork(state)) return;
  state.preemptions++;
  // A higher ballot means another proposer's round is under way: wait for it to say what it chose
  // (its `decide` ends the wait, see yieldTo), or for an election timeout if it never does, and a
  // random backoff on top; without backoff, go again at once.
  const pauseUs = env.options.backoff ? Math.max(retryDelayUs(state, env), env.options.electionTimeoutMinUs) : 0;
  state.backoffUntilUs = env.ctx.now() + pauseUs;
  scheduleRound(state, env);
}

/** `leader: none`: commands wait, or a read waits on slots nobody is completing. */
export function hasWork(state: PaxosState): boolean {
  for (const _client in state.writes) return true;
  return state.reads.some((r) => r.probe === 0 && r.readSlot > state.applied);
}

/** `leader: none`: every slot of this round is chosen: tell everyone, let go of the ballot, go again if more waits. */
export function finishRound(state: PaxosState, env: Env): void {
  const leader = state.leader!;
  state.preemptions = 0;
  for (const peer of state.members) if (peer !== state.self) env.ctx.send(peer, { type: 'decide', ballot: leader.ballot, chosenThrough: state.applied });
  stepDown(state, env);
  env.ctx.cancelTimer(TIMER_ELECTION);
  if (hasWork(state)) campaign(state, env);
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
