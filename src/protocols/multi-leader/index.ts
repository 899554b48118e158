/**
 * Multi-leader replication: every node accepts writes, acknowledges them once they are durable
 * locally, and replicates them asynchronously to every other node, resending until acknowledged.
 * Concurrent updates meet at every node and are reconciled by the `conflicts` rule: last writer
 * wins, version vectors with siblings, or CRDT merge. See docs/protocols/multi-leader.md.
 */
import type { ClientRequest } from '../../core/ops.js';
import type { Protocol, ProtocolDefinition } from '../../core/protocol.js';
import { canonical } from '../crdt/canonical.js';
import { clientValue, mergeOptional, mintUpdate, newMinter, objectKindFor, type ObjectKind } from '../crdt/object.js';
import { multiLeaderChecks } from './checks.js';
import { multiLeaderInvariants } from './invariants.js';
import { parseOptions, type MultiLeaderOptions } from './options.js';
import { REPLICATE_TIMER, logLocalUpdate, onReplicate, onReplicateAck, onReplicateTimer, persist, type Ctx } from './replication.js';
import { SINGLE_OBJECT_KEY, type MultiLeaderDurable, type MultiLeaderMsg, type MultiLeaderState } from './types.js';
import { withWorkloadModel } from '../common/replicated-store.js';
import { promises, space } from './space.js';

export type { MultiLeaderOptions } from './options.js';
export type { MultiLeaderState, MultiLeaderMsg } from './types.js';

function onRequest(state: MultiLeaderState, req: ClientRequest, ctx: Ctx, options: MultiLeaderOptions, kind: ObjectKind): void {
  const { f } = req.op;
  const key = options.model === 'kv' ? (req.op.key ?? SINGLE_OBJECT_KEY) : SINGLE_OBJECT_KEY;
  if (f === 'read') {
    ctx.reply(req.id, { type: 'ok', value: clientValue(state.store[key], options.model) });
    return;
  }
  let argument: unknown;
  if (options.model === 'kv' && f === 'write') argument = req.op.value;
  else if (options.model === 'kv' && f === 'cas') {
    // A local compare: another leader may change the key concurrently, so this is no global cas.
    const [expected, next] = req.op.value as [unknown, unknown];
    if (canonical(clientValue(state.store[key], 'kv')) !== canonical(expected)) {
      ctx.reply(req.id, { type: 'fail', error: 'cas: the local value differs from the expected one' });
      return;
    }
    argument = next;
  } else if (options.model !== 'kv' && f === 'add') argument = req.op.value;
  else {
    ctx.reply(req.id, { type: 'fail', error: `multi-leader ${options.model} does not support ${f}` });
    return;
  }
  if (state.log.length >= options.maxLogEntries) {
    ctx.reply(req.id, { type: 'fail', error: 'replication backlog full: peers unreachable for too long' });
    return;
  }
  const delta = mintUpdate({ kind, model: options.model, argument, local: state.store[key], self: state.self, nowUs: ctx.now() }, state.minter);
  state.store[key] = mergeOptional(state.store[key], delta)!;
  logLocalUpdate(state, { seq: state.nextSeq++, key, delta }, ctx);
  persist(state, ctx); // applied first by the kernel: durable before the ack and the sends leave
  ctx.reply(req.id, { type: 'ok', value: f === 'cas' ? req.op.value : argument });
}

export function createMultiLeader(options: MultiLeaderOptions): Protocol<MultiLeaderState, MultiLeaderMsg, MultiLeaderDurable> {
  const kind = objectKindFor(options.model, options.conflicts, options.kvRegister);
  const view = (state: MultiLeaderState): unknown => {
    if (options.model !== 'kv') return clientValue(state.store[SINGLE_OBJECT_KEY], options.model);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(state.store).sort()) out[key] = clientValue(state.store[key], 'kv');
    return out;
  };
  return {
    name: 'multi-leader',
    init(ctx, durable) {
      ctx.setTimer(REPLICATE_TIMER, Math.floor(options.replicateIntervalUs * (0.5 + ctx.random())));
      return {
        self: ctx.self,
        peers: ctx.peers,
        store: durable?.store ?? {},
        minter: durable?.minter ?? newMinter(),
        log: durable?.log ?? [],
        nextSeq: durable?.nextSeq ?? 1,
        acked: durable?.acked ?? {},
        applied: durable?.applied ?? {},
      };
    },
    onMessage(state, from, msg, ctx) {
      switch (msg.type) {
        case 'replicate':
          onReplicate(state, from, msg.entries, ctx);
          return;
        case 'replicate-ack':
          onReplicateAck(state, from, msg.upTo, ctx);
          return;
      }
    },
    onTimer(state, timer, ctx) {
      if (timer === REPLICATE_TIMER) onReplicateTimer(state, ctx, options);
    },
    onRequest(state, req, ctx) {
      onRequest(state, req, ctx, options, kind);
    },
    role: () => 'leader',
    roles: ['leader'],
    summary: (s) => `${Object.keys(s.store).length} keys, ${s.log.length} own updates unacknowledged, applied ${Object.entries(s.applied).map(([n, seq]) => `${n}:${seq}`).join(' ')}`,
    view,
    invariants: multiLeaderInvariants,
    checks: multiLeaderChecks(options, view),
  };
}

export const definition: ProtocolDefinition<MultiLeaderOptions> = {
  name: 'multi-leader',
  summary: 'Every node a leader: local acks, asynchronous all-to-all replication with retransmission; conflicts by last-writer-wins, version vectors (siblings) or CRDT merge',
  models: ['kv', 'counter', 'set'],
  flaws: [],
  parseOptions,
  space,
  promises,
  // The workload's model decides what the replicas store (an explicit `options.model` must agree).
  create: ({ options, model }) => createMultiLeader(withWorkloadModel(options, model)),
};
