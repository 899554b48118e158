/**
 * The coordinator side: a client's transaction runs micro-op by micro-op at the shards that own
 * its keys (consecutive micro-ops on one shard go in one round trip), then commits atomically:
 *   2PC: PREPARE → votes → the decision, forced to the log before it is sent or acknowledged;
 *   3PC: PREPARE → votes → PRECOMMIT → acks → the decision.
 * Presumed abort (2PC): only commit decisions are logged, so a coordinator with no record of a
 * transaction answers "aborted". A 3PC coordinator cannot presume (participants may have committed
 * among themselves), so it answers what it knows or "unknown".
 */
import type { ClientRequest } from '../../core/ops.js';
import { formatUs } from '../../core/time.js';
import type { NodeId } from '../../core/ids.js';
import { adoptMap, lazyWrite } from './participant.js';
import { coordinatorCommitted, replyDurable, sendDurable, termNow } from './pair.js';
import { membersOf, nodeOfShard, shardOf, shardOfNode } from './shard-map.js';
import { persist } from './store.js';
import type { CoordTxn, Ctx, Env, Mop, ShardId, TxMsg, TxState, TxnId } from './types.js';

type Msg<T extends TxMsg['type']> = Extract<TxMsg, { type: T }>;

const MOP_NAMES = new Set(['append', 'r', 'w']);

/** The client's micro-ops, or a reason they are malformed. */
function parseTxn(value: unknown, env: Env): Mop[] | string {
  if (!Array.isArray(value) || value.length === 0) return 'a txn is a non-empty list of micro-ops [f key value]';
  const write = env.model === 'list-append' ? 'append' : 'w';
  for (const mop of value) {
    if (!Array.isArray(mop) || mop.length !== 3 || !MOP_NAMES.has(mop[0] as string)) return `not a micro-op: ${JSON.stringify(mop)}`;
    if (mop[0] !== 'r' && mop[0] !== write) return `${env.model} takes r and ${write}, not ${String(mop[0])}`;
    if (typeof mop[1] !== 'number' && typeof mop[1] !== 'string') return `a micro-op's key is a number or a string, got ${JSON.stringify(mop[1])}`;
  }
  return value as Mop[];
}

export function onClientRequest(state: TxState, req: ClientRequest, ctx: Ctx, env: Env): void {
  if (req.op.f !== 'txn') {
    ctx.reply(req.id, { type: 'fail', error: `transactions serve f: txn, not ${req.op.f}` });
    return;
  }
  const mops = parseTxn(req.op.value, env);
  if (typeof mops === 'string') {
    ctx.reply(req.id, { type: 'fail', error: mops });
    return;
  }
  const now = ctx.now();
  const id = `${ctx.self}/${req.id}`;
  if (state.coord.has(id)) return; // the same request again (a duplicated message): it is running
  // A read-only transaction's reads do not depend on one another: they run grouped by shard (one
  // round trip per shard, not per change of shard), in the client's order within each shard.
  const order = mops.every(([f]) => f === 'r') ? mops.map((_, i) => i).sort((a, b) => compareShards(shardOf(state.map, mops[a]![1]), shardOf(state.map, mops[b]![1])) || a - b) : null;
  const txn: CoordTxn = {
    id,
    requestId: req.id,
    priority: [now, id],
    order,
    mops: order === null ? mops : order.map((i) => mops[i]!),
    results: [],
    next: 0,
    seq: 0,
    awaiting: null,
    batch: 0,
    rounds: {},
    executors: {},
    reroutes: 0,
    phase: 'executing',
    participants: [],
    yes: [],
    acks: [],
    deadlineUs: now + env.options.txnTimeout,
    sentUs: now,
  };
  state.coord.set(id, txn);
  executeNext(state, txn, ctx);
}

/** Sends the next run of micro-ops that share a shard; when none is left, starts the vote. */
function executeNext(state: TxState, txn: CoordTxn, ctx: Ctx): void {
  if (txn.next >= txn.mops.length) {
    startVote(state, txn, ctx);
    return;
  }
  const shard = shardOf(state.map, txn.mops[txn.next]![1]);
  let end = txn.next + 1;
  while (end < txn.mops.length && shardOf(state.map, txn.mops[end]![1]) === shard) end++;
  if (!txn.participants.includes(shard)) txn.participants.push(shard);
  txn.seq++;
  txn.awaiting = shard;
  txn.batch = end - txn.next;
  sendExec(state, txn, ctx);
}

