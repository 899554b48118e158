/**
 * The master-slave (primary-backup) protocol: wiring of the handlers to the modules that do the
 * work (replication, election, fencing, requests, kv).
 *
 * Boot: n1 (the first member) is primary of epoch 1. A restart recovers log, epoch and ballot. A
 * node that was primary comes back as primary under failover none/manual (nobody else can take
 * over, and a newer epoch fences it as soon as it hears of one); under automatic failover it comes
 * back as a replica, since it cannot know whether it was replaced while it was down.
 */
import { assertNever } from '../../core/assert.js';
import type { ServiceProtocol } from '../../core/services.js';
import { incarnationName } from '../../core/services.js';
import { coordinatorTick, newCoordClient, onCoordinatorReply, primaryLeaseHolds } from './coordinator.js';
import { checkPrimaryAlive, nextCheckUs, onPromoteCommand, onVote, onVoteRequest } from './election.js';
import { adoptEpoch, jitteredTimeoutUs } from './fencing.js';
import { invariants } from './invariants.js';
import { primaryHandover } from './handover.js';
import { leaseAfterRestartUs } from './lease.js';
import { flattenChunks } from '../common/frozen-chunks.js';
import { persist, rebuild, viewOf } from './kv.js';
import type { MasterSlaveOptions } from './options.js';
import { onAck, onAppend, onPull, onSemiSyncTimer, sendHeartbeats } from './replication.js';
import { onRequest } from './requests.js';
import { TIMER_SEMI_SYNC, TIMER_TICK, type Ctx, type Env, type MsDurable, type MsMsg, type MsState } from './types.js';

export function createMasterSlave(options: MasterSlaveOptions): ServiceProtocol<MsState, MsMsg, MsDurable> {
  const env: Env = { options };

  return {
    name: 'master-slave',

    init(ctx: Ctx, durable: MsDurable | undefined): MsState {
      // Through a coordinator, nobody is primary until a node holds the leader key.
      const initialPrimary = options.failover === 'coordinator' ? null : (ctx.members[0] ?? ctx.self);
      const state: MsState = {
        role: 'replica',
        epoch: durable?.epoch ?? 1,
        primary: durable === undefined ? initialPrimary : durable.primary,
        votedEpoch: durable?.votedEpoch ?? 1,
        votedFor: durable === undefined ? initialPrimary : durable.votedFor,
        log: durable === undefined ? [] : flattenChunks(durable.log),
        logChunks: durable === undefined ? [] : [...durable.log],
        chunkedSeq: 0,
        appliedSeq: 0,
        kv: new Map(),
        verifiedSeq: 0,
        lastHeardUs: ctx.now(),
        suspectAfterUs: jitteredTimeoutUs(env, ctx),
        pullFromSeq: 0,
        pullSentUs: 0,
        // Read lease: a restarted node may have promised a primary, before the crash, not to vote.
        leaseGrantedUntilUs: durable === undefined ? 0 : leaseAfterRestartUs(ctx, env),
        matchSeq: {},
        pending: [],
        degraded: false,
        acks: 0,
        leaseAckedSentUs: {},
        candidateEpoch: 0,
        seenCampaignEpoch: 0,
        votes: [],
        electionStartUs: 0,
        // Drawn only where it is used: other configurations' runs stay as they were.
        coord: newCoordClient(options.failover === 'coordinator' ? incarnationName(ctx) : ctx.self),
      };
      state.chunkedSeq = state.log.length;
      rebuild(state, state.log.length);
      if (state.primary === ctx.self) {
        if (durable !== undefined && (options.failover === 'automatic' || options.failover === 'coordinator')) {
          state.primary = null;
          ctx.note('restart-as-replica', { epoch: state.epoch, lastSeq: state.log.length });
        } else {
          state.role = 'primary';
        }
      }
      if (durable === undefined) persist(state, ctx);
      ctx.setTimer(TIMER_TICK, options.heartbeatUs);
      return state;
    },

    onMessage(state, from, msg, ctx) {
      switch (msg.type) {
        case 'append':
          return onAppend(state, from, msg, ctx, env);
        case 'ack':
          return onAck(state, from, msg, ctx, env);
        case 'pull':
          return onPull(state, from, msg, ctx, env);
        case 'stale':
          adoptEpoch(state, msg.epoch, msg.primary, ctx, env);
          return;
        case 'vote-request':
          return onVoteRequest(state, from, msg, ctx, env);
        case 'vote':
          return onVote(state, from, msg, ctx, env);
        default:
          return assertNever(msg, 'master-slave message');
      }
    },

    onTimer(state, timer, ctx) {
      switch (timer) {
        case TIMER_TICK:
          if (options.failover === 'coordinator') {
            primaryLeaseHolds(state, ctx, env);
            coordinatorTick(state, ctx, env);
          }
          if (state.role === 'primary') sendHeartbeats(state, ctx, env);
          else checkPrimaryAlive(state, ctx, env);
          ctx.setTimer(TIMER_TICK, nextCheckUs(state, ctx, env));
          return;
        case TIMER_SEMI_SYNC:
          return onSemiSyncTimer(state, ctx, env);
        default:
          throw new Error(`master-slave has no timer ${timer}`);
      }
    },

    onRequest(state, req, ctx) {
      primaryLeaseHolds(state, ctx, env);
      onRequest(state, req, ctx, env);
    },

    onReply(state, requestId, result, from, ctx) {
      if (options.failover === 'coordinator') onCoordinatorReply(state, requestId, result, from, ctx as unknown as Ctx, env);
    },

    onCommand(state, command, ctx) {
      switch (command.name) {
        case 'promote':
          return onPromoteCommand(state, ctx, env);
        default:
          throw new Error(`master-slave takes the command promote, not ${command.name}`);
      }
    },

    role: (state) => state.role,
    // Coverage-guided fuzzing: the situations failover and fencing are about, as flags.
    abstractState: (s) => {
      let flags = s.role;
      if (s.primary === null) flags += ' no-primary';
      if (s.candidateEpoch > s.epoch) flags += ' campaigning';
      if (s.role === 'primary' && s.pending.length > 0) flags += ' writes-waiting';
      if (s.degraded) flags += ' degraded';
      if (s.role === 'replica' && s.verifiedSeq < s.log.length) flags += ' unverified-tail';
      if (s.appliedSeq < s.log.length) flags += ' unapplied';
      return flags;
    },
    roles: ['primary', 'replica', 'candidate'],
    summary: (s) => `epoch ${s.epoch} ${s.role}${s.role !== 'primary' && s.primary !== null ? ` (primary ${s.primary})` : ''}, log ${s.log.length}, applied ${s.appliedSeq}`,
    view: (state) => viewOf(state),
    invariants,
    checks: [primaryHandover],
  };
}
