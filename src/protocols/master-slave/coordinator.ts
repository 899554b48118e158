/**
 * Failover through a coordination service (`failover: coordinator`), as Patroni does with etcd or
 * ZooKeeper: the database does not elect its own primary. Every node opens a session with the
 * coordination service (a group of the scenario) and keeps it alive; the nodes that are not
 * primary race for the leader key (`acquire` on lock `<group>-leader`, polling every heartbeat).
 * The holder is primary, and its epoch is the key's fencing token (the grant's log index), so
 * epochs only grow and the existing epoch fencing (replicas refuse a lower epoch, a primary that
 * hears of a higher one steps down) is token fencing.
 *
 * The primary serves only while it believes its session alive: the local time it sent the last
 * request that proved the session alive, plus the TTL less `leaseMargin` of it. It checks before
 * every write and read and every heartbeat; when the belief runs out (cut off from the coordination
 * service, say, though its clients still reach it) it steps down. The service expires the session
 * a full TTL after the last request it received, on its leader's clock, and only then can another
 * node take the key: the old primary has stopped serving by then if the clocks agree within the
 * margin.
 */
import type { NodeId } from '../../core/ids.js';
import type { OpResult } from '../../core/ops.js';
import { serviceContext, type ServiceContext } from '../../core/services.js';
import { becomePrimary } from './election.js';
import { becomeReplica } from './fencing.js';
import type { Ctx, Env, MsState } from './types.js';

/** A node's client side of the coordination service (volatile: a restart opens a new session). */
export interface CoordClient {
  /** This incarnation's client name at the coordination service (see incarnationName). */
  readonly client: string;
  session: string | null;
  /** Local time the primary's belief in its session (so its key) ends. */
  leaseUntilUs: number;
  /**
   * The request in flight: open or acquire (one at a time), with the local time it first left (a
   * grant proves the session alive no earlier) and the time its latest copy left (when to resend).
   */
  pending: { kind: 'open' | 'acquire'; requestId: string; seq: number; firstSentUs: number; sentUs: number; to: NodeId } | null;
  keepalive: Keepalive | null;
  /**
   * Keepalives given up on but still listened for (at most MAX_LATE_KEEPALIVES, none older than the
   * lease): an answer that comes after the next keepalive left (a redirect, a slow link, a busy
   * service's log round) still proves the session alive at its send time.
   */
  lateKeepalives: Keepalive[];
  lastKeepaliveUs: number;
  seq: number;
  keepaliveSeq: number;
  leaderHint: NodeId | null;
}

interface Keepalive {
  requestId: string;
  readonly sentUs: number;
}

/** Late keepalives listened for: a lease's worth at a keepalive every quarter TTL. */
const MAX_LATE_KEEPALIVES = 4;

export function newCoordClient(client: string): CoordClient {
  return { client, session: null, leaseUntilUs: 0, pending: null, keepalive: null, lateKeepalives: [], lastKeepaliveUs: 0, seq: 0, keepaliveSeq: 0, leaderHint: null };
}

type SCtx = ServiceContext<never, never>;

const sctx = (ctx: Ctx): SCtx => serviceContext(ctx, 'master-slave with failover: coordinator') as unknown as SCtx;
const keyOf = (ctx: SCtx): string => `${ctx.group}-leader`;

function coordNode(c: CoordClient, ctx: SCtx, env: Env, avoid?: NodeId): NodeId {
  if (c.leaderHint !== null && c.leaderHint !== avoid) return c.leaderHint;
  const service = env.options.coordinator!.service;
  const all = ctx.service(service);
  if (all.length === 0) throw new Error(`master-slave: no group ${service} to use as coordinator`);
  // Another node than the one that just failed us, unless it is the only one.
  const others = all.filter((n) => n !== avoid);
  const nodes = others.length > 0 ? others : all;
  return nodes[Math.floor(ctx.random() * nodes.length)]!;
}

function leaseUs(env: Env): number {
  const o = env.options.coordinator!;
  return Math.floor(o.ttlUs * (1 - o.leaseMargin));
}

/**
 * Whether this primary may serve now; steps it down when its session belief ran out. Every
 * request and heartbeat asks first.
 */
export function primaryLeaseHolds(state: MsState, ctx: Ctx, env: Env): boolean {
  if (env.options.failover !== 'coordinator' || state.role !== 'primary') return true;
  if (ctx.monotonic() < state.coord.leaseUntilUs) return true;
  becomeReplica(state, null, ctx, env, 'its coordinator session lapsed');
  ctx.note('lease-lapsed', { epoch: state.epoch });
  return false;
}

