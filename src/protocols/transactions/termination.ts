/**
 * What a participant does while it waits: idle transactions it never voted for are aborted on its
 * own (safe: nobody can have committed them); a participant in doubt asks.
 *
 * 2PC: it asks the coordinator, and with cooperative termination the other participants too. An
 * answer of committed or aborted settles it; a participant that has not voted aborts and says so.
 * While every one of them is in doubt and the coordinator is silent, it stays blocked, holding its
 * locks: that is 2PC's price, and the non-blocking check measures it.
 *
 * 3PC: a participant that times out runs the termination protocol as a new coordinator: it gathers
 * the others' states; any committed or aborted decides; if anyone (itself included) is
 * precommitted it moves the uncertain ones to precommitted and then commits; if all are uncertain
 * it aborts. Participants that do not answer in time are presumed crashed — right when they have,
 * wrong when a partition only hides them, which is how 3PC loses atomicity.
 */
import type { NodeId } from '../../core/ids.js';
import { answerAsCoordinator } from './coordinator.js';
import { abortActive, finish, peersOf, stateOf } from './participant.js';
import { sendDurable } from './pair.js';
import { membersOf, shardOfNode } from './shard-map.js';
import { persist } from './store.js';
import type { Ctx, Decision, Env, ParticipantAnswer, PartTxn, PreparedRecord, TxMsg, TxState } from './types.js';

type Msg<T extends TxMsg['type']> = Extract<TxMsg, { type: T }>;

export function participantTick(state: TxState, ctx: Ctx, env: Env): void {
  const now = ctx.now();
  const o = env.options;
  for (const txn of [...state.txns.values()]) {
    if (txn.status === 'active') {
      if (now - txn.lastUs >= o.idleTimeout) {
        ctx.note('idle-abort', { txn: txn.id });
        abortActive(state, txn, ctx, env);
      }
      continue;
    }
    const record = txn.record!;
    if (now - txn.lastUs < o.decisionTimeout) continue;
    if (env.flaws.unilateralAbort) {
      ctx.note('unilateral-abort', { txn: txn.id, inDoubtUs: now - txn.doubtSinceUs });
      finish(state, txn, 'abort', ctx, env);
      continue;
    }
    if (o.commit === '2pc') {
      if (now - txn.askedUs < o.decisionTimeout) continue;
      txn.askedUs = now;
      askCoordinator(state, txn, ctx);
      if (o.termination === 'cooperative') for (const peer of peersOf(state, record)) ctx.send(peer, { type: 'state-req', txn: txn.id, toCoordinator: false });
      continue;
    }
    const round = txn.round;
    if (round === null) startRound(state, txn, record, ctx);
    else if (now - round.startedUs >= o.terminationTimeout) {
      if (round.phase === 'collect') conclude(state, txn, ctx, env);
      else decideAll(state, txn, 'commit', ctx, env);
    }
  }
}

/**
 * Asks the transaction's coordinator for its decision: the node, or with primary-backup shards both
 * nodes of its shard (its log moved to the backup if it took over).
 */
function askCoordinator(state: TxState, txn: PartTxn, ctx: Ctx): void {
  const shard = state.repl === null ? undefined : shardOfNode(state.map, txn.coord);
  const msg: TxMsg = { type: 'state-req', txn: txn.id, toCoordinator: true, ...(txn.coordTerm === undefined ? {} : { coordTerm: txn.coordTerm }) };
  for (const node of shard === undefined ? [txn.coord] : membersOf(state.map, shard)) ctx.send(node, msg);
}

function startRound(state: TxState, txn: PartTxn, record: PreparedRecord, ctx: Ctx): void {
  const now = ctx.now();
  txn.round = { startedUs: now, phase: 'collect', states: {}, acks: [] };
  txn.askedUs = now;
  ctx.note('termination-round', { txn: txn.id, status: txn.status });
  askCoordinator(state, txn, ctx);
  for (const peer of peersOf(state, record)) ctx.send(peer, { type: 'state-req', txn: txn.id, toCoordinator: false });
}

