/**
 * Raft (Ongaro & Ousterhout, and Ongaro's thesis) over a key-value state machine with client
 * sessions: PreVote, CheckQuorum, ReadIndex and lease reads, log compaction with InstallSnapshot,
 * single-server membership changes and leadership transfer. The handlers here only dispatch; each
 * module does one job (election, replication, snapshot, membership, client, kv, log, invariants).
 */
import { assertNever } from '../../core/assert.js';
import type { Protocol, ProtocolDefinition } from '../../core/protocol.js';
import { onClientRequest } from './client.js';
import { onCheckQuorum, onElectionTimeout, onPreVote, onPreVoteReply, onRequestVote, onTimeoutNow, onVoteReply } from './election.js';
import { raftInvariants } from './invariants.js';
import { emptySnapshot, lastIndex, lastTerm } from './log.js';
import { onAdminCommand, onTransferTimeout } from './membership.js';
import { FLAWS, parseOptions, resolveFlaws, type RaftOptions } from './options.js';
import { onAppend, onAppendReply, onSnapshotReply, startRound } from './replication.js';
import { TIMER_CHECK_QUORUM, TIMER_ELECTION, TIMER_HEARTBEAT, TIMER_TRANSFER, refreshConfig, resetElectionTimer } from './roles.js';
import { onInstallSnapshot } from './snapshot.js';
import { raftChecks } from './checks.js';
import { operatorActions, promises, space } from './space.js';
import type { ApplyCommand, Ctx, Durable, Env, Message, RaftState } from './types.js';
import { applyCommand } from './kv.js';

export type { RaftOptions } from './options.js';
export type { ApplyCommand, RaftState, Message as RaftMessage, Durable as RaftDurable, LogEntry, Snapshot } from './types.js';
export { raftInvariants } from './invariants.js';

