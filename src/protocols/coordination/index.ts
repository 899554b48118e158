/**
 * `coordination`: a lock and lease service (as ZooKeeper, etcd and Consul are) replicated by
 * dsim's Raft: the state machine (machine.ts) holds sessions and locks, every grant carries a
 * fencing token (the log index of the grant), and operations are linearizable (writes through the
 * log, reads through ReadIndex).
 *
 * Session expiry is the leader's job, on its own monotonic clock (etcd's lease expiry works the
 * same way, on Go's monotonic clock): the leader notes when each session last made a request and,
 * once a session has been quiet for its TTL, proposes an `expire` entry. A jump of the wall clock
 * does not move a deadline; with `expiryClock: wall` it does (Redis expires keys by the wall clock:
 * the Redlock servers of Kleppmann's story). A new leader gives every session a full TTL from the moment
 * it takes over, so no session expires earlier than TTL after the last request its client sent
 * (up to the drift between the leader's and the client's clocks). A client that sends a request at
 * its local time t and hears it succeeded may believe its session (and locks) live until
 * t + TTL, less a margin for clock drift.
 *
 * Waiters learn that a lock was freed from watches (watches.ts), answered by any replica from its
 * applied state after each step.
 */
import type { ClientRequest } from '../../core/ops.js';
import type { NodeContext, Protocol, ProtocolDefinition } from '../../core/protocol.js';
import { createRaft, type RaftState } from '../raft/index.js';
import { applyCoordination, sessionKey, sessionsOf, type SessionRecord } from './machine.js';
import { DEPLOYMENT_FLAWS, FLAWS, parseOptions, type CoordinationOptions } from './options.js';
import { deployment, promises, space } from './space.js';
import { fireWatches, newWatches, registerWatch, type Watches } from './watches.js';

export type { CoordinationOptions } from './options.js';
export type { Grant, LockRecord, SessionRecord } from './machine.js';
export { lockKey } from './machine.js';

/** The leader's view of its sessions' quiet deadlines (volatile: a new leader starts over). */
interface Expiry {
  /** The term these deadlines were set in. */
  term: number;
  /** Session id to the local time it expires unless its client speaks. */
  deadlines: Record<string, number>;
  /** Sessions whose expire entry is proposed. */
  proposed: Record<string, true>;
  /** Sequence of the leader's own expire proposals (dedupe key with the term). */
  seq: number;
}

export type CoordinationState = RaftState & { expiry: Expiry; watches: Watches };

const TIMER_EXPIRY = 'coord-expiry';
/** Replies to the leader's own proposals go nowhere: the kernel drops ids it did not carry. */
const INTERNAL_PREFIX = '#expire';

/** Ops that name a session and so count as its client speaking (a keepalive; a read that names its session). */
function sessionOf(request: ClientRequest): string | undefined {
  const { f, key, value } = request.op;
  if (f === 'keepalive') return key;
  if (f === 'acquire' || f === 'release' || f === 'read') {
    const session = (value as { session?: unknown } | null)?.session;
    return typeof session === 'string' ? session : undefined;
  }
  return undefined;
}

