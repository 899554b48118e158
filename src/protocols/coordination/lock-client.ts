/**
 * `lock-client`: nodes that embody clients of a lock (Kleppmann's "How to do distributed
 * locking"). Each opens a session with the coordination service, keeps it alive with keepalives,
 * acquires a lock (polling while another holds it), does some work, writes to the resource with its
 * fencing token, and releases. Being nodes, lock clients can be paused (a GC pause), crashed,
 * partitioned and given a bad clock like any other node.
 *
 * A waiter registers a watch on the lock (`wait: watch`, the default; watches.ts) with the highest
 * revision it has seen (the holder's token, from the refusal), and asks again as soon as the
 * service says the lock was freed after it; it polls only as a fallback, every `watchPollUs`. When
 * its session's traffic moves to another node (a keepalive answered by another node: the one it
 * watched at crashed, or lost the leadership), it registers again there with the same revision,
 * and a freeing it missed in between is answered at once. `wait: poll` asks every `pollUs` instead.
 *
 * The client believes it holds the lock until its lease runs out: the local time it sent the
 * request that last proved its session alive, plus the TTL less a margin for clock drift. It
 * checks that belief before its critical section's work, then writes a little later without
 * checking again: a pause in between is the GC pause of Kleppmann's story, which only fencing at
 * the resource makes harmless.
 *
 * The history (core/services.ts `record`) gets each acquire (invoke, and ok or fail) and each end
 * of a belief (an explicit release, or the lease running out on the client's clock, even while
 * paused), so `mutual-exclusion` judges beliefs in true time, and `dsim check --model mutex` can
 * read the history.
 */
import { z } from 'zod';
import type { NodeId } from '../../core/ids.js';
import type { OpResult, Op } from '../../core/ops.js';
import type { FlawInfo, ProtocolDefinition } from '../../core/protocol.js';
import { incarnationName, serviceContext, type ServiceContext, type ServiceProtocol } from '../../core/services.js';
import { durationUs, positiveDurationUs, zodOptions } from '../common/options.js';
import { heldToken, lockKey, type Grant, type LockRecord } from './machine.js';
import type { WatchEvent } from './watches.js';
import { LOCK_CHECKS, lockClientPromises } from './checks.js';

const optionsSchema = z
  .strictObject({
    /** The group running the coordination service. */
    service: z.string().min(1).default('coord'),
    /** The group running the resource (a `store`); empty: no writes, the lock only. */
    resource: z.string().default('store'),
    lock: z.string().min(1).default('L'),
    /** Session TTL: the service expires a session this long after its client last spoke. */
    ttlUs: positiveDurationUs.default(1_000_000),
    keepaliveUs: positiveDurationUs.default(250_000),
    /**
     * How a holder keeps its session alive: `keepalive` requests, or `read`s of the lock that name
     * the session (the holder learns it still holds the lock and the leader counts the read as the
     * session speaking), as clients that watch their own lock key do.
     */
    renew: z.enum(['keepalive', 'read']).default('keepalive'),
    /** Fraction of the TTL the client does not count on, for the drift between its clock and the service's. */
    leaseMargin: z.number().min(0).max(0.9).default(0.1),
    /** A request with no answer by then is sent again (same seq: the service dedupes it). */
    requestTimeoutUs: positiveDurationUs.default(200_000),
    /**
     * How a waiter learns that the lock was freed: `watch` registers a watch on the lock (the
     * service answers when it is freed; watches.ts) and polls only every `watchPollUs` as a fallback;
     * `poll` asks again every `pollUs`.
     */
    wait: z.enum(['watch', 'poll']).default('watch'),
    /** wait: poll: the wait before asking again while another client holds the lock. */
    pollUs: positiveDurationUs.default(50_000),
    /** wait: watch: the wait before asking again without an event (a watch lost with its node, a lost answer). */
    watchPollUs: positiveDurationUs.default(1_000_000),
    /** Work in the critical section before the write (a random part of it). */
    holdUs: durationUs.default(100_000),
    /** Between checking the lease and sending the write (where a GC pause hurts). */
    writeDelayUs: durationUs.default(5_000),
    /** Pause between a release and the next acquire. */
    idleUs: durationUs.default(100_000),
  })
  .superRefine((o, ctx) => {
    if (o.keepaliveUs >= o.ttlUs) ctx.addIssue({ code: 'custom', path: ['keepaliveUs'], message: 'must be shorter than ttlUs, or sessions expire between keepalives' });
  });
