/**
 * Log shipping. The primary appends each write to its log and pushes the entry to every replica;
 * a replica that finds a gap (it missed pushes: loss, a partition, a restart) pulls from its last
 * sequence number, and one whose log diverged pulls from the start of the diverging epoch run.
 * Replicas apply in order and confirm the prefix they hold; the primary acknowledges a write
 * when the mode's confirmations are in:
 *   async: none; semi-sync: k replicas (or none once fallen back to async); sync: every replica.
 */
import type { ClientRequest } from '../../core/ops.js';
import type { NodeId } from '../../core/ids.js';
import { answer } from './client-epochs.js';
import { confirmedThrough, releaseConfirmed } from '../common/confirmations.js';
import { adoptEpoch, becomeReplica, rankOf } from './fencing.js';
import { applyThrough, epochAt, lastEpoch, latestValue, persist, sameValue, truncateLog } from './kv.js';
import { grantLease, leaseStamp, onLeaseAck } from './lease.js';
import { TIMER_SEMI_SYNC, type Ctx, type Env, type LogEntry, type MsMsg, type MsState } from './types.js';

type AppendMsg = Extract<MsMsg, { type: 'append' }>;

// ------------------------------------------------------------------ primary side

/** Handles a write or cas at the primary. */
export function appendWrite(state: MsState, req: ClientRequest, ctx: Ctx, env: Env): void {
  if (state.pending.length >= env.options.maxPendingWrites) {
    answer(state, ctx, env, req.id, { type: 'fail', error: `${state.pending.length} writes already wait for replica confirmations` });
    return;
  }
  const key = req.op.key ?? '';
  let value: unknown;
  if (req.op.f === 'cas') {
    const arg = req.op.value;
    if (!Array.isArray(arg) || arg.length !== 2) {
      answer(state, ctx, env, req.id, { type: 'fail', error: 'cas takes [expected, new]' });
      return;
    }
    // Decided on the whole log, confirmed or not: the log order is the order of effects.
    const current = latestValue(state, key);
    if (!sameValue(current, arg[0])) {
      answer(state, ctx, env, req.id, { type: 'fail', error: `cas mismatch: ${key} is ${JSON.stringify(current)}` });
      return;
    }
    value = arg[1];
  } else {
    value = req.op.value;
  }
  const entry: LogEntry = { epoch: state.epoch, key, value };
  state.log.push(entry);
  const seq = state.log.length;
  persist(state, ctx);
  for (const peer of ctx.peers) {
    ctx.send(peer, { type: 'append', epoch: state.epoch, prevSeq: seq - 1, prevEpoch: epochAt(state, seq - 1), entries: [entry], primaryLastSeq: seq, ...leaseStamp(ctx, env) });
  }
  state.pending.push({ requestId: req.id, seq, sinceUs: ctx.now() });
  if (state.pending.length === 1 && env.options.mode === 'semi-sync' && env.options.semiSyncTimeoutUs !== undefined && !state.degraded) {
    ctx.setTimer(TIMER_SEMI_SYNC, env.options.semiSyncTimeoutUs);
  }
  advanceConfirmations(state, ctx, env);
}

/** Replica confirmations a write needs right now. */
export function requiredConfirmations(state: MsState, env: Env, replicas: number): number {
  switch (env.options.mode) {
    case 'async':
      return 0;
    case 'semi-sync':
      return state.degraded ? 0 : Math.min(env.options.k, replicas);
    case 'sync':
      return replicas;
  }
}

/** The highest sequence number the mode considers confirmed. */
export function confirmedSeq(state: MsState, ctx: Ctx, env: Env): number {
  const required = requiredConfirmations(state, env, ctx.peers.length);
  return confirmedThrough(state.log.length, ctx.peers.map((p) => state.matchSeq[p] ?? 0), required);
}