/** Sends the exec round in flight to the shard's primary; a retry goes to every node of the shard (its primary may have changed unseen). */
function sendExec(state: TxState, txn: CoordTxn, ctx: Ctx, retry = false): void {
  txn.sentUs = ctx.now();
  const shard = txn.awaiting!;
  const msg: TxMsg = {
    type: 'exec',
    txn: txn.id,
    coord: ctx.self,
    priority: txn.priority,
    seq: txn.seq,
    prior: txn.rounds[shard] ?? 0,
    mops: txn.mops.slice(txn.next, txn.next + txn.batch),
    map: state.map,
    ...(state.repl === null ? {} : { coordTerm: termNow(state) }),
  };
  // Later rounds go where the earlier ones ran (the map may have named another primary since: that
  // node lacks them and would refuse).
  const first = txn.executors[shard] ?? nodeOfShard(state.map, shard)!;
  for (const node of retry ? membersOf(state.map, shard) : [first]) ctx.send(node, msg);
}

export function onExecOk(state: TxState, from: NodeId, msg: Msg<'exec-ok'>, ctx: Ctx): void {
  const txn = state.coord.get(msg.txn);
  if (txn === undefined) {
    // An execution answered after this coordinator gave the transaction up (a slow link) or lost it
    // (a restart): the participant would hold its locks for nothing until its idle timeout. Not a
    // decision: the answer may be a stale duplicate of one whose transaction has since prepared
    // (and, under 3PC, committed without this coordinator), so the participant drops only an
    // execution that has not voted.
    ctx.send(from, { type: 'abandon', txn: msg.txn });
    return;
  }
  if (txn.phase !== 'executing' || msg.seq !== txn.seq) return;
  const shard = txn.awaiting!;
  const executor = txn.executors[shard];
  if (executor !== undefined && executor !== from) {
    // The shard's primary changed between rounds (a retry reached both nodes of the pair, and each
    // ran a round): neither holds the whole execution, so neither may prepare it.
    abort(state, txn, `${shard}'s micro-ops ran partly at ${executor}, partly at ${from} (its primary changed)`, ctx);
    return;
  }
  txn.executors[shard] = from;
  txn.results.push(...msg.results);
  txn.next += msg.results.length;
  txn.rounds[shard] = (txn.rounds[shard] ?? 0) + 1;
  txn.awaiting = null;
  executeNext(state, txn, ctx);
}

export function onExecFail(state: TxState, from: NodeId, msg: Msg<'exec-fail'>, ctx: Ctx): void {
  if (msg.map !== undefined) adoptMap(state, msg.map, ctx);
  const txn = state.coord.get(msg.txn);
  if (txn === undefined || txn.phase !== 'executing' || msg.seq !== txn.seq) return;
  const shard = txn.awaiting!;
  const moved = msg.map !== undefined && txn.mops.slice(txn.next, txn.next + txn.batch).some(([, key]) => shardOf(state.map, key) !== shard);
  // A primary-backup shard's former primary refused: its backup took over.
  const failedOver = msg.map !== undefined && state.repl !== null && nodeOfShard(state.map, shard) !== from;
  if ((moved || failedOver) && (txn.rounds[shard] ?? 0) === 0 && txn.reroutes < MAX_REROUTES) {
    // The keys moved (or their shard has a new primary), and the refusing node holds nothing of
    // this transaction yet: run the same micro-ops where the newer map puts them.
    txn.reroutes++;
    txn.participants.splice(txn.participants.indexOf(shard), 1);
    ctx.note('reroute', { txn: txn.id, from: shard, epoch: state.map.epoch });
    executeNext(state, txn, ctx);
    return;
  }
  abort(state, txn, msg.reason, ctx);
}

