/**
 * Client requests. Followers redirect to the leader they know. The leader appends writes (and, in
 * `log` read mode, reads) and answers once they apply; other reads go through ReadIndex (a
 * heartbeat round acknowledged by a majority, then the read index applied) or a lease.
 */
import type { ClientRequest } from '../../core/ops.js';
import { cachedResult, readValue } from './kv.js';
import { append, commandHash, lastIndex } from './log.js';
import { advanceCommit, broadcastAppend, serveReads, startRound } from './replication.js';
import { persist } from './roles.js';
import type { Env, KvCommand, RaftState } from './types.js';

export function onClientRequest(state: RaftState, env: Env, req: ClientRequest): void {
  const ctx = env.ctx;
  const leader = state.leader;
  if (leader === null) {
    const to = state.leaderId !== null && state.leaderId !== state.self ? state.leaderId : undefined;
    ctx.reply(req.id, to === undefined ? { type: 'redirect', error: `${state.self} is not the leader` } : { type: 'redirect', to, error: `${state.self} is not the leader` });
    return;
  }
  const cached = cachedResult(state.kv, req.client, req.seq);
  if (cached !== undefined) {
    ctx.reply(req.id, cached);
    return;
  }
  for (const waiting of leader.pendingWrites) {
    if (waiting.client !== req.client || waiting.seq !== req.seq) continue;
    waiting.requestId = req.id; // a retry of an op already in the log: answer this attempt
    return;
  }
  if (leader.transfer !== null) {
    ctx.reply(req.id, { type: 'redirect', to: leader.transfer.to, error: 'leadership is being transferred' });
    return;
  }
  if (leader.pendingWrites.length + leader.pendingReads.length >= env.options.maxPendingRequests) {
    ctx.reply(req.id, { type: 'fail', error: 'overloaded: too many pending requests' });
    return;
  }
  if (req.op.f === 'read' && env.options.reads !== 'log') {
    read(state, env, req);
    return;
  }
  const op = req.op;
  const command: KvCommand = { client: req.client, seq: req.seq, op: op.key === undefined ? { f: op.f, value: op.value } : { f: op.f, value: op.value, key: op.key } };
  const index = lastIndex(state.log) + 1;
  append(state.log, { kind: 'command', index, term: state.currentTerm, command, hash: commandHash(command) });
  persist(state, env);
  leader.pendingWrites.push({ requestId: req.id, client: req.client, seq: req.seq, index, term: state.currentTerm });
  broadcastAppend(state, env);
  advanceCommit(state, env);
}

function read(state: RaftState, env: Env, req: ClientRequest): void {
  const leader = state.leader!;
  const key = req.op.key;
  if (env.flaws.staleRead) {
    env.ctx.reply(req.id, { type: 'ok', value: readValue(state.kv, key) });
    return;
  }
  const ownTermCommitted = state.commitIndex >= leader.termStartIndex;
  if (env.options.reads === 'lease' && ownTermCommitted && env.ctx.now() < leader.leaseUntilUs) {
    // Everything committed is applied on a leader (it holds every entry), so local state is current.
    env.ctx.reply(req.id, { type: 'ok', value: readValue(state.kv, key) });
    return;
  }
  // ReadIndex: wait for the current term's first entry to commit (before it, this leader may not
  // know the latest commit), then for a round started after the read arrived.
  leader.pendingReads.push({ requestId: req.id, key, readIndex: Math.max(state.commitIndex, leader.termStartIndex), round: leader.round + 1 });
  startRound(state, env);
  serveReads(state, env);
}
