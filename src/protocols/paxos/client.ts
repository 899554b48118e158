/**
 * Client requests. With a stable leader, other nodes redirect to it (quorum reads excepted: any
 * node serves them). With `leader: none` every node proposes: the command waits for this node's
 * next round (phase 1 and phase 2).
 */
import type { ClientRequest } from '../../core/ops.js';
import { cachedResult, commandOf } from '../common/kv-machine.js';
import { chooseAlone, propose } from './proposer.js';
import { scheduleRound } from './rounds.js';
import { leaseRead, quorumRead } from './reads.js';
import { commandValue } from './slots.js';
import type { Env, PaxosState } from './types.js';

export function onClientRequest(state: PaxosState, env: Env, req: ClientRequest): void {
  const ctx = env.ctx;
  const stable = env.options.leader === 'stable';
  const isRead = req.op.f === 'read';
  if (isRead && env.options.reads === 'quorum') {
    if (state.reads.length >= env.options.maxPendingRequests) ctx.reply(req.id, { type: 'fail', error: 'overloaded: too many pending reads' });
    else quorumRead(state, env, req);
    return;
  }
  if (stable && state.leader === null) {
    const to = state.leaderId !== null && state.leaderId !== state.self ? state.leaderId : undefined;
    ctx.reply(req.id, to === undefined ? { type: 'redirect', error: `${state.self} is not the leader` } : { type: 'redirect', to, error: `${state.self} is not the leader` });
    return;
  }
  const cached = cachedResult(state.kv, req.client, req.seq);
  if (cached !== undefined) {
    ctx.reply(req.id, cached);
    return;
  }
  const waiting = state.writes[req.client];
  if (waiting !== undefined && waiting.seq === req.seq) {
    waiting.requestId = req.id; // a retry of a command already waiting: answer this attempt
    return;
  }
  if (Object.keys(state.writes).length + state.reads.length >= env.options.maxPendingRequests) {
    ctx.reply(req.id, { type: 'fail', error: 'overloaded: too many pending requests' });
    return;
  }
  if (isRead && env.options.reads === 'lease' && leaseRead(state, env, req)) return;
  const command = commandOf(req);
  state.writes[req.client] = { requestId: req.id, seq: req.seq, command, proposed: stable };
  if (stable) {
    propose(state, env, commandValue(command), true);
    chooseAlone(state, env);
    return;
  }
  // `leader: none`: the next round takes it (now, unless a round runs or this node backs off).
  scheduleRound(state, env);
}
