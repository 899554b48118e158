/**
 * Leaderless replication, Dynamo-style: keys placed on a consistent-hashing ring, any node
 * coordinates, writes need W of N acks and reads R of N replies; read repair, anti-entropy by bucket
 * digests, optional sloppy quorum with hinted handoff, failure detection by timeouts. Versions are
 * version vectors (siblings) or last-writer-wins timestamps from the coordinator's clock; counter
 * and set replicas hold CRDTs. See docs/protocols/leaderless.md.
 */
import type { NodeId } from '../../core/ids.js';
import type { Protocol, ProtocolDefinition } from '../../core/protocol.js';
import { sharedRing } from '../common/ring.js';
import { clientValue, newMinter } from '../crdt/object.js';
import { ANTI_ENTROPY_TIMER, onAntiEntropyTimer, onDiff, onDigests, onPush } from './anti-entropy.js';
import { leaderlessChecks } from './checks.js';
import { mintingInvariants } from '../crdt/invariants.js';
import { isCoordinatorTimer, onCoordinatorTimer, onGetReply, onPutAck, onRequest } from './coordinator.js';
import { HANDOFF_TIMER, onHandoff, onHandoffAck, onHandoffTimer } from './handoff.js';
import { parseOptions, type LeaderlessOptions } from './options.js';
import { heardFrom } from './placement.js';
import { applyPut, applyRepair, readLocal, type Ctx } from './replica.js';
import { SINGLE_OBJECT_KEY, type LeaderlessDurable, type LeaderlessMsg, type LeaderlessState } from './types.js';
import { withWorkloadModel } from '../common/replicated-store.js';
import { promises, space } from './space.js';

export type { LeaderlessOptions } from './options.js';
export type { LeaderlessState, LeaderlessMsg } from './types.js';

export function createLeaderless(options: LeaderlessOptions): Protocol<LeaderlessState, LeaderlessMsg, LeaderlessDurable> {
  return {
    name: 'leaderless',
    init(ctx, durable) {
      const state: LeaderlessState = {
        self: ctx.self,
        members: ctx.members,
        ring: sharedRing(ctx.members, options.tokensPerNode),
        store: durable?.store ?? {},
        hints: durable?.hints ?? [],
        hintSeq: durable?.hintSeq ?? 0,
        minter: durable?.minter ?? newMinter(),
        seen: {},
        pending: {},
        opPrefix: 'o',
        nextOp: 0,
        suspects: {},
        antiEntropyTurn: 0,
      };
      // Stagger the periodic work by a random phase so nodes do not all fire in one instant.
      if (options.antiEntropyIntervalUs > 0) ctx.setTimer(ANTI_ENTROPY_TIMER, Math.floor(options.antiEntropyIntervalUs * (0.5 + ctx.random())));
      if (options.hintedHandoff) ctx.setTimer(HANDOFF_TIMER, Math.floor(options.handoffIntervalUs * (0.5 + ctx.random())));
      // Op ids name this incarnation: counted from 0 again after a restart, a reply to an op of
      // the previous life (delayed on the network) matched the new op of the same number, for
      // another key, and its object was merged into that key (found by the default fuzz
      // campaign: seed 20261130, run 3,031, lost-updates). Drawn last, so the draws above stay.
      state.opPrefix = `o${Math.floor(ctx.random() * 1e9)}.`; // digits: coverage reads them as one moment
      return state;
    },
    onMessage(state, from: NodeId, msg, ctx: Ctx) {
      heardFrom(state, from);
      switch (msg.type) {
        case 'put':
          if (applyPut(state, msg.key, msg.obj, msg.hintFor, ctx, options)) ctx.send(from, { type: 'put-ack', op: msg.op });
          return;
        case 'put-ack':
          onPutAck(state, from, msg.op, ctx, options);
          return;
        case 'get':
          ctx.send(from, { type: 'get-reply', op: msg.op, obj: readLocal(state, msg.key) });
          return;
        case 'get-reply':
          onGetReply(state, from, msg.op, msg.obj, ctx, options);
          return;
        case 'repair':
          applyRepair(state, msg.key, msg.obj, ctx, options);
          return;
        case 'ae-digests':
          onDigests(state, from, msg.digests, ctx, options);
          return;
        case 'ae-diff':
          onDiff(state, from, msg.buckets, msg.objects, ctx, options);
          return;
        case 'ae-push':
          onPush(state, msg.objects, ctx, options);
          return;
        case 'handoff':
          onHandoff(state, from, msg.items, ctx);
          return;
        case 'handoff-ack':
          onHandoffAck(state, from, msg.items, ctx, options);
          return;
      }
    },
    onTimer(state, timer, ctx) {
      if (timer === ANTI_ENTROPY_TIMER) onAntiEntropyTimer(state, ctx, options);
      else if (timer === HANDOFF_TIMER) onHandoffTimer(state, ctx, options);
      else if (isCoordinatorTimer(timer)) onCoordinatorTimer(state, timer, ctx, options);
    },
    onRequest(state, req, ctx) {
      onRequest(state, req, ctx, options);
    },
    view(state) {
      if (options.model !== 'kv') return clientValue(state.store[SINGLE_OBJECT_KEY], options.model);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(state.store).sort()) out[key] = clientValue(state.store[key], 'kv');
      return out;
    },
    summary: (s) =>
      `${Object.keys(s.store).length} keys, ${s.hints.length} hints held, ${Object.keys(s.pending).length} ops coordinating, suspects ${Object.keys(s.suspects).sort().join(',') || 'none'}`,
    invariants: mintingInvariants<LeaderlessState>(),
    checks: leaderlessChecks(options),
  };
}

export const definition: ProtocolDefinition<LeaderlessOptions> = {
  name: 'leaderless',
  summary: 'Dynamo-style leaderless quorums (N, R, W) on a consistent-hashing ring: read repair, anti-entropy, sloppy quorum with hinted handoff; version vectors or LWW; CRDT counters and sets',
  models: ['kv', 'counter', 'set'],
  flaws: [],
  parseOptions,
  space,
  promises,
  // The workload's model decides what the replicas store (an explicit `options.model` must agree).
  create: ({ options, model }) => createLeaderless(withWorkloadModel(options, model)),
};