/** A state request: answered as the coordinator, or as a fellow participant. */
export function onStateReq(state: TxState, from: NodeId, msg: Msg<'state-req'>, ctx: Ctx, env: Env): void {
  if (msg.toCoordinator) {
    answerAsCoordinator(state, from, msg.txn, ctx, env, msg.coordTerm);
    return;
  }
  const txn = state.txns.get(msg.txn);
  if (txn !== undefined && txn.status === 'active') {
    // It never voted here, so nobody committed it: abort it now and say so.
    abortActive(state, txn, ctx, env);
  }
  const answer = stateOf(state, msg.txn);
  // Held until the backup confirms: a primary deposed without knowing it may have applied a
  // presumed abort its successor's coordinator log no longer contradicts, and must not spread it.
  sendDurable(state, from, { type: 'state', txn: msg.txn, state: answer === 'active' ? 'aborted' : answer, fromCoordinator: false }, ctx);
}

/** An answer about a transaction this participant is in doubt about. */
export function onState(state: TxState, from: NodeId, msg: Msg<'state'>, ctx: Ctx, env: Env): void {
  const txn = state.txns.get(msg.txn);
  if (txn === undefined || txn.status === 'active') return;
  if (msg.state === 'committed' || msg.state === 'aborted') {
    const decision: Decision = msg.state === 'committed' ? 'commit' : 'abort';
    if (env.options.commit === '3pc' && txn.round !== null) decideAll(state, txn, decision, ctx, env);
    else finish(state, txn, decision, ctx, env);
    return;
  }
  const round = txn.round;
  if (round === null || round.phase !== 'collect' || msg.fromCoordinator) return;
  const shard = shardOfNode(state.map, from);
  if (shard === undefined) return;
  round.states[shard] = msg.state;
  const peers = txn.record!.participants.filter((s) => s !== state.shard);
  if (peers.every((s) => round.states[s] !== undefined)) conclude(state, txn, ctx, env);
}

/** 3PC: the states are in (or the time is up). */
function conclude(state: TxState, txn: PartTxn, ctx: Ctx, env: Env): void {
  const round = txn.round!;
  const states: ParticipantAnswer[] = Object.values(round.states);
  if (states.includes('committed')) return decideAll(state, txn, 'commit', ctx, env);
  if (states.includes('aborted')) return decideAll(state, txn, 'abort', ctx, env);
  if (txn.status !== 'precommitted' && !states.includes('precommitted')) return decideAll(state, txn, 'abort', ctx, env);
  // Someone is precommitted: nobody can have aborted. Bring the uncertain along, then commit.
  if (txn.status === 'prepared') {
    txn.status = 'precommitted';
    txn.record = Object.freeze({ ...txn.record!, status: 'precommitted' }) as PreparedRecord;
    persist(state, ctx);
  }
  const uncertain = Object.keys(round.states).filter((s) => round.states[s] === 'prepared');
  if (uncertain.length === 0) return decideAll(state, txn, 'commit', ctx, env);
  txn.round = { startedUs: ctx.now(), phase: 'precommit', states: round.states, acks: [] };
  for (const shard of uncertain) for (const node of membersOf(state.map, shard)) ctx.send(node, { type: 'precommit', txn: txn.id });
}

/** 3PC termination: a precommit acknowledgement from an uncertain participant. */
export function onPrecommitAckAsParticipant(state: TxState, from: NodeId, msg: Msg<'precommit-ack'>, ctx: Ctx, env: Env): void {
  const txn = state.txns.get(msg.txn);
  const round = txn?.round;
  if (txn === undefined || round === null || round === undefined || round.phase !== 'precommit') return;
  const shard = shardOfNode(state.map, from);
  if (shard !== undefined && !round.acks.includes(shard)) round.acks.push(shard);
  const uncertain = Object.keys(round.states).filter((s) => round.states[s] === 'prepared');
  if (uncertain.every((s) => round.acks.includes(s))) decideAll(state, txn, 'commit', ctx, env);
}

/** Decides here and tells every other participant. */
function decideAll(state: TxState, txn: PartTxn, decision: Decision, ctx: Ctx, env: Env): void {
  const peers = peersOf(state, txn.record!);
  ctx.note('termination-decides', { txn: txn.id, decision });
  finish(state, txn, decision, ctx, env);
  for (const peer of peers) sendDurable(state, peer, { type: 'decide', txn: txn.id, decision }, ctx);
}
