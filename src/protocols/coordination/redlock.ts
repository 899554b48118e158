/**
 * `redlock-client`: a lock taken on a majority of independent lock servers, as Redis's Redlock
 * does: no consensus among the servers, each a single-node `coordination` group of its own. Each
 * round the client opens a session with every server (its TTL is the lock's validity, with no
 * keepalive: Redlock's `SET key value NX PX ttl`), asks each for the lock, and believes it holds
 * the lock when a majority granted it, until the time it started asking plus the TTL less a margin
 * for drift. It then works, writes to the resource (with no fencing token: tokens of independent
 * servers say nothing about each other) and releases on every server.
 *
 * Safety rests on every server's clock: a server whose clock jumps forward expires the session
 * early and grants the lock to another client, which can then gather its own majority while the
 * first still believes it holds the lock (Kleppmann, "How to do distributed locking"). The
 * `mutual-exclusion` check finds it.
 */
import { z } from 'zod';
import type { NodeId } from '../../core/ids.js';
import type { Op, OpResult } from '../../core/ops.js';
import type { ProtocolDefinition } from '../../core/protocol.js';
import { incarnationName, serviceContext, type ServiceContext, type ServiceProtocol } from '../../core/services.js';
import { durationUs, positiveDurationUs, zodOptions } from '../common/options.js';
import { LOCK_CHECKS, lockClientPromises } from './checks.js';

const optionsSchema = z.strictObject({
  /** The lock servers: groups of one `coordination` node each. */
  servers: z.array(z.string().min(1)).min(1).default(['r1', 'r2', 'r3', 'r4', 'r5']),
  resource: z.string().default('store'),
  lock: z.string().min(1).default('L'),
  ttlUs: positiveDurationUs.default(1_000_000),
  leaseMargin: z.number().min(0).max(0.9).default(0.1),
  /** How long a round waits for the servers' answers. */
  requestTimeoutUs: positiveDurationUs.default(100_000),
  /** Work in the critical section before the write. */
  holdUs: durationUs.default(100_000),
  idleUs: durationUs.default(100_000),
});
export type RedlockOptions = z.output<typeof optionsSchema>;

type Phase = 'idle' | 'opening' | 'acquiring' | 'holding' | 'releasing';

interface Ask {
  readonly server: string;
  readonly node: NodeId;
  requestId: string;
  answer: OpResult | null;
}

export interface RedlockState {
  /** This incarnation's client name at the servers (see incarnationName). */
  readonly client: string;
  phase: Phase;
  round: number;
  seq: number;
  /** Local time the round's first request left: the lock's validity counts from it. */
  roundStartUs: number;
  untilUs: number;
  sessions: Record<string, string>;
  asks: Ask[];
  holds: number;
}

type Ctx = ServiceContext<never, never>;
const T_TICK = 'tick';
const T_DEADLINE = 'deadline';
const T_LEASE = 'lease';
const T_WRITE = 'write';