/** Makes confirmed entries visible and acknowledges the writes they carry, in log order. */
export function advanceConfirmations(state: MsState, ctx: Ctx, env: Env): void {
  const confirmed = confirmedSeq(state, ctx, env);
  applyThrough(state, confirmed);
  releaseConfirmed(state.pending, confirmed, (done) => {
    state.acks++;
    answer(state, ctx, env, done.requestId, { type: 'ok' });
  });
  if (state.degraded) {
    // MySQL turns semi-sync back on once enough replicas have caught up.
    const caughtUp = ctx.peers.filter((p) => (state.matchSeq[p] ?? 0) >= state.log.length).length;
    if (caughtUp >= Math.min(env.options.k, ctx.peers.length)) {
      state.degraded = false;
      ctx.note('semi-sync-on', { caughtUp, lastSeq: state.log.length });
    }
  }
}

/** The semi-sync wait timer: the oldest write waited too long, so fall back to async. */
export function onSemiSyncTimer(state: MsState, ctx: Ctx, env: Env): void {
  const timeoutUs = env.options.semiSyncTimeoutUs;
  const oldest = state.pending[0];
  if (state.role !== 'primary' || timeoutUs === undefined || oldest === undefined || state.degraded) return;
  const waitedUs = ctx.now() - oldest.sinceUs;
  if (waitedUs < timeoutUs) {
    ctx.setTimer(TIMER_SEMI_SYNC, timeoutUs - waitedUs);
    return;
  }
  state.degraded = true;
  ctx.note('semi-sync-off', { waitedUs, unconfirmed: state.pending.length });
  advanceConfirmations(state, ctx, env);
}

export function sendHeartbeats(state: MsState, ctx: Ctx, env: Env): void {
  const last = state.log.length;
  for (const peer of ctx.peers) {
    ctx.send(peer, { type: 'append', epoch: state.epoch, prevSeq: last, prevEpoch: lastEpoch(state), entries: [], primaryLastSeq: last, ...leaseStamp(ctx, env) });
  }
}

export function onPull(state: MsState, from: NodeId, msg: Extract<MsMsg, { type: 'pull' }>, ctx: Ctx, env: Env): void {
  if (msg.epoch > state.epoch) {
    adoptEpoch(state, msg.epoch, null, ctx, env);
    return;
  }
  if (state.role !== 'primary') return;
  // A replica may hold more than we do (a divergent suffix): answer from our end, it truncates.
  const fromSeq = Math.max(1, Math.min(msg.fromSeq, state.log.length + 1));
  const prevSeq = fromSeq - 1;
  ctx.send(from, {
    type: 'append',
    epoch: state.epoch,
    prevSeq,
    prevEpoch: epochAt(state, prevSeq),
    entries: state.log.slice(prevSeq, prevSeq + env.options.maxBatch),
    primaryLastSeq: state.log.length,
    ...leaseStamp(ctx, env),
  });
}

export function onAck(state: MsState, from: NodeId, msg: Extract<MsMsg, { type: 'ack' }>, ctx: Ctx, env: Env): void {
  if (msg.epoch > state.epoch) {
    adoptEpoch(state, msg.epoch, null, ctx, env);
    return;
  }
  if (state.role !== 'primary' || msg.epoch !== state.epoch) return;
  onLeaseAck(state, from, msg.leaseSentUs);
  const seq = Math.min(msg.matchSeq, state.log.length);
  if (seq <= (state.matchSeq[from] ?? 0)) return;
  state.matchSeq[from] = seq;
  advanceConfirmations(state, ctx, env);
}

// ------------------------------------------------------------------ replica side

