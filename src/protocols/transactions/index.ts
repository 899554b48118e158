/**
 * A sharded transactional key-value store: keys placed on shards by consistent hashing, multi-key
 * transactions (list-append or read/write registers) under strict two-phase locking (wait-die or
 * no-wait), committed atomically by two-phase commit with presumed abort (or three-phase commit),
 * with recovery from the logs, cooperative termination, read-committed as an option, and live
 * key-range moves fenced by the shard map's epoch. The handlers only dispatch; each module does one
 * job. See docs/protocols/transactions.md.
 */
import { assertNever } from '../../core/assert.js';
import type { Protocol, ProtocolDefinition } from '../../core/protocol.js';
import { isolationCheck, nonBlockingCheck } from './checks.js';
import { coordinatorTick, onClientRequest, onDecideAck, onExecFail, onExecOk, onPrecommitAckAsCoordinator, onVote } from './coordinator.js';
import { invariants } from './invariants.js';
import { migrationTick, onMigrate, onMigrateAck, onMove, onMoveCommand } from './migration.js';
import { FLAWS, parseOptions, resolveFlaws, type TxOptions } from './options.js';
import { adoptMap, onAbandon, onDecide, onExec, onPrecommit, onPrepare } from './participant.js';
import { emptyRecord, loadRecord, onJoin, onReplicate, replicationTick } from './failover.js';
import { adoptWhenConfirmed, isPrimary, onReplicateAck, refuseAsBackup, termNow } from './pair.js';
import { initialMap, membersOf, shardOfNode } from './shard-map.js';
import { operatorActions, promises, space } from './space.js';
import { emptyBlocking, emptyOutcomes, flush, persist } from './store.js';
import { onPrecommitAckAsParticipant, onState, onStateReq, participantTick } from './termination.js';
import { TIMER_FLUSH, TIMER_TICK, type Env, type TxDurable, type TxMsg, type TxState } from './types.js';

export type { TxOptions } from './options.js';
export type { TxState, TxMsg, TxDurable } from './types.js';

/** Messages for a shard's primary (a backup refuses them, naming the primary). */
const SHARD_ADDRESSED: ReadonlySet<TxMsg['type']> = new Set(['exec', 'prepare', 'precommit', 'decide', 'state-req', 'migrate', 'move']);

