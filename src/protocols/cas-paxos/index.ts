/**
 * CASPaxos (Rystsov, "CASPaxos: Replicated State Machines without logs", 2018): each key is a
 * register changed by a single-decree Paxos round per change. Any node proposes; read, write and
 * cas are change functions applied to the value phase 1 returns and written by phase 2 — what
 * Cassandra's and ScyllaDB's lightweight transactions do. Optionally a stable proposer skips phase
 * 1 by piggybacking the next prepare on each accept. Models: register (one key) and kv.
 */
import { assertNever } from '../../core/assert.js';
import type { Protocol, ProtocolDefinition } from '../../core/protocol.js';
import { formatBallot } from '../paxos/ballot.js';
import { accept, prepare } from './acceptor.js';
import { casPaxosInvariants } from './invariants.js';
import { FLAWS, parseOptions, resolveFlaws, type CasPaxosOptions } from './options.js';
import { TIMER_ATTEMPT, TIMER_RETRY, onAttemptTimer, onClientRequest, onReply, onRetryTimer } from './proposer.js';
import { promises, space } from './space.js';
import type { CasState, Ctx, Durable, Env, Message } from './types.js';

export type { CasPaxosOptions } from './options.js';
export type { CasState, Message as CasPaxosMessage, Durable as CasPaxosDurable, Versioned } from './types.js';

export function createCasPaxos(options: CasPaxosOptions, flawNames: ReadonlySet<string>): Protocol<CasState, Message, Durable> {
  const flaws = resolveFlaws(flawNames);
  const current: { ctx: Ctx; readonly options: CasPaxosOptions; readonly flaws: typeof flaws } = { ctx: undefined as unknown as Ctx, options, flaws };
  /** Starts a step: the trail the invariants read holds this step's records only. */
  const begin = (state: CasState, ctx: Ctx): Env => {
    current.ctx = ctx;
    const t = state.trail;
    if (t.accepts.length > 0) t.accepts = [];
    if (t.introduced.length > 0) t.introduced = [];
    if (t.learned.length > 0) t.learned = [];
    if (t.promised.length > 0) t.promised = [];
    return current;
  };

  return {
    name: 'cas-paxos',
    init(ctx, durable) {
      const registers = { ...(durable?.registers ?? {}) };
      const persistedPromises: Record<string, number> = {};
      for (const key of Object.keys(registers)) persistedPromises[key] = registers[key]!.promised;
      return {
        self: ctx.self,
        selfIndex: ctx.members.indexOf(ctx.self),
        members: ctx.members,
        quorum: Math.floor(ctx.members.length / 2) + 1,
        registers,
        refused: { ...(durable?.refused ?? {}) },
        proposed: { ...(durable?.proposed ?? {}) },
        persistedPromises,
        maxRound: 0,
        proposers: {},
        pending: 0,
        trail: { accepts: [], introduced: [], learned: [], promised: [] },
      };
    },

    onMessage(state, from, msg, ctx) {
      const e = begin(state, ctx);
      switch (msg.type) {
        case 'prepare':
          ctx.send(from, prepare(state, e, msg.key, msg.ballot));
          return;
        case 'accept':
          ctx.send(from, accept(state, e, msg.key, msg.ballot, msg.value, msg.next));
          return;
        case 'promise':
        case 'accepted':
        case 'conflict':
          return onReply(state, e, from, msg);
        default:
          return assertNever(msg, 'cas-paxos message');
      }
    },

    onTimer(state, timer, ctx) {
      const e = begin(state, ctx);
      if (timer.startsWith(TIMER_ATTEMPT)) return onAttemptTimer(state, e, timer.slice(TIMER_ATTEMPT.length));
      if (timer.startsWith(TIMER_RETRY)) return onRetryTimer(state, e, timer.slice(TIMER_RETRY.length));
      throw new Error(`cas-paxos: unknown timer ${timer}`);
    },

    onRequest(state, request, ctx) {
      onClientRequest(state, begin(state, ctx), request);
    },

    summary: (s) => {
      const keys = Object.keys(s.registers).sort();
      const busy = Object.values(s.proposers).filter((p) => p.attempt !== null).length;
      const parts = keys.map((k) => `${k || 'register'}=${JSON.stringify(s.registers[k]!.value.data)}@${formatBallot(s.registers[k]!.accepted, s.members)}`);
      return `${busy} ops proposing; ${parts.join(', ') || 'no registers yet'}`;
    },
    view: (state) => {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(state.registers).sort()) out[key] = state.registers[key]!.value.data;
      return out;
    },
    invariants: casPaxosInvariants,
  };
}

export const definition: ProtocolDefinition<CasPaxosOptions> = {
  name: 'cas-paxos',
  summary: 'CASPaxos: a register per key, each change one single-decree Paxos round (read, write and cas as change functions), any node proposes, optional one-round-trip proposer',
  models: ['kv', 'register'],
  flaws: FLAWS,
  parseOptions,
  space,
  promises,
  create: ({ options, flaws }) => createCasPaxos(options, flaws),
};
