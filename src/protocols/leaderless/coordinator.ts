/**
 * The coordinator: whichever node the client reached. A write is minted here (a delta: timestamp,
 * version or dot) and sent to the key's N replicas; it is acknowledged after W acks, else `info`
 * at the deadline (it may have landed on some replicas). A read asks the replicas, answers after R
 * replies with their merge (siblings and all), and afterwards repairs the replicas that were behind.
 * This node counts as one of the replicas when it is one, without a network hop.
 */
import type { NodeId } from '../../core/ids.js';
import type { ClientRequest } from '../../core/ops.js';
import { mergeVersions } from '../common/version-vector.js';
import { clientValue, mergeOptional, mintUpdate, objectKindFor, objectVersions, sameObject, type ReplicatedObject } from '../crdt/object.js';
import type { LeaderlessOptions } from './options.js';
import { chooseTargets, heardFrom, nextFallback, suspect } from './placement.js';
import { applyPut, applyRepair, persist, readLocal, storeHint, type Ctx } from './replica.js';
import { SINGLE_OBJECT_KEY, type LeaderlessState, type PendingOp, type Target } from './types.js';

const REPLICA_TIMER = 'replica-timeout:';
const DEADLINE_TIMER = 'deadline:';

export function isCoordinatorTimer(name: string): boolean {
  return name.startsWith(REPLICA_TIMER) || name.startsWith(DEADLINE_TIMER);
}

/** Bound on operations one node coordinates at once; beyond it new ones fail at once. */
const MAX_PENDING = 10_000;

export function onRequest(state: LeaderlessState, req: ClientRequest, ctx: Ctx, options: LeaderlessOptions): void {
  const { f } = req.op;
  const key = options.model === 'kv' ? (req.op.key ?? SINGLE_OBJECT_KEY) : SINGLE_OBJECT_KEY;
  const updates = options.model === 'kv' ? f === 'write' : f === 'add';
  if (f !== 'read' && !updates) {
    ctx.reply(req.id, { type: 'fail', error: `leaderless ${options.model} does not support ${f}${f === 'cas' ? ' (no single order to compare against)' : ''}` });
    return;
  }
  if (Object.keys(state.pending).length >= MAX_PENDING) {
    ctx.reply(req.id, { type: 'fail', error: 'overloaded: too many operations in flight' });
    return;
  }
  const id = `${state.opPrefix}${state.nextOp++}`;
  const targets = chooseTargets(state, key, ctx.now(), options);
  if (f === 'read') {
    const op: PendingOp = { kind: 'read', requestId: req.id, key, targets, responses: [], acks: 0, replied: false };
    state.pending[id] = op;
    for (const t of targets) {
      if (t.node === state.self) recordRead(state, id, op, t, readLocal(state, key), ctx, options);
      else ctx.send(t.node, { type: 'get', op: id, key });
    }
  } else {
    // `versioning` is for kv; a counter is a PN-Counter and a set an OR-Set whatever it says (an
    // MV register of whole sets would let a coordinator that holds no replica mint an add that
    // supersedes its own earlier adds).
    const kind = objectKindFor(options.model, options.model !== 'kv' ? 'crdt' : options.versioning === 'lww' ? 'lww' : 'version-vector');
    const delta = mintUpdate({ kind, model: options.model, argument: req.op.value, local: state.store[key], seen: state.seen[key] ?? {}, self: state.self, nowUs: ctx.now() }, state.minter);
    persist(state, ctx); // the minter moved: a restart must never mint the same version again
    const op: PendingOp = { kind: 'write', requestId: req.id, key, targets, delta, ackValue: req.op.value, responses: [], acks: 0, replied: false };
    state.pending[id] = op;
    for (const t of targets) sendPut(state, id, op, t, ctx, options);
  }
  if (state.pending[id] !== undefined) {
    ctx.setTimer(`${REPLICA_TIMER}${id}`, options.replicaTimeoutUs);
    ctx.setTimer(`${DEADLINE_TIMER}${id}`, options.requestTimeoutUs);
  }
}

function sendPut(state: LeaderlessState, id: string, op: PendingOp, t: Target, ctx: Ctx, options: LeaderlessOptions): void {
  if (t.node === state.self) {
    if (applyPut(state, op.key, op.delta!, t.hintFor, ctx, options)) recordAck(state, id, op, t, ctx, options);
    return;
  }
  ctx.send(t.node, t.hintFor === undefined ? { type: 'put', op: id, key: op.key, obj: op.delta! } : { type: 'put', op: id, key: op.key, obj: op.delta!, hintFor: t.hintFor });
}

export function onPutAck(state: LeaderlessState, from: NodeId, id: string, ctx: Ctx, options: LeaderlessOptions): void {
  heardFrom(state, from);
  const op = state.pending[id];
  if (op === undefined || op.kind !== 'write') return;
  const t = op.targets.find((x) => x.node === from && !x.answered);
  if (t !== undefined) recordAck(state, id, op, t, ctx, options);
}

function recordAck(state: LeaderlessState, id: string, op: PendingOp, t: Target, ctx: Ctx, options: LeaderlessOptions): void {
  t.answered = true;
  op.acks++;
  if (!op.replied && op.acks >= Math.min(options.W, op.targets.length)) {
    op.replied = true;
    ctx.reply(op.requestId, { type: 'ok', value: op.ackValue });
  }
  if (op.targets.every((x) => x.answered)) finish(state, id, ctx);
}