export function createTransactions(options: TxOptions, flawNames: ReadonlySet<string>, model: 'list-append' | 'rw-register'): Protocol<TxState, TxMsg, TxDurable> {
  const env: Env = { options, flaws: resolveFlaws(flawNames), model };
  const promised = options.isolation === 'serializable' ? 'strict-serializable' : 'read-committed';

  return {
    name: 'transactions',

    init(ctx, durable) {
      const paired = options.replication === 'primary-backup';
      const initial = initialMap(ctx.members, options.tokensPerShard, paired);
      const shard = shardOfNode(initial, ctx.self);
      const peer = paired && shard !== undefined ? membersOf(initial, shard).find((n) => n !== ctx.self) : undefined;
      const state: TxState = {
        self: ctx.self,
        shard,
        map: initial,
        data: Object.freeze({}),
        txns: new Map(),
        locks: new Map(),
        outcomes: emptyOutcomes(),
        outcomeIndex: new Map(),
        blocking: emptyBlocking(),
        moving: null,
        coord: new Map(),
        decisions: {},
        unflushed: { prepared: new Set(), decisions: new Set() },
        outcomeLog: [],
        outcomeBase: 0,
        repl: paired
          ? { peer, lazy: env.flaws.voteBeforeBackup, seq: durable?.repl?.seq ?? 0, ackedSeq: 0, held: [], last: durable ?? null, replica: null, lastHeardUs: ctx.now(), joinSentUs: Number.MIN_SAFE_INTEGER }
          : null,
        backup: null,
        pendingMap: null,
      };
      const now = ctx.now();
      const record = durable ?? (paired ? emptyRecord(initial, ctx.self) : undefined);
      if (paired && shard !== undefined && record!.map.nodes[shard] !== ctx.self) {
        // A backup: its disk holds its primary's record; it serves nothing until it takes over.
        state.map = record!.map;
        state.repl!.replica = record!;
        if (durable === undefined) ctx.persist(record!);
      } else if (durable !== undefined) {
        // A restarted primary re-sends its record, and reveals nothing until the backup confirms it
        // (a range it installed included: its map waits again).
        loadRecord(state, durable, now, env);
        state.backup = durable.repl?.backup ?? null;
        if (durable.pendingMap !== undefined) {
          state.pendingMap = durable.pendingMap;
          adoptWhenConfirmed(state, durable.pendingMap, ctx);
        }
      } else {
        state.backup = peer ?? null;
        persist(state, ctx);
      }
      ctx.setTimer(TIMER_TICK, options.tick);
      return state;
    },

    onMessage(state, from, msg, ctx) {
      if (state.repl !== null && SHARD_ADDRESSED.has(msg.type) && !isPrimary(state)) return refuseAsBackup(state, from, msg, ctx);
      switch (msg.type) {
        case 'exec':
          return onExec(state, from, msg, ctx, env);
        case 'exec-ok':
          return onExecOk(state, from, msg, ctx);
        case 'exec-fail':
          return onExecFail(state, from, msg, ctx);
        case 'abandon':
          return onAbandon(state, msg, ctx, env);
        case 'prepare':
          return onPrepare(state, from, msg, ctx, env);
        case 'vote':
          return onVote(state, from, msg, ctx, env);
        case 'precommit':
          return onPrecommit(state, from, msg, ctx);
        case 'precommit-ack':
          if (!onPrecommitAckAsCoordinator(state, from, msg, ctx, env)) onPrecommitAckAsParticipant(state, from, msg, ctx, env);
          return;
        case 'decide':
          return onDecide(state, from, msg, ctx, env);
        case 'decide-ack':
          return onDecideAck(state, from, msg, ctx);
        case 'state-req':
          return onStateReq(state, from, msg, ctx, env);
        case 'state':
          return onState(state, from, msg, ctx, env);
        case 'map':
          adoptMap(state, msg.map, ctx);
          return;
        case 'migrate':
          return onMigrate(state, from, msg, ctx);
        case 'migrate-ack':
          return onMigrateAck(state, msg, ctx);
        case 'move':
          return onMove(state, from, msg, ctx);
        case 'replicate':
          return onReplicate(state, from, msg, ctx);
        case 'replicate-ack':
          return onReplicateAck(state, from, msg, ctx);
        case 'join':
          return onJoin(state, from, ctx);
        default:
          return assertNever(msg, 'transactions message');
      }
    },

    onTimer(state, timer, ctx) {
      switch (timer) {
        case TIMER_TICK:
          coordinatorTick(state, ctx, env);
          participantTick(state, ctx, env);
          migrationTick(state, ctx, env);
          replicationTick(state, ctx, env);
          ctx.setTimer(TIMER_TICK, options.tick);
          return;
        case TIMER_FLUSH:
          return flush(state, ctx);
        default:
          throw new Error(`transactions has no timer ${timer}`);
      }
    },

    onRequest(state, request, ctx) {
      if (!isPrimary(state)) {
        // A backup coordinates nothing (its decisions would not survive its primary's record): the client goes to the primary.
        const primary = state.map.nodes[state.shard!];
        ctx.reply(request.id, primary === undefined || primary === ctx.self ? { type: 'redirect', error: `${ctx.self} is a backup` } : { type: 'redirect', to: primary, error: `${ctx.self} is ${state.shard}'s backup` });
        return;
      }
      onClientRequest(state, request, ctx, env);
    },

    onCommand(state, command, ctx) {
      switch (command.name) {
        case 'move':
          return onMoveCommand(state, command, ctx);
        default:
          throw new Error(`transactions takes the command move (args: key, to), not ${command.name}`);
      }
    },

    summary: (s) => {
      let active = 0;
      let prepared = 0;
      for (const t of s.txns.values()) if (t.status === 'active') active++;
      else prepared++;
      if (!isPrimary(s)) return `${s.shard ?? 'no shard'} backup (term ${termNow(s)}, primary ${s.map.nodes[s.shard!] ?? '?'}): record ${s.repl?.replica?.repl?.seq ?? 'none'}`;
      return `${s.shard ?? 'no shard'}${s.repl !== null ? ` primary (term ${termNow(s)}, backup ${s.backup ?? 'none'})` : ''} (map epoch ${s.map.epoch}${s.moving !== null ? `, moving a range to ${s.moving.to}` : ''}): ${active} active, ${prepared} in doubt; coordinating ${s.coord.size}; ${Object.keys(s.data).length} keys`;
    },
    view: (s) => s.data,
    invariants,
    checks: [isolationCheck(promised, model), nonBlockingCheck(options.blockingBound)],
  };
}

export const definition: ProtocolDefinition<TxOptions> = {
  name: 'transactions',
  summary:
    'a sharded kv store (consistent hashing, live range moves fenced by the shard-map epoch) with multi-key transactions: strict 2PL (wait-die or no-wait), 2PC with presumed abort and recovery (or 3PC), cooperative termination, serializable or read-committed',
  models: ['list-append', 'rw-register'],
  flaws: FLAWS,
  parseOptions,
  space,
  promises,
  operatorActions,
  create: ({ options, flaws, model }) => createTransactions(options, flaws, model === 'rw-register' ? 'rw-register' : 'list-append'),
};