export type LockClientOptions = z.output<typeof optionsSchema>;

export const LOCK_CLIENT_FLAWS = [
  {
    name: 'lease-ignores-drift',
    description: 'The client counts on its whole TTL (no margin): when its clock runs slower than the service leader\'s, it still believes it holds the lock after the service expired its session and granted the lock to another client.',
    breaks: ['mutual-exclusion'],
  },
] as const satisfies readonly FlawInfo[];

type Phase = 'idle' | 'opening' | 'acquiring' | 'holding' | 'writing' | 'releasing';

interface Pending {
  readonly kind: 'open' | 'acquire' | 'release' | 'write';
  readonly seq: number;
  readonly op: Op;
  /** Local time the first attempt left: leases count from it. */
  readonly firstSentUs: number;
  requestId: string;
  to: NodeId;
}

export interface LockClientState {
  /** This incarnation's client name at the service (see incarnationName). */
  readonly client: string;
  phase: Phase;
  session: string | null;
  ttlUs: number;
  /** Fencing token of the lock held, while held. */
  token: number;
  /** Local time the belief in the lock ends. */
  untilUs: number;
  seq: number;
  pending: Pending | null;
  keepalive: { requestId: string; sentUs: number; read: boolean } | null;
  keepaliveSeq: number;
  leaderHint: NodeId | null;
  /** The highest revision seen: grants' and holders' tokens, freeing events. */
  revision: number;
  /** The watch registered while waiting (wait: watch), and the node that holds it. */
  watch: { requestId: string; node: NodeId } | null;
  watchSeq: number;
  writes: number;
  holds: number;
}

type Ctx = ServiceContext<never, never>;

/** Pause before asking again after a redirect or an indeterminate answer. */
const RETRY_AFTER_REFUSAL_US = 10_000;

const T_TICK = 'tick';
/** A request left unanswered: send it again, to another node. */
const T_RETRY = 'retry';
/** A request refused (a redirect, an indeterminate answer): send it again where the answer said. */
const T_AGAIN = 'again';
const T_KEEPALIVE = 'keepalive';
const T_LEASE = 'lease';
const T_WORK = 'work';
const T_WRITE = 'write';