function compareShards(a: ShardId, b: ShardId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Items in the client's order again: `sorted[k]` is the client's item `order[k]`. */
function unsort<T>(sorted: readonly T[], order: readonly number[]): T[] {
  const out = new Array<T>(sorted.length);
  order.forEach((original, k) => (out[original] = sorted[k]!));
  return out;
}

/** Times one transaction follows a newer map before it gives up (maps only grow, so this is rare). */
const MAX_REROUTES = 3;

function startVote(state: TxState, txn: CoordTxn, ctx: Ctx): void {
  txn.phase = 'voting';
  txn.sentUs = ctx.now();
  for (const shard of txn.participants) ctx.send(txn.executors[shard]!, prepareFor(txn, shard));
}

/** The prepare for one participant: it names the execution the coordinator's results came from. */
function prepareFor(txn: CoordTxn, shard: ShardId): TxMsg {
  return { type: 'prepare', txn: txn.id, participants: txn.participants, executor: txn.executors[shard]!, rounds: txn.rounds[shard] ?? 0 };
}

export function onVote(state: TxState, from: NodeId, msg: Msg<'vote'>, ctx: Ctx, env: Env): void {
  const txn = state.coord.get(msg.txn);
  if (txn === undefined || txn.phase !== 'voting') return;
  if (!msg.yes) {
    abort(state, txn, `a participant voted no (${msg.reason ?? 'no reason'})`, ctx);
    return;
  }
  const shard = shardOfNode(state.map, from);
  if (shard === undefined || !txn.participants.includes(shard) || txn.yes.includes(shard)) return;
  txn.yes.push(shard);
  if (txn.yes.length < txn.participants.length) return;
  if (env.options.commit === '2pc') {
    decideCommit(state, txn, ctx, env);
    return;
  }
  txn.phase = 'precommitting';
  txn.sentUs = ctx.now();
  for (const shard of txn.participants) ctx.send(nodeOfShard(state.map, shard)!, { type: 'precommit', txn: txn.id });
}

/** 3PC: every participant is precommitted; the decision can be taken. */
export function onPrecommitAckAsCoordinator(state: TxState, from: NodeId, msg: Msg<'precommit-ack'>, ctx: Ctx, env: Env): boolean {
  const txn = state.coord.get(msg.txn);
  if (txn === undefined || txn.phase !== 'precommitting') return false;
  const shard = shardOfNode(state.map, from);
  if (shard !== undefined && txn.participants.includes(shard) && !txn.acks.includes(shard)) txn.acks.push(shard);
  if (txn.acks.length === txn.participants.length) decideCommit(state, txn, ctx, env);
  return true;
}

/**
 * Commit: the decision goes to the log, then to the participants and the client. (The kernel
 * applies a step's persist before its sends and replies; the commit-before-log flaw defers the
 * log write to the next flush.)
 */
function decideCommit(state: TxState, txn: CoordTxn, ctx: Ctx, env: Env): void {
  state.decisions[txn.id] = txn.participants;
  if (env.flaws.commitBeforeLog) lazyWrite(state, 'decisions', txn.id, ctx, env);
  persist(state, ctx);
  coordinatorCommitted(state, txn.id);
  txn.phase = 'committing';
  txn.acks = [];
  txn.sentUs = ctx.now();
  for (const shard of txn.participants) sendDurable(state, nodeOfShard(state.map, shard)!, { type: 'decide', txn: txn.id, decision: 'commit' }, ctx);
  if (txn.requestId !== null) {
    const executed = txn.mops.map(([f, key, v], i) => [f, key, f === 'r' ? (txn.results[i] ?? null) : v]);
    const value = txn.order === null ? executed : unsort(executed, txn.order);
    replyDurable(state, txn.requestId, { type: 'ok', value }, ctx);
    txn.requestId = null;
  }
}

/** Abort: nothing to log (presumed abort); the participants are told, the client gets a definite fail. */
function abort(state: TxState, txn: CoordTxn, reason: string, ctx: Ctx): void {
  state.coord.delete(txn.id);
  for (const shard of txn.participants) ctx.send(nodeOfShard(state.map, shard)!, { type: 'decide', txn: txn.id, decision: 'abort' });
  if (txn.requestId !== null) ctx.reply(txn.requestId, { type: 'fail', error: `aborted: ${reason}` });
}

export function onDecideAck(state: TxState, from: NodeId, msg: Msg<'decide-ack'>, ctx: Ctx): void {
  const txn = state.coord.get(msg.txn);
  if (txn === undefined || txn.phase !== 'committing') return;
  const shard = shardOfNode(state.map, from);
  if (shard !== undefined && txn.participants.includes(shard) && !txn.acks.includes(shard)) txn.acks.push(shard);
  if (txn.acks.length < txn.participants.length) return;
  // Every participant applied the commit: the log entry can go.
  state.coord.delete(txn.id);
  delete state.decisions[txn.id];
  persist(state, ctx);
}

/** A participant (or a fellow participant's termination round) asks what the coordinator decided. */
export function answerAsCoordinator(state: TxState, from: NodeId, id: TxnId, ctx: Ctx, env: Env, coordTerm?: number): void {
  let answer: Msg<'state'>['state'] | undefined;
  if (state.decisions[id] !== undefined) answer = 'committed';
  else if (state.repl !== null && id.slice(0, id.indexOf('/')) !== ctx.self && !(coordTerm !== undefined && termNow(state) > coordTerm)) {
    // Another node's transaction, and this node did not take its shard over after it (a primary
    // of an older term that does not know it was deposed): it holds no log to presume from.
    return;
  } else {
    const txn = state.coord.get(id);
    if (txn !== undefined) answer = txn.phase === 'precommitting' ? 'precommitted' : undefined; // still deciding: ask again later
    else answer = env.options.commit === '2pc' ? 'aborted' : 'unknown'; // presumed abort (2PC only)
  }
  if (answer !== undefined) sendDurable(state, from, { type: 'state', txn: id, state: answer, fromCoordinator: true }, ctx);
}

/** Deadlines and retries of the transactions this node coordinates. */
export function coordinatorTick(state: TxState, ctx: Ctx, env: Env): void {
  const now = ctx.now();
  for (const txn of [...state.coord.values()]) {
    switch (txn.phase) {
      case 'executing':
      case 'voting':
        if (now >= txn.deadlineUs) abort(state, txn, `no decision within ${formatUs(env.options.txnTimeout)} (${txn.phase === 'voting' ? 'votes missing' : 'an execution did not answer'})`, ctx);
        else if (now - txn.sentUs >= env.options.decisionTimeout) {
          // Messages get lost: ask again (participants answer a repeated round or prepare the same way).
          if (txn.phase === 'executing' && txn.awaiting !== null) sendExec(state, txn, ctx, true);
          if (txn.phase === 'voting') sendToMissing(state, txn, txn.yes, (shard) => prepareFor(txn, shard), ctx);
        }
        break;
      case 'precommitting':
        // 3PC: participants that did not acknowledge are presumed failed; they learn on recovery.
        if (now >= txn.deadlineUs) decideCommit(state, txn, ctx, env);
        else if (now - txn.sentUs >= env.options.decisionTimeout) sendToMissing(state, txn, txn.acks, () => ({ type: 'precommit', txn: txn.id }), ctx);
        break;
      case 'committing':
        if (now - txn.sentUs >= env.options.decisionTimeout) sendToMissing(state, txn, txn.acks, () => ({ type: 'decide', txn: txn.id, decision: 'commit' }), ctx);
        break;
    }
  }
}

/** Sends `msg` again to the participants that have not answered yet (to both nodes of a primary-backup shard: its primary may have changed unseen). */
function sendToMissing(state: TxState, txn: CoordTxn, answered: readonly ShardId[], msgFor: (shard: ShardId) => TxMsg, ctx: Ctx): void {
  txn.sentUs = ctx.now();
  for (const shard of txn.participants) if (!answered.includes(shard)) for (const node of membersOf(state.map, shard)) sendDurable(state, node, msgFor(shard), ctx);
}

/** After a restart: commits in the log not yet acknowledged by everyone are sent again. */
export function recoverDecisions(state: TxState, nowUs: number): void {
  for (const id of Object.keys(state.decisions)) {
    const participants = [...state.decisions[id]!] as ShardId[];
    state.coord.set(id, {
      id,
      requestId: null,
      priority: [nowUs, id],
      order: null,
      mops: [],
      results: [],
      next: 0,
      seq: 0,
      awaiting: null,
      batch: 0,
      rounds: {},
      executors: {},
      reroutes: 0,
      phase: 'committing',
      participants,
      yes: [...participants],
      acks: [],
      deadlineUs: nowUs,
      sentUs: Number.MIN_SAFE_INTEGER,
    });
  }
}