export function createRedlockClient(options: RedlockOptions): ServiceProtocol<RedlockState, never, never> {
  const ctxOf = (ctx: unknown): Ctx => serviceContext(ctx as Ctx, 'redlock-client');
  const majority = Math.floor(options.servers.length / 2) + 1;

  const ask = (state: RedlockState, ctx: Ctx, servers: readonly string[], op: (server: string) => Op): void => {
    state.asks = servers.map((server) => {
      const node = ctx.service(server)[0];
      if (node === undefined) throw new Error(`redlock-client: no group ${server} to call`);
      const a: Ask = { server, node, requestId: '', answer: null };
      a.requestId = ctx.call(node, { client: state.client, seq: ++state.seq, op: op(server) });
      return a;
    });
    ctx.setTimer(T_DEADLINE, options.requestTimeoutUs);
  };

  const idle = (state: RedlockState, ctx: Ctx): void => {
    state.phase = 'idle';
    state.asks = [];
    ctx.cancelTimer(T_DEADLINE);
    ctx.setTimer(T_TICK, options.idleUs);
  };

  const releaseAll = (state: RedlockState, ctx: Ctx): void => {
    if (state.phase === 'holding') ctx.believeHeld(options.lock, undefined);
    ctx.cancelTimer(T_LEASE);
    ctx.cancelTimer(T_WRITE);
    state.phase = 'releasing';
    const servers = Object.keys(state.sessions);
    if (servers.length === 0) return idle(state, ctx);
    ask(state, ctx, servers, (server) => ({ f: 'close', key: state.sessions[server]!, value: null }));
    state.sessions = {};
  };

  /** Every answer of the phase is in, or its deadline passed. */
  const phaseDone = (state: RedlockState, ctx: Ctx): void => {
    ctx.cancelTimer(T_DEADLINE);
    switch (state.phase) {
      case 'opening': {
        for (const a of state.asks) {
          const session = a.answer?.type === 'ok' ? (a.answer.value as { session?: unknown } | null)?.session : undefined;
          if (typeof session === 'string') state.sessions[a.server] = session;
        }
        const servers = Object.keys(state.sessions);
        if (servers.length < majority) return releaseAll(state, ctx);
        state.phase = 'acquiring';
        ctx.record({ type: 'invoke', f: 'acquire', key: options.lock, value: null });
        ask(state, ctx, servers, (server) => ({ f: 'acquire', key: options.lock, value: { session: state.sessions[server], value: ctx.self } }));
        return;
      }
      case 'acquiring': {
        const granted = state.asks.filter((a) => a.answer?.type === 'ok').length;
        const until = state.roundStartUs + Math.floor(options.ttlUs * (1 - options.leaseMargin));
        if (granted < majority || ctx.monotonic() >= until) {
          ctx.record({ type: 'fail', f: 'acquire', key: options.lock, value: null, error: `granted by ${granted} of ${options.servers.length} servers` });
          return releaseAll(state, ctx);
        }
        ctx.record({ type: 'ok', f: 'acquire', key: options.lock, value: null });
        state.phase = 'holding';
        state.untilUs = until;
        state.holds++;
        ctx.believeHeld(options.lock, until);
        ctx.setTimer(T_LEASE, until - ctx.monotonic());
        ctx.setTimer(T_WRITE, options.holdUs);
        return;
      }
      case 'releasing':
        return idle(state, ctx);
      default:
        return;
    }
  };

  return {
    name: 'redlock-client',
    init(rawCtx) {
      const ctx = ctxOf(rawCtx);
      ctx.setTimer(T_TICK, Math.floor(ctx.random() * 20_000));
      return { client: incarnationName(ctx), phase: 'idle', round: 0, seq: 0, roundStartUs: 0, untilUs: 0, sessions: {}, asks: [], holds: 0 };
    },
    onMessage() {},
    onRequest(_state, request, rawCtx) {
      rawCtx.reply(request.id, { type: 'fail', error: 'a lock client serves no requests' });
    },
    onTimer(state, timer, rawCtx) {
      const ctx = ctxOf(rawCtx);
      switch (timer) {
        case T_TICK:
          if (state.phase !== 'idle') return;
          state.phase = 'opening';
          state.round++;
          state.roundStartUs = ctx.monotonic();
          ask(state, ctx, options.servers, () => ({ f: 'open', value: { ttlUs: options.ttlUs } }));
          return;
        case T_DEADLINE:
          return phaseDone(state, ctx);
        case T_LEASE:
          if (state.phase !== 'holding') return;
          // A timer's length is set at the clock's rate when armed: a clock slowed since fires it early.
          if (ctx.monotonic() < state.untilUs) return ctx.setTimer(T_LEASE, state.untilUs - ctx.monotonic());
          releaseAll(state, ctx);
          return;
        case T_WRITE: {
          if (state.phase !== 'holding' || ctx.monotonic() >= state.untilUs) return;
          const store = ctx.service(options.resource);
          // No fencing token: the servers' tokens are not comparable with each other.
          if (store.length > 0) ctx.call(store[0]!, { client: state.client, seq: ++state.seq, op: { f: 'write', key: options.lock, value: { token: 0, by: ctx.self } } });
          releaseAll(state, ctx);
          return;
        }
        default:
          throw new Error(`redlock-client: unknown timer ${timer}`);
      }
    },
    onReply(state, requestId, result, _from, rawCtx) {
      const ctx = ctxOf(rawCtx);
      const a = state.asks.find((x) => x.requestId === requestId);
      if (a === undefined || a.answer !== null) return;
      a.answer = result;
      if (state.asks.every((x) => x.answer !== null)) phaseDone(state, ctx);
    },
    role: (s) => (s.phase === 'holding' ? 'holder' : 'waiter'),
    summary: (s) => `${s.phase}, round ${s.round}, ${s.holds} holds`,
    checks: LOCK_CHECKS,
  };
}

export const redlockClientDefinition: ProtocolDefinition<RedlockOptions> = {
  name: 'redlock-client',
  summary: 'Redlock-style lock clients: a lock on a majority of independent single-node lock servers, no consensus, no fencing',
  models: ['lock'],
  parseOptions: zodOptions(optionsSchema),
  promises: lockClientPromises,
  create: ({ options }) => createRedlockClient(options),
};