/** Every heartbeat: keep the session alive, and race for the key unless primary. */
export function coordinatorTick(state: MsState, rawCtx: Ctx, env: Env): void {
  const ctx = sctx(rawCtx);
  const c = state.coord;
  const now = ctx.monotonic();
  const keepaliveEveryUs = Math.max(1, Math.floor(env.options.coordinator!.ttlUs / 4));
  if (c.session !== null && c.keepalive === null && now - c.lastKeepaliveUs >= keepaliveEveryUs) {
    c.lastKeepaliveUs = now;
    c.keepalive = { requestId: '', sentUs: now };
    c.keepalive.requestId = ctx.call(coordNode(c, ctx, env), { client: `${c.client}/keepalive`, seq: ++c.keepaliveSeq, op: { f: 'keepalive', key: c.session, value: null } });
  } else if (c.keepalive !== null && now - c.keepalive.sentUs >= keepaliveEveryUs) {
    // No answer within a keepalive period: the next tick sends another, and this one's answer is
    // still taken if it comes. Dropping it instead left a primary whose answers took longer than
    // the period (a fast clock, 20-45 ms links, the service's log round) renewing nothing: it
    // stepped down every lease and was primary again a moment later, serving almost nothing.
    c.lateKeepalives = c.lateKeepalives.filter((k) => now - k.sentUs < leaseUs(env));
    if (c.lateKeepalives.push(c.keepalive) > MAX_LATE_KEEPALIVES) c.lateKeepalives.shift();
    c.keepalive = null;
    c.leaderHint = null;
  }
  if (c.pending !== null) {
    // No answer to the latest copy within a keepalive period: ask again (same seq: the service
    // dedupes it). Counted from the latest copy, not the first: a request redirected once to the
    // leader is answered only after two round trips, and resending it every tick once the first
    // copy is old ignored each answer for the next copy's (no primary ever, at 16 ms a hop).
    if (now - c.pending.sentUs >= keepaliveEveryUs) {
      c.pending.to = coordNode(c, ctx, env, c.pending.to);
      resend(c, ctx, env);
    }
    return;
  }
  if (c.session === null) return start(c, ctx, env, 'open');
  if (state.role !== 'primary') start(c, ctx, env, 'acquire');
}

function start(c: CoordClient, ctx: SCtx, env: Env, kind: 'open' | 'acquire'): void {
  c.pending = { kind, requestId: '', seq: ++c.seq, firstSentUs: ctx.monotonic(), sentUs: ctx.monotonic(), to: coordNode(c, ctx, env) };
  resend(c, ctx, env);
}

function resend(c: CoordClient, ctx: SCtx, env: Env): void {
  const p = c.pending!;
  p.sentUs = ctx.monotonic();
  const op = p.kind === 'open' ? { f: 'open', value: { ttlUs: env.options.coordinator!.ttlUs } } : { f: 'acquire', key: keyOf(ctx), value: { session: c.session, value: ctx.self } };
  p.requestId = ctx.call(p.to, { client: c.client, seq: p.seq, op });
}

export function onCoordinatorReply(state: MsState, requestId: string, result: OpResult, from: NodeId, rawCtx: Ctx, env: Env): void {
  const ctx = sctx(rawCtx);
  const c = state.coord;
  const late = c.lateKeepalives.findIndex((k) => k.requestId === requestId);
  const ka = c.keepalive !== null && c.keepalive.requestId === requestId ? c.keepalive : late >= 0 ? c.lateKeepalives[late]! : null;
  if (ka !== null) {
    if (ka === c.keepalive) c.keepalive = null;
    else c.lateKeepalives.splice(late, 1);
    if (result.type === 'ok') {
      c.leaderHint = from;
      if (state.role === 'primary' && ctx.monotonic() < c.leaseUntilUs) c.leaseUntilUs = Math.max(c.leaseUntilUs, ka.sentUs + leaseUs(env));
    } else if (result.type === 'fail') {
      c.session = null;
      if (state.role === 'primary') becomeReplica(state, null, rawCtx, env, 'its coordinator session expired');
    } else if (result.type === 'redirect') c.leaderHint = result.to ?? null;
    return;
  }
  const p = c.pending;
  if (p === null || p.requestId !== requestId) return;
  if (result.type === 'redirect' || result.type === 'info') {
    c.leaderHint = result.type === 'redirect' ? (result.to ?? null) : null;
    p.to = coordNode(c, ctx, env, from);
    resend(c, ctx, env);
    return;
  }
  c.pending = null;
  c.leaderHint = from;
  if (p.kind === 'open') {
    if (result.type === 'ok') c.session = (result.value as { session: string }).session;
    return;
  }
  if (result.type === 'fail') {
    if (result.error.includes('expired')) c.session = null;
    return;
  }
  const token = (result.value as { token: number }).token;
  const until = p.firstSentUs + leaseUs(env);
  if (ctx.monotonic() >= until || token < state.epoch) return; // too late to count on, or an older grant
  c.leaseUntilUs = until;
  if (state.role !== 'primary') becomePrimary(state, token, rawCtx, env, `holds the leader key (token ${token})`);
}