/** Push, heartbeat or catch-up batch from a primary. */
export function onAppend(state: MsState, from: NodeId, msg: AppendMsg, ctx: Ctx, env: Env): void {
  if (msg.epoch < state.epoch) {
    // Fencing: tell the old primary which epoch it lost.
    ctx.send(from, { type: 'stale', epoch: state.epoch, primary: state.primary });
    return;
  }
  let dirty = false;
  if (msg.epoch > state.epoch) {
    adoptEpoch(state, msg.epoch, from, ctx, env);
  } else if (state.role === 'primary') {
    // Two primaries in one epoch: only naive promotion produces it (the invariant reports it).
    // The lower-ranked member keeps the role so that the cluster settles on one log.
    if (rankOf(ctx, ctx.self) < rankOf(ctx, from)) return;
    becomeReplica(state, from, ctx, env, `${from} is primary of epoch ${msg.epoch} too`);
    dirty = true;
  } else if (state.role === 'candidate' || state.primary !== from) {
    becomeReplica(state, from, ctx, env, `${from} is primary of epoch ${msg.epoch}`);
    dirty = true;
  }
  state.lastHeardUs = ctx.now();

  const last = state.log.length;
  if (msg.prevSeq > last) {
    if (dirty) persist(state, ctx);
    leaseOnlyAck(state, from, msg, ctx, env);
    requestPull(state, last + 1, ctx, env);
    return;
  }
  if (epochAt(state, msg.prevSeq) !== msg.prevEpoch) {
    if (dirty) persist(state, ctx);
    leaseOnlyAck(state, from, msg, ctx, env);
    requestPull(state, runStart(state, msg.prevSeq), ctx, env);
    return;
  }
  for (let i = 0; i < msg.entries.length; i++) {
    const entry = msg.entries[i]!;
    const seq = msg.prevSeq + 1 + i;
    const existing = state.log[seq - 1];
    if (existing !== undefined) {
      if (existing.epoch === entry.epoch && existing.key === entry.key && sameValue(existing.value, entry.value)) continue;
      noteTruncation(state, seq - 1, ctx, 'conflict');
    }
    state.log.push(entry);
    dirty = true;
  }
  const matched = msg.prevSeq + msg.entries.length;
  if (matched >= msg.primaryLastSeq) {
    // We hold all the primary held when it sent this. Later entries of this epoch are newer pushes
    // that overtook this message; an entry of another epoch after them never was the primary's.
    let keep = matched;
    while (keep < state.log.length && state.log[keep]!.epoch === msg.epoch) keep++;
    if (keep < state.log.length) {
      noteTruncation(state, keep, ctx, 'divergent suffix');
      dirty = true;
    }
  }
  if (matched > state.verifiedSeq) state.verifiedSeq = matched;
  applyThrough(state, state.log.length);
  if (dirty) persist(state, ctx);
  ctx.send(from, { type: 'ack', epoch: state.epoch, matchSeq: state.verifiedSeq, ...grantLease(state, msg, ctx, env) });
  if (state.verifiedSeq < msg.primaryLastSeq && matched < msg.primaryLastSeq) requestPull(state, state.verifiedSeq + 1, ctx, env);
}

/**
 * Read lease: a replica that cannot take this append yet (a gap, a diverged log) still renews the
 * lease of the primary it follows, confirming only the prefix it already verified. Without a lease
 * it stays silent, as before.
 */
function leaseOnlyAck(state: MsState, from: NodeId, msg: AppendMsg, ctx: Ctx, env: Env): void {
  if (env.options.readLease === undefined || msg.leaseSentUs === undefined) return;
  ctx.send(from, { type: 'ack', epoch: state.epoch, matchSeq: state.verifiedSeq, ...grantLease(state, msg, ctx, env) });
}

/** Asks the primary for entries from `fromSeq`, at most once per two heartbeats for one position. */
function requestPull(state: MsState, fromSeq: number, ctx: Ctx, env: Env): void {
  if (state.primary === null || state.primary === ctx.self) return;
  const now = ctx.now();
  if (state.pullFromSeq === fromSeq && now - state.pullSentUs < 2 * env.options.heartbeatUs) return;
  state.pullFromSeq = fromSeq;
  state.pullSentUs = now;
  ctx.send(state.primary, { type: 'pull', epoch: state.epoch, fromSeq });
}

/** The first sequence number of the run of same-epoch entries that contains `seq`. */
function runStart(state: MsState, seq: number): number {
  const epoch = epochAt(state, seq);
  let start = seq;
  while (start > 1 && state.log[start - 2]!.epoch === epoch) start--;
  return start;
}

function noteTruncation(state: MsState, length: number, ctx: Ctx, why: string): void {
  const dropped = truncateLog(state, length);
  if (dropped.length > 0) {
    ctx.note('truncate', { why, keptThroughSeq: length, dropped: dropped.length, epochs: [...new Set(dropped.map((e) => e.epoch))] });
  }
}