export function createCoordination(options: CoordinationOptions, flaws: ReadonlySet<string>): Protocol<CoordinationState, unknown, unknown> {
  const raftFlaws = new Set([...flaws].filter((f) => !FLAWS.some((own) => own.name === f) && !DEPLOYMENT_FLAWS.some((d) => d.name === f)));
  const raft = createRaft(options.raft, raftFlaws, applyCoordination);
  const followerReads = flaws.has('follower-reads');
  const clock = (ctx: { now(): number; monotonic(): number }): number => (options.expiryClock === 'wall' ? ctx.now() : ctx.monotonic());

  const ownTermCommitted = (state: RaftState): boolean => state.leader !== null && state.commitIndex >= state.leader.termStartIndex;

  /** The leader's deadlines, started over when its term is new. */
  const deadlinesOf = (state: CoordinationState, nowUs: number): Expiry => {
    const expiry = state.expiry;
    if (expiry.term !== state.currentTerm) {
      expiry.term = state.currentTerm;
      expiry.deadlines = {};
      expiry.proposed = {};
    }
    // A session this leader has not seen yet gets a full TTL from now.
    for (const [id, session] of sessionsOf(state.kv)) if (expiry.deadlines[id] === undefined) expiry.deadlines[id] = nowUs + session.ttlUs;
    return expiry;
  };

  /** The expiry timer: the leader proposes to expire the sessions quiet for their TTL. */
  const expireQuietSessions = (state: CoordinationState, ctx: NodeContext<unknown, unknown>): void => {
    ctx.setTimer(TIMER_EXPIRY, options.expiryCheckUs);
    if (!ownTermCommitted(state)) return;
    const now = clock(ctx);
    const expiry = deadlinesOf(state, now);
    for (const [id] of sessionsOf(state.kv)) {
      if (expiry.proposed[id] === true || now < expiry.deadlines[id]!) continue;
      expiry.proposed[id] = true;
      ctx.note('session-expired', { session: id });
      const seq = state.currentTerm * 1_000_000 + ++expiry.seq;
      raft.onRequest(state, { id: `${INTERNAL_PREFIX}:${id}`, client: `${state.self}/expiry`, seq, op: { f: 'expire', key: id, value: null } }, ctx as never);
    }
  };

  return {
    ...raft,
    name: 'coordination',
    init(ctx, durable) {
      const state = raft.init(ctx as never, durable as never) as CoordinationState;
      state.expiry = { term: -1, deadlines: {}, proposed: {}, seq: 0 };
      state.watches = newWatches();
      ctx.setTimer(TIMER_EXPIRY, options.expiryCheckUs);
      return state;
    },
    onMessage(state, from, msg, ctx) {
      raft.onMessage(state, from, msg as never, ctx as never);
      fireWatches(state.watches, state.kv, state.lastApplied, ctx);
    },
    onTimer(state, timer, ctx) {
      if (timer === TIMER_EXPIRY) expireQuietSessions(state, ctx);
      else raft.onTimer(state, timer, ctx as never);
      fireWatches(state.watches, state.kv, state.lastApplied, ctx);
    },
    onRequest(state, request, ctx) {
      if (request.op.f === 'watch') return registerWatch(state.watches, state.kv, request, ctx);
      const session = sessionOf(request);
      if (session !== undefined && ownTermCommitted(state)) {
        const record = state.kv.data[sessionKey(session)] as SessionRecord | undefined;
        const now = clock(ctx);
        const expiry = deadlinesOf(state, now);
        // The client spoke: its session lives a TTL from now (unless its expiry is under way).
        if (record !== undefined && expiry.proposed[session] !== true) expiry.deadlines[session] = now + record.ttlUs;
      }
      if (followerReads && request.op.f === 'read') {
        // Any replica answers from its own state: a follower's may be stale, and the leader never
        // hears from a session whose client reads from a follower.
        ctx.reply(request.id, { type: 'ok', value: state.kv.data[request.op.key ?? ''] ?? null });
        return;
      }
      raft.onRequest(state, request, ctx as never);
      // A one-node service applies on the request itself.
      fireWatches(state.watches, state.kv, state.lastApplied, ctx);
    },
    summary: (s) => `${raft.summary!(s)}, ${sessionsOf(s.kv).length} sessions`,
  };
}

export const definition: ProtocolDefinition<CoordinationOptions> = {
  name: 'coordination',
  summary: 'a lock and lease service replicated by Raft: sessions with a TTL, locks and leader keys with fencing tokens (the grant\'s log index), linearizable reads',
  models: ['lock'],
  flaws: [...FLAWS, ...DEPLOYMENT_FLAWS],
  parseOptions,
  space,
  promises,
  deployment,
  clusterIssues: ({ flaws }) =>
    DEPLOYMENT_FLAWS.filter((d) => flaws.has(d.name)).map((d) => ({
      path: [],
      message: `${d.name} is a design dsim fuzz plants in the deployment it runs (store fencing: false, a lock-client flaw, redlock-client groups), not a flaw of the coordination service: write it where it belongs`,
    })),
  create: ({ options, flaws }) => createCoordination(options, flaws),
};
