/**
 * Multi-Paxos (Lamport, "Paxos Made Simple"; van Renesse & Altinbuken, "Paxos Made Moderately
 * Complex") over a key-value state machine with client sessions: ballots (round, node), phase 1
 * once per ballot over every open slot, phase 2 per slot, a new leader completing the slots it
 * learns of (no-ops in the gaps), leader election with randomized backoff, catch-up, snapshots,
 * Flexible Paxos quorums (Howard, Malkhi & Spiegelman), and log, lease or quorum reads. The
 * handlers here only dispatch; each module does one job.
 */
import { assertNever } from '../../core/assert.js';
import type { Protocol, ProtocolDefinition } from '../../core/protocol.js';
import { onAccept, onDecide, onPrepare } from './acceptor.js';
import { formatBallot } from './ballot.js';
import { onClientRequest } from './client.js';
import { paxosInvariants } from './invariants.js';
import { onCatchUp, onLearn, onStatus } from './learner.js';
import { FLAWS, parseOptions, quorumIssues, quorumsFor, resolveFlaws, type PaxosOptions } from './options.js';
import { onCheckQuorum, onElectionTimeout, onNack, onPromise } from './election.js';
import { onAccepted, startRound } from './proposer.js';
import { onReadProbe, onReadReply, onReadsTimer } from './reads.js';
import { emptySnapshot, maxAcceptedSlot } from './slots.js';
import { promises, space } from './space.js';
import { TIMER_CHECK_QUORUM, TIMER_ELECTION, TIMER_HEARTBEAT, TIMER_READS, TIMER_SYNC, resetElectionTimer } from './timers.js';
import type { Ctx, Durable, Env, Message, PaxosState } from './types.js';

export type { PaxosOptions } from './options.js';
export type { PaxosState, Message as PaxosMessage, Durable as PaxosDurable, Value as PaxosValue } from './types.js';
export { paxosInvariants } from './invariants.js';

export function createPaxos(options: PaxosOptions, flawNames: ReadonlySet<string>): Protocol<PaxosState, Message, Durable> {
  const flaws = resolveFlaws(flawNames);
  // One Env per protocol instance, pointed at the context of the step in progress: steps never
  // nest and nothing keeps an Env past its handler.
  const current: { ctx: Ctx; readonly options: PaxosOptions; readonly flaws: typeof flaws } = { ctx: undefined as unknown as Ctx, options, flaws };
  /** Starts a step: the trail the invariants read holds this step's records only. */
  const begin = (state: PaxosState, ctx: Ctx): Env => {
    current.ctx = ctx;
    const t = state.trail;
    if (t.accepts.length > 0) t.accepts = [];
    if (t.introduced.length > 0) t.introduced = [];
    if (t.learned.length > 0) t.learned = [];
    if (t.applied.length > 0) t.applied = [];
    return current;
  };

  return {
    name: 'paxos',
    init(ctx, durable) {
      const snapshot = durable?.snapshot ?? emptySnapshot();
      const promised = durable?.promised ?? 0;
      const state: PaxosState = {
        self: ctx.self,
        selfIndex: ctx.members.indexOf(ctx.self),
        members: ctx.members,
        quorums: quorumsFor(options, ctx.members.length, flaws.unsafeQuorums),
        promised,
        persistedPromise: promised,
        accepted: durable ? [...durable.accepted] : [],
        snapshot,
        // Volatile: relearned after a restart; the state machine restarts from the snapshot.
        learned: [],
        applied: snapshot.slot,
        kv: { data: { ...snapshot.data }, sessions: { ...snapshot.sessions } },
        appliedDigest: snapshot.appliedDigest,
        role: 'follower',
        maxRound: 0,
        leaderId: null,
        // A restarted node forgot which leader it heard from: with lease reads it refuses every
        // prepare for an election timeout, which covers any lease it granted before the crash.
        lastLeaderContactUs: ctx.now(),
        campaign: null,
        campaignStartUs: 0,
        lastPromises: [],
        leader: null,
        writes: {},
        reads: [],
        nextProbe: 0,
        preemptions: 0,
        backoffUntilUs: 0,
        catchUpAtUs: Number.NEGATIVE_INFINITY,
        trail: { accepts: [], introduced: [], learned: [], applied: [snapshot.slot, snapshot.appliedDigest] },
      };
      current.ctx = ctx;
      if (options.leader === 'stable') resetElectionTimer(state, current);
      else ctx.setTimer(TIMER_SYNC, options.heartbeatUs);
      return state;
    },

    onMessage(state, from, msg, ctx) {
      const e = begin(state, ctx);
      switch (msg.type) {
        case 'prepare':
          return onPrepare(state, e, from, msg);
        case 'promise':
          return onPromise(state, e, from, msg);
        case 'nack':
          return onNack(state, e, from, msg);
        case 'accept':
          return onAccept(state, e, from, msg);
        case 'accepted':
          return onAccepted(state, e, from, msg);
        case 'decide':
          return onDecide(state, e, from, msg);
        case 'catch-up':
          return onCatchUp(state, e, from, msg);
        case 'learn':
          return onLearn(state, e, from, msg);
        case 'status':
          return onStatus(state, e, from, msg);
        case 'read-probe':
          return onReadProbe(state, e, from, msg);
        case 'read-reply':
          return onReadReply(state, e, from, msg);
        default:
          return assertNever(msg, 'paxos message');
      }
    },

    onTimer(state, timer, ctx) {
      const e = begin(state, ctx);
      switch (timer) {
        case TIMER_ELECTION:
          return onElectionTimeout(state, e);
        case TIMER_HEARTBEAT:
          if (state.leader !== null) startRound(state, e);
          return;
        case TIMER_SYNC: {
          // `leader: none` anti-entropy: one random peer hears how far this node applied.
          const peers = state.members.filter((m) => m !== state.self);
          if (peers.length > 0) ctx.send(peers[Math.floor(ctx.random() * peers.length)]!, { type: 'status', applied: state.applied });
          ctx.setTimer(TIMER_SYNC, options.heartbeatUs);
          return;
        }
        case TIMER_READS:
          return onReadsTimer(state, e);
        case TIMER_CHECK_QUORUM:
          return onCheckQuorum(state, e);
        default:
          throw new Error(`paxos: unknown timer ${timer}`);
      }
    },

    onRequest(state, request, ctx) {
      onClientRequest(state, begin(state, ctx), request);
    },

    role: (state) => (options.leader === 'none' ? (state.role === 'follower' ? 'acceptor' : 'proposer') : state.role),
    summary: (s) =>
      `${s.role}${s.leader !== null ? ` of ${formatBallot(s.leader.ballot, s.members)}` : s.leaderId !== null && s.leaderId !== s.self ? ` (leader ${s.leaderId})` : ''}, promised ${formatBallot(s.promised, s.members)}, ` +
      `voted through ${maxAcceptedSlot(s)}, applied ${s.applied} (snapshot ${s.snapshot.slot})`,
    view: (state) => state.kv.data,
    invariants: paxosInvariants,
  };
}

export const definition: ProtocolDefinition<PaxosOptions> = {
  name: 'paxos',
  summary: 'Multi-Paxos with a stable leader or basic Paxos per command, Flexible Paxos quorums, log, lease or quorum reads, catch-up and snapshots, over a kv store with client sessions',
  models: ['kv'],
  flaws: FLAWS,
  parseOptions,
  space,
  promises,
  clusterIssues: ({ options, flaws, nodes }) => quorumIssues(options, nodes, flaws.has('unsafe-quorums')),
  create: ({ options, flaws }) => createPaxos(options, flaws),
};
