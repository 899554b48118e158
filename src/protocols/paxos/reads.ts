/**
 * Answering clients: writes (and log reads) when their command applies; lease reads from a leader's
 * state once it completed the slots it learned of in phase 1; quorum reads (any node) once this
 * node applied through the highest slot any acceptor of a read quorum voted in. A read quorum
 * (nodes - phase2 + 1) meets every phase-2 quorum, so it sees the slot of every write already
 * acknowledged, chosen or still in flight.
 */
import type { NodeId } from '../../core/ids.js';
import type { ClientRequest, OpResult } from '../../core/ops.js';
import { readValue } from '../common/kv-machine.js';
import { requestCatchUp } from './learner.js';
import { maxAcceptedSlot } from './slots.js';
import { TIMER_ELECTION, TIMER_READS } from './timers.js';
import type { Env, Message, PaxosState, PendingRead } from './types.js';

type Msg<T extends Message['type']> = Extract<Message, { type: T }>;

/** Answers the client waiting for (client, seq), if any. */
export function answerWrite(state: PaxosState, env: Env, client: string, seq: number, result: OpResult): void {
  const w = state.writes[client];
  if (w === undefined || w.seq !== seq) return;
  delete state.writes[client];
  env.ctx.reply(w.requestId, result);
}

/** A stable leader steps down: proposed commands may still be chosen (`info`); the rest were never proposed. */
export function answerAllWrites(state: PaxosState, env: Env): void {
  const to = state.leaderId !== null && state.leaderId !== state.self ? state.leaderId : undefined;
  for (const client of Object.keys(state.writes)) {
    const w = state.writes[client]!;
    env.ctx.reply(
      w.requestId,
      w.proposed
        ? { type: 'info', error: `${state.self} lost its ballot; the command may still be chosen` }
        : to === undefined
          ? { type: 'redirect', error: `${state.self} lost its ballot` }
          : { type: 'redirect', to, error: `${state.self} lost its ballot` },
    );
  }
  state.writes = {};
}

/** A read the leader can answer from its state at once (lease reads); false to put it in the log. */
export function leaseRead(state: PaxosState, env: Env, req: ClientRequest): boolean {
  const leader = state.leader;
  if (leader === null || env.ctx.now() >= leader.leaseUntilUs) return false;
  // Slots an earlier leader may have had chosen (and acknowledged) must be applied first; the
  // flaw answers from what this node learned so far.
  if (state.applied < leader.completeThrough && !env.flaws.readWithoutCompletion) return false;
  env.ctx.reply(req.id, { type: 'ok', value: readValue(state.kv, req.op.key) });
  return true;
}

function readTimeoutUs(env: Env): number {
  return 2 * env.options.electionTimeoutMaxUs;
}

/** A quorum read: ask every acceptor for its highest voted slot; answer once applied through the quorum's highest. */
export function quorumRead(state: PaxosState, env: Env, req: ClientRequest): void {
  const ctx = env.ctx;
  const probe = ++state.nextProbe;
  const read: PendingRead = {
    requestId: req.id,
    key: req.op.key,
    probe,
    readSlot: env.flaws.readWithoutCompletion ? state.applied : maxAcceptedSlot(state),
    answered: [state.self],
    deadlineUs: ctx.now() + readTimeoutUs(env),
  };
  state.reads.push(read);
  if (state.reads.length === 1) ctx.setTimer(TIMER_READS, readTimeoutUs(env));
  for (const peer of state.members) if (peer !== state.self) ctx.send(peer, { type: 'read-probe', probe });
  probeProgress(state, env, read);
}

export function onReadProbe(state: PaxosState, env: Env, from: NodeId, msg: Msg<'read-probe'>): void {
  env.ctx.send(from, { type: 'read-reply', probe: msg.probe, maxAccepted: maxAcceptedSlot(state), applied: state.applied });
}

export function onReadReply(state: PaxosState, env: Env, from: NodeId, msg: Msg<'read-reply'>): void {
  const read = state.reads.find((r) => r.probe === msg.probe);
  if (msg.applied > state.applied) requestCatchUp(state, env, from);
  if (read === undefined || read.answered.includes(from)) return;
  read.answered.push(from);
  // The flaw waits only for what the quorum learned, not for what it voted for and may be chosen.
  const slot = env.flaws.readWithoutCompletion ? msg.applied : msg.maxAccepted;
  if (slot > read.readSlot) read.readSlot = slot;
  probeProgress(state, env, read);
}

function probeProgress(state: PaxosState, env: Env, read: PendingRead): void {
  if (read.answered.length < state.quorums.nodes - state.quorums.phase2 + 1) return;
  read.probe = 0;
  read.answered = [];
  // `leader: none`: nobody may be completing the slots the read waits for; a round will.
  if (env.options.leader === 'none' && read.readSlot > state.applied && state.role === 'follower') {
    const now = env.ctx.now();
    state.backoffUntilUs = Math.max(state.backoffUntilUs, now + env.options.heartbeatUs);
    env.ctx.setTimer(TIMER_ELECTION, state.backoffUntilUs - now);
  }
  serveReads(state, env);
}

/** Answers the reads whose slot is applied; gives up on those past their deadline. */
export function serveReads(state: PaxosState, env: Env): void {
  const reads = state.reads;
  if (reads.length === 0) return;
  const now = env.ctx.now();
  let kept = 0;
  for (let i = 0; i < reads.length; i++) {
    const read = reads[i]!;
    if (read.probe === 0 && state.applied >= read.readSlot) env.ctx.reply(read.requestId, { type: 'ok', value: readValue(state.kv, read.key) });
    // A read that was not served had no effect: `fail` is the truth.
    else if (now >= read.deadlineUs) env.ctx.reply(read.requestId, { type: 'fail', error: `read found no quorum or slot ${read.readSlot} was not chosen in time` });
    else reads[kept++] = read;
  }
  reads.length = kept;
}

export function onReadsTimer(state: PaxosState, env: Env): void {
  serveReads(state, env);
  if (state.reads.length > 0) env.ctx.setTimer(TIMER_READS, Math.max(1, state.reads[0]!.deadlineUs - env.ctx.now()));
}