/** `model`: the workload's data model (a counter starts its state machine at 0). */
export function createRaft(options: RaftOptions, flawNames: ReadonlySet<string>, apply: ApplyCommand = applyCommand, model = 'kv'): Protocol<RaftState, Message, Durable> {
  const flaws = resolveFlaws(flawNames);
  // The counter model is one number under the empty key, 0 before any add.
  const initialData: Readonly<Record<string, unknown>> = model === 'counter' ? { '': 0 } : {};
  // One Env per protocol instance, pointed at the context of the step in progress: steps never
  // nest and nothing keeps an Env past its handler, so this saves an allocation per message.
  const current: { ctx: Ctx; readonly options: RaftOptions; readonly flaws: typeof flaws; readonly apply: ApplyCommand } = { ctx: undefined as unknown as Ctx, options, flaws, apply };
  const env = (ctx: Ctx): Env => {
    current.ctx = ctx;
    return current;
  };

  return {
    name: 'raft',
    init(ctx, durable) {
      // A spare (not an initial member) starts with no configuration: it never campaigns and
      // waits for a leader to add it.
      const initialVoters = ctx.members.includes(ctx.self) ? ctx.members : [];
      const snapshot = durable?.snapshot ?? emptySnapshot(initialVoters, initialData);
      const state: RaftState = {
        self: ctx.self,
        currentTerm: durable?.currentTerm ?? 0,
        votedFor: durable?.votedFor ?? null,
        log: { snapshot, entries: durable ? [...durable.entries] : [] },
        role: 'follower',
        leaderId: null,
        // Volatile: relearned from the leader; the state machine restarts from the snapshot.
        commitIndex: snapshot.lastIndex,
        lastApplied: snapshot.lastIndex,
        kv: { data: { ...snapshot.data }, sessions: { ...snapshot.sessions } },
        appliedDigest: snapshot.appliedDigest,
        appliedTrail: [[snapshot.lastIndex, snapshot.appliedDigest]],
        config: { voters: [], index: 0 },
        // A restarted node forgot when it last heard from a leader: it assumes just now, so it
        // cannot help elect a new leader while an old leader's lease may still run.
        lastLeaderContactUs: ctx.now(),
        votes: [],
        leader: null,
      };
      refreshConfig(state);
      resetElectionTimer(env(ctx));
      return state;
    },

    onMessage(state, from, msg, ctx) {
      const e = env(ctx);
      switch (msg.type) {
        case 'pre-vote':
          return onPreVote(state, e, from, msg);
        case 'pre-vote-reply':
          return onPreVoteReply(state, e, from, msg);
        case 'request-vote':
          return onRequestVote(state, e, from, msg);
        case 'vote-reply':
          return onVoteReply(state, e, from, msg);
        case 'append':
          return onAppend(state, e, from, msg);
        case 'append-reply':
          return onAppendReply(state, e, from, msg);
        case 'install-snapshot':
          return onInstallSnapshot(state, e, from, msg);
        case 'snapshot-reply':
          return onSnapshotReply(state, e, from, msg);
        case 'timeout-now':
          return onTimeoutNow(state, e, msg);
        case 'admin':
          return onAdminCommand(state, e, { name: msg.name, args: msg.args }, msg.hops);
        default:
          return assertNever(msg, 'raft message');
      }
    },

    onTimer(state, timer, ctx) {
      const e = env(ctx);
      switch (timer) {
        case TIMER_ELECTION:
          return onElectionTimeout(state, e);
        case TIMER_HEARTBEAT:
          if (state.leader !== null) startRound(state, e);
          return;
        case TIMER_CHECK_QUORUM:
          return onCheckQuorum(state, e);
        case TIMER_TRANSFER:
          return onTransferTimeout(state, e);
        default:
          throw new Error(`raft: unknown timer ${timer}`);
      }
    },

    onRequest(state, request, ctx) {
      onClientRequest(state, env(ctx), request);
    },

    onCommand(state, command, ctx) {
      onAdminCommand(state, env(ctx), command);
    },

    role: (state) => state.role,
    // Coverage-guided fuzzing: the situations Raft's hard cases are made of, as flags.
    abstractState: (s) => {
      const last = lastIndex(s.log);
      let flags = s.role;
      if (s.commitIndex < last) flags += lastTerm(s.log) < s.currentTerm ? ' tail-of-old-term' : ' uncommitted-tail';
      if (s.votedFor !== null) flags += ' voted';
      if (s.log.snapshot.lastIndex > 0) flags += ' snapshot';
      if (s.config.index > s.commitIndex) flags += ' config-pending';
      if (!s.config.voters.includes(s.self)) flags += ' not-a-voter';
      if (s.leader !== null && s.leader.transfer !== null) flags += ' transferring';
      if (s.leader !== null && s.commitIndex < s.leader.termStartIndex) flags += ' own-term-uncommitted';
      return flags;
    },
    roles: ['follower', 'pre-candidate', 'candidate', 'leader'],
    summary: (s) =>
      `term ${s.currentTerm} ${s.role}${s.role !== 'leader' && s.leaderId !== null ? ` (leader ${s.leaderId})` : ''}, log ${lastIndex(s.log)} (snapshot ${s.log.snapshot.lastIndex}), commit ${s.commitIndex}, applied ${s.lastApplied}`,
    view: (state) => state.kv.data,
    invariants: raftInvariants,
    checks: raftChecks,
  };
}


export const definition: ProtocolDefinition<RaftOptions> = {
  name: 'raft',
  summary: 'Raft with PreVote, CheckQuorum, ReadIndex/lease reads, snapshots, membership changes and leadership transfer, over a kv store with client sessions',
  // counter: adds through the log, exactly once per client session (what resent commands test).
  models: ['kv', 'counter'],
  flaws: FLAWS,
  parseOptions,
  space,
  promises,
  operatorActions,
  create: ({ options, flaws, model }) => createRaft(options, flaws, applyCommand, model),
};