export function createLockClient(options: LockClientOptions, flaws: ReadonlySet<string>): ServiceProtocol<LockClientState, never, never> {
  const margin = flaws.has('lease-ignores-drift') ? 0 : options.leaseMargin;
  const leaseUs = (state: LockClientState): number => Math.floor(state.ttlUs * (1 - margin));
  const ctxOf = (ctx: unknown): Ctx => serviceContext(ctx as Ctx, 'lock-client');

  const coordNode = (state: LockClientState, ctx: Ctx, avoid?: NodeId): NodeId => {
    if (state.leaderHint !== null && state.leaderHint !== avoid) return state.leaderHint;
    const all = ctx.service(options.service);
    if (all.length === 0) throw new Error(`lock-client: no group ${options.service} to call`);
    // Another node than the one that just failed us, unless it is the only one.
    const others = all.filter((n) => n !== avoid);
    const nodes = others.length > 0 ? others : all;
    return nodes[Math.floor(ctx.random() * nodes.length)]!;
  };

  const holding = (state: LockClientState): boolean => state.phase === 'holding' || state.phase === 'writing';

  /** A keepalive, or (renew: read, while holding) a read of the lock naming the session. */
  const renewOp = (state: LockClientState): Op =>
    options.renew === 'read' && holding(state) ? { f: 'read', key: lockKey(options.lock), value: { session: state.session } } : { f: 'keepalive', key: state.session!, value: null };

  const send = (state: LockClientState, ctx: Ctx, p: Pending): void => {
    p.requestId = ctx.call(p.to, { client: state.client, seq: p.seq, op: p.op });
    ctx.setTimer(T_RETRY, options.requestTimeoutUs);
  };

  const start = (state: LockClientState, ctx: Ctx, kind: Pending['kind'], op: Op, to: NodeId): void => {
    const p: Pending = { kind, seq: ++state.seq, op, firstSentUs: ctx.monotonic(), requestId: '', to };
    state.pending = p;
    if (kind === 'acquire') ctx.record({ type: 'invoke', f: 'acquire', key: options.lock, value: null });
    send(state, ctx, p);
  };

  const next = (state: LockClientState, ctx: Ctx): void => {
    state.watch = null; // asking again: a later event is of no use
    if (state.session === null) {
      state.phase = 'opening';
      start(state, ctx, 'open', { f: 'open', value: { ttlUs: options.ttlUs } }, coordNode(state, ctx));
    } else {
      state.phase = 'acquiring';
      start(state, ctx, 'acquire', { f: 'acquire', key: options.lock, value: { session: state.session, value: ctx.self } }, coordNode(state, ctx));
    }
  };

  const idle = (state: LockClientState, ctx: Ctx, afterUs: number): void => {
    state.phase = 'idle';
    state.pending = null;
    ctx.cancelTimer(T_RETRY);
    ctx.cancelTimer(T_AGAIN);
    ctx.setTimer(T_TICK, afterUs);
  };

  /** The belief ends now (released, or the session is gone). */
  const dropBelief = (state: LockClientState, ctx: Ctx): void => {
    if (holding(state)) ctx.believeHeld(options.lock, undefined);
    ctx.cancelTimer(T_LEASE);
    ctx.cancelTimer(T_WORK);
    ctx.cancelTimer(T_WRITE);
  };

  const release = (state: LockClientState, ctx: Ctx): void => {
    dropBelief(state, ctx);
    state.phase = 'releasing';
    start(state, ctx, 'release', { f: 'release', key: options.lock, value: { session: state.session } }, coordNode(state, ctx));
  };

  /** Registers a watch on the lock at `node`, from the highest revision seen. */
  const watchLock = (state: LockClientState, ctx: Ctx, node: NodeId): void => {
    const op: Op = { f: 'watch', key: options.lock, value: { since: state.revision } };
    state.watch = { requestId: ctx.call(node, { client: `${state.client}/watch`, seq: ++state.watchSeq, op }), node };
  };

  /** The answer to the watch: the lock was freed at a revision not seen yet, so ask for it now. */
  const onWatchEvent = (state: LockClientState, ctx: Ctx, result: OpResult): void => {
    state.watch = null;
    if (result.type !== 'ok') return; // refused: the fallback poll asks again
    const event = result.value as WatchEvent;
    if (event.revision <= state.revision) return;
    state.revision = event.revision;
    if (state.phase !== 'idle') return;
    ctx.cancelTimer(T_TICK);
    next(state, ctx);
  };

  /** Refused: wait for the holder's release on a watch (wait: watch), or poll. */
  const onRefused = (state: LockClientState, ctx: Ctx, holderToken: number | undefined, from: NodeId): void => {
    if (holderToken !== undefined) state.revision = Math.max(state.revision, holderToken);
    if (options.wait === 'watch' && holderToken !== undefined) {
      idle(state, ctx, options.watchPollUs);
      watchLock(state, ctx, from);
    } else idle(state, ctx, options.pollUs);
  };

  const onGrant = (state: LockClientState, ctx: Ctx, p: Pending, grant: Grant): void => {
    state.ttlUs = grant.ttlUs;
    state.revision = Math.max(state.revision, grant.token);
    const until = p.firstSentUs + leaseUs(state);
    if (ctx.monotonic() >= until) {
      // Granted, but the lease already ran out while the answer travelled: never believed held,
      // so the history says the acquire failed; the lock is released at the service.
      ctx.record({ type: 'fail', f: 'acquire', key: options.lock, value: grant.token, error: 'the lease ran out before the grant arrived' });
      release(state, ctx);
      return;
    }
    ctx.record({ type: 'ok', f: 'acquire', key: options.lock, value: grant.token });
    state.phase = 'holding';
    state.token = grant.token;
    state.untilUs = until;
    state.holds++;
    state.pending = null;
    ctx.cancelTimer(T_RETRY);
    ctx.believeHeld(options.lock, until);
    ctx.setTimer(T_LEASE, until - ctx.monotonic());
    ctx.setTimer(T_WORK, Math.floor(ctx.random() * options.holdUs));
  };

  const onAnswer = (state: LockClientState, ctx: Ctx, p: Pending, result: OpResult, from: NodeId): void => {
    if (result.type === 'redirect' || result.type === 'info') {
      // Not taken (or unknown): ask again, the same seq, so a command already applied is not applied twice.
      if (result.type === 'redirect') state.leaderHint = result.to ?? null;
      p.to = result.type === 'redirect' && result.to !== undefined ? result.to : coordNode(state, ctx, from);
      ctx.cancelTimer(T_RETRY);
      ctx.setTimer(T_AGAIN, RETRY_AFTER_REFUSAL_US);
      return;
    }
    if (p.kind !== 'write') state.leaderHint = from;
    switch (p.kind) {
      case 'open':
        if (result.type === 'ok') {
          const v = result.value as { session: string; ttlUs: number };
          state.session = v.session;
          state.ttlUs = v.ttlUs;
          ctx.setTimer(T_KEEPALIVE, options.keepaliveUs);
          next(state, ctx);
        } else idle(state, ctx, options.pollUs);
        return;
      case 'acquire':
        if (result.type === 'ok') return onGrant(state, ctx, p, result.value as Grant);
        ctx.record({ type: 'fail', f: 'acquire', key: options.lock, value: null, error: result.error });
        if (result.error.includes('expired')) state.session = null;
        return onRefused(state, ctx, heldToken(result.error), from);
      case 'write':
        state.writes++;
        release(state, ctx);
        return;
      case 'release':
        if (result.type === 'fail' && result.error.includes('expired')) state.session = null;
        idle(state, ctx, options.idleUs);
        return;
    }
  };

  return {
    name: 'lock-client',
    init(rawCtx) {
      const ctx = ctxOf(rawCtx);
      ctx.setTimer(T_TICK, Math.floor(ctx.random() * 20_000));
      // A restarted client is a new client: it forgot its session and any lock.
      return {
        client: incarnationName(ctx),
        phase: 'idle',
        session: null,
        ttlUs: options.ttlUs,
        token: 0,
        untilUs: 0,
        seq: 0,
        pending: null,
        keepalive: null,
        keepaliveSeq: 0,
        leaderHint: null,
        revision: 0,
        watch: null,
        watchSeq: 0,
        writes: 0,
        holds: 0,
      };
    },
    onMessage() {},
    onRequest(_state, request, rawCtx) {
      rawCtx.reply(request.id, { type: 'fail', error: 'a lock client serves no requests' });
    },
    onTimer(state, timer, rawCtx) {
      const ctx = ctxOf(rawCtx);
      switch (timer) {
        case T_TICK:
          if (state.phase === 'idle') next(state, ctx);
          return;
        case T_RETRY: {
          const p = state.pending;
          if (p === null) return;
          if (p.kind === 'write') {
            // No answer from the resource: the write may or may not have happened; let the lock go.
            release(state, ctx);
            return;
          }
          // No answer: that node may be down or cut off, so ask another (a release sent to a crashed
          // leader again and again kept the lock held by a live session until the leader restarted).
          if (p.to === state.leaderHint) state.leaderHint = null;
          p.to = coordNode(state, ctx, p.to);
          send(state, ctx, p);
          return;
        }
        case T_AGAIN:
          if (state.pending !== null) send(state, ctx, state.pending);
          return;
        case T_KEEPALIVE:
          if (state.session === null) return;
          ctx.setTimer(T_KEEPALIVE, options.keepaliveUs);
          // The last one went unanswered: its node may be down or cut off, so ask another.
          if (state.keepalive !== null) state.leaderHint = null;
          state.keepalive = { requestId: '', sentUs: ctx.monotonic(), read: options.renew === 'read' && holding(state) };
          state.keepalive.requestId = ctx.call(coordNode(state, ctx), { client: `${state.client}/keepalive`, seq: ++state.keepaliveSeq, op: renewOp(state) });
          return;
        case T_LEASE:
          if (!holding(state)) return;
          // A timer's length is set at the clock's rate when armed: a clock slowed since fires it early.
          if (ctx.monotonic() < state.untilUs) return ctx.setTimer(T_LEASE, state.untilUs - ctx.monotonic());
          // The lease ran out: the history already says so (at the instant it did).
          dropBelief(state, ctx);
          idle(state, ctx, options.idleUs);
          return;
        case T_WORK:
          if (state.phase !== 'holding') return;
          if (ctx.monotonic() >= state.untilUs) return; // the lease timer lets go
          if (options.resource === '') {
            release(state, ctx);
            return;
          }
          state.phase = 'writing';
          ctx.setTimer(T_WRITE, options.writeDelayUs);
          return;
        case T_WRITE: {
          if (state.phase !== 'writing') return;
          // No second look at the lease: the time since the check is the GC pause's window.
          const store = ctx.service(options.resource);
          if (store.length === 0) throw new Error(`lock-client: no group ${options.resource} to write to`);
          start(state, ctx, 'write', { f: 'write', key: options.lock, value: { token: state.token, by: ctx.self } }, store[0]!);
          return;
        }
        default:
          throw new Error(`lock-client: unknown timer ${timer}`);
      }
    },
    onReply(state, requestId, result, from, rawCtx) {
      const ctx = ctxOf(rawCtx);
      const ka = state.keepalive;
      if (ka !== null && ka.requestId === requestId) {
        state.keepalive = null;
        const record = result.type === 'ok' ? (result.value as LockRecord | null) : null;
        if (result.type === 'ok' && ka.read && holding(state) && (record === null || record.session !== state.session || record.token !== state.token)) {
          // The read says the lock is no longer this session's: the belief ends now.
          state.leaderHint = from;
          dropBelief(state, ctx);
          idle(state, ctx, options.idleUs);
        } else if (result.type === 'ok') {
          state.leaderHint = from;
          // The session's traffic moved to another node: watch there, from the last revision seen.
          if (state.watch !== null && state.watch.node !== from && state.phase === 'idle') {
            ctx.note('watch-moved', { from: state.watch.node, to: from, since: state.revision });
            watchLock(state, ctx, from);
          }
          const until = ka.sentUs + leaseUs(state);
          if (holding(state) && until > state.untilUs && ctx.monotonic() < state.untilUs) {
            state.untilUs = until;
            ctx.believeHeld(options.lock, until, true);
            ctx.setTimer(T_LEASE, until - ctx.monotonic());
          }
        } else if (result.type === 'fail') {
          // The session expired: every lock it held is gone.
          state.session = null;
          if (holding(state)) {
            dropBelief(state, ctx);
            idle(state, ctx, options.idleUs);
          }
        } else if (result.type === 'redirect') state.leaderHint = result.to ?? null;
        return;
      }
      if (state.watch !== null && state.watch.requestId === requestId) return onWatchEvent(state, ctx, result);
      const p = state.pending;
      if (p === null || p.requestId !== requestId) return; // stale or duplicate
      onAnswer(state, ctx, p, result, from);
    },
    role: (s) => (s.phase === 'holding' ? 'holder' : s.phase === 'writing' ? 'writer' : 'waiter'),
    summary: (s) => `${s.phase}${s.session !== null ? `, session ${s.session}` : ''}${s.phase === 'holding' || s.phase === 'writing' ? `, token ${s.token}` : ''}, ${s.holds} holds, ${s.writes} writes`,
    checks: LOCK_CHECKS,
  };
}

export const lockClientDefinition: ProtocolDefinition<LockClientOptions> = {
  name: 'lock-client',
  summary: 'clients of a lock as nodes: a session kept alive, acquire (polling), work, a write fenced by the token, release',
  models: ['lock'],
  flaws: LOCK_CLIENT_FLAWS,
  parseOptions: zodOptions(optionsSchema),
  promises: lockClientPromises,
  create: ({ options, flaws }) => createLockClient(options, flaws),
};