export function onGetReply(state: LeaderlessState, from: NodeId, id: string, obj: ReplicatedObject | null, ctx: Ctx, options: LeaderlessOptions): void {
  heardFrom(state, from);
  const op = state.pending[id];
  if (op === undefined || op.kind !== 'read') return;
  const t = op.targets.find((x) => x.node === from && !x.answered);
  if (t !== undefined) recordRead(state, id, op, t, obj, ctx, options);
}

function recordRead(state: LeaderlessState, id: string, op: PendingOp, t: Target, obj: ReplicatedObject | null, ctx: Ctx, options: LeaderlessOptions): void {
  t.answered = true;
  op.responses.push(t.hintFor === undefined ? { node: t.node, obj } : { node: t.node, hintFor: t.hintFor, obj });
  if (!op.replied && op.responses.length >= Math.min(options.R, op.targets.length)) {
    op.replied = true;
    const merged = mergedResponses(op);
    if (merged !== undefined && options.model === 'kv') state.seen[op.key] = mergeVersions(state.seen[op.key] ?? {}, objectVersions(merged));
    ctx.reply(op.requestId, { type: 'ok', value: clientValue(merged, options.model) });
  }
  if (op.targets.every((x) => x.answered)) finish(state, id, ctx, options);
}

function mergedResponses(op: PendingOp): ReplicatedObject | undefined {
  let merged: ReplicatedObject | undefined;
  for (const r of op.responses) if (r.obj !== null) merged = mergeOptional(merged, r.obj);
  return merged;
}

/** Read repair: every responding home replica that was behind the merge gets it. */
function readRepair(state: LeaderlessState, op: PendingOp, ctx: Ctx, options: LeaderlessOptions): void {
  const merged = mergedResponses(op);
  if (merged === undefined) return;
  for (const r of op.responses) {
    const home = r.hintFor ?? r.node;
    if (home !== r.node || sameObject(r.obj ?? undefined, merged)) continue;
    if (home === state.self) applyRepair(state, op.key, merged, ctx, options);
    else ctx.send(home, { type: 'repair', key: op.key, obj: merged });
  }
}

function finish(state: LeaderlessState, id: string, ctx: Ctx, options?: LeaderlessOptions): void {
  const op = state.pending[id];
  if (op === undefined) return;
  delete state.pending[id];
  ctx.cancelTimer(`${REPLICA_TIMER}${id}`);
  ctx.cancelTimer(`${DEADLINE_TIMER}${id}`);
  if (op.kind === 'read' && options !== undefined && options.readRepair) readRepair(state, op, ctx, options);
}

export function onCoordinatorTimer(state: LeaderlessState, name: string, ctx: Ctx, options: LeaderlessOptions): void {
  if (name.startsWith(REPLICA_TIMER)) {
    const id = name.slice(REPLICA_TIMER.length);
    const op = state.pending[id];
    if (op === undefined) return;
    onReplicaTimeout(state, id, op, ctx, options);
    return;
  }
  const id = name.slice(DEADLINE_TIMER.length);
  const op = state.pending[id];
  if (op === undefined) return;
  for (const t of op.targets) if (!t.answered) suspect(state, t.node, ctx.now(), options);
  if (!op.replied) {
    op.replied = true;
    if (op.kind === 'write') ctx.reply(op.requestId, { type: 'info', error: `timeout: ${op.acks} of W=${options.W} acks (the write may have landed on some replicas)` });
    else ctx.reply(op.requestId, { type: 'fail', error: `timeout: ${op.responses.length} of R=${options.R} replies` });
  }
  finish(state, id, ctx, options);
}

/**
 * Replicas silent this long are suspected. With a sloppy quorum the operation also asks the next
 * healthy fallback for each silent replica (writes leave a hint there).
 */
function onReplicaTimeout(state: LeaderlessState, id: string, op: PendingOp, ctx: Ctx, options: LeaderlessOptions): void {
  const now = ctx.now();
  const silent = op.targets.filter((t) => !t.answered);
  for (const t of silent) suspect(state, t.node, now, options);
  // A write keeps going after W acks: the point is N copies, one per replica or its stand-in, so
  // that handoff can complete the silent replicas later. A read that has its answer is done.
  const uncovered: Target[] = [];
  if (options.sloppyQuorum && !(op.kind === 'read' && op.replied)) {
    for (const t of silent) {
      const fallback = nextFallback(state, op.key, op.targets, now, options);
      if (fallback === undefined) uncovered.push(t);
      else askFallback(state, id, op, t, fallback, ctx, options);
    }
  } else uncovered.push(...silent);
  // No stand-in reachable (or no sloppy quorum): the coordinator itself keeps a hint for each silent
  // replica, as Cassandra does. It does not count toward W; it only lets handoff finish the job.
  if (op.kind === 'write' && options.hintedHandoff) {
    let kept = false;
    for (const t of uncovered) kept = storeHint(state, t.hintFor ?? t.node, op.key, op.delta!, options) || kept;
    if (kept) persist(state, ctx);
  }
}

function askFallback(state: LeaderlessState, id: string, op: PendingOp, t: Target, fallback: NodeId, ctx: Ctx, options: LeaderlessOptions): void {
  const stand: Target = { node: fallback, hintFor: t.hintFor ?? t.node, answered: false };
  op.targets.push(stand);
  if (op.kind === 'write') sendPut(state, id, op, stand, ctx, options);
  else if (fallback === state.self) recordRead(state, id, op, stand, readLocal(state, op.key), ctx, options);
  else ctx.send(fallback, { type: 'get', op: id, key: op.key });
}
