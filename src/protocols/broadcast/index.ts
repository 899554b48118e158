/**
 * Gossip broadcast, as in Maelstrom's broadcast workload: a client broadcasts a value to one node;
 * every node must eventually hold every broadcast value. Each node pushes a new value to all peers
 * at once, and re-sends whatever a peer has not acknowledged on every gossip tick, so loss,
 * duplication and partitions delay delivery but never prevent it once the network heals.
 *
 * Flaws: `no-retry` sends once and never again (loss and partitions lose values for good);
 * `no-persist` keeps values only in memory (a crash forgets them, and so may the cluster).
 */
import { z } from 'zod';
import type { CheckVerdict, NodeContext, Protocol, ProtocolDefinition } from '../../core/protocol.js';
import type { ClientRequest } from '../../core/ops.js';
import { pairOperations } from '../../core/history.js';
import { plural } from '../../core/plural.js';
import { appendChunk } from '../common/frozen-chunks.js';
import { zodOptions } from '../common/options.js';

const optionsSchema = z.strictObject({
  /** How often unacknowledged values are re-sent, µs. */
  gossipIntervalUs: z.number().int().positive().default(50_000),
  /** Most values in one gossip message. */
  maxBatch: z.number().int().positive().default(256),
});
type Options = z.output<typeof optionsSchema>;

interface State {
  /** Values this node holds. */
  seen: Set<number>;
  /** What is on disk (frozen chunks). */
  chunks: Array<readonly number[]>;
  /** Per peer: values sent but not yet acknowledged (insertion-ordered, so re-sends are oldest first). */
  pending: Record<string, Set<number>>;
}
type Msg = { type: 'gossip'; values: number[] } | { type: 'gossip-ack'; values: number[] };
/**
 * Persisted values as frozen chunks: the kernel shares frozen data instead of copying it, so a
 * persist costs the new chunk, not the whole set. Chunks merge like a binary counter (the last two
 * merge while the older is no bigger), so there are O(log n) of them and each value is copied
 * O(log n) times over the whole run.
 */
type Durable = { chunks: ReadonlyArray<readonly number[]> };
type Ctx = NodeContext<Msg, Durable>;

function createBroadcast(options: Options, flaws: ReadonlySet<string>): Protocol<State, Msg, Durable> {
  const noRetry = flaws.has('no-retry');
  const noPersist = flaws.has('no-persist');

  const learn = (state: State, values: readonly number[], ctx: Ctx, except?: string): number[] => {
    const fresh = values.filter((v) => !state.seen.has(v));
    if (fresh.length === 0) return fresh;
    for (const v of fresh) state.seen.add(v);
    if (!noPersist) {
      appendChunk(state.chunks, fresh);
      ctx.persist({ chunks: state.chunks });
    }
    for (const peer of ctx.peers) {
      if (peer === except) continue;
      if (!noRetry) for (const v of fresh) state.pending[peer]!.add(v);
      ctx.send(peer, { type: 'gossip', values: fresh });
    }
    return fresh;
  };

  return {
    name: 'broadcast',
    init(ctx, durable) {
      const pending: Record<string, Set<number>> = {};
      const chunks = durable === undefined ? [] : [...durable.chunks];
      const state: State = { seen: new Set(chunks.flat()), chunks, pending };
      // After a restart, everything known is re-offered: peers may have missed it.
      for (const peer of ctx.peers) pending[peer] = new Set(noRetry ? [] : state.seen);
      ctx.setTimer('gossip', options.gossipIntervalUs);
      return state;
    },
    onMessage(state, from, msg, ctx) {
      switch (msg.type) {
        case 'gossip':
          learn(state, msg.values, ctx, from);
          ctx.send(from, { type: 'gossip-ack', values: msg.values });
          return;
        case 'gossip-ack': {
          const pending = state.pending[from];
          if (pending !== undefined) for (const v of msg.values) pending.delete(v);
          return;
        }
      }
    },
    onTimer(state, _timer, ctx) {
      if (!noRetry) {
        for (const peer of ctx.peers) {
          const pending = state.pending[peer]!;
          if (pending.size > 0) ctx.send(peer, { type: 'gossip', values: firstN(pending, options.maxBatch) });
        }
      }
      ctx.setTimer('gossip', options.gossipIntervalUs);
    },
    onRequest(state, request: ClientRequest, ctx) {
      switch (request.op.f) {
        case 'broadcast':
          learn(state, [request.op.value as number], ctx);
          ctx.reply(request.id, { type: 'ok' });
          return;
        case 'read':
          ctx.reply(request.id, { type: 'ok', value: sorted(state.seen) });
          return;
        default:
          ctx.reply(request.id, { type: 'fail', error: `broadcast has no op ${request.op.f}` });
      }
    },
    view: (state) => sorted(state.seen),
    summary: (s) => `${s.seen.size} values, ${Object.values(s.pending).reduce((n, p) => n + p.size, 0)} unacknowledged sends`,
    checks: [
      {
        name: 'broadcast-delivered',
        description: 'every acknowledged broadcast value is on every node that is up at the end',
        check: ({ nodes, history }) => broadcastDelivered(nodes, history),
      },
    ],
  };
}

function firstN(values: Set<number>, n: number): number[] {
  const out: number[] = [];
  for (const v of values) {
    if (out.length >= n) break;
    out.push(v);
  }
  return out;
}

function sorted(values: Set<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

function broadcastDelivered(
  nodes: readonly { id: string; status: string; state: State | undefined }[],
  history: Parameters<typeof pairOperations>[0],
): CheckVerdict {
  const acked = pairOperations(history)
    .filter((op) => op.f === 'broadcast' && op.outcome === 'ok')
    .map((op) => op.input as number);
  const up = nodes.filter((n) => n.status === 'up' && n.state !== undefined);
  if (up.length === 0) return { verdict: 'unknown', detail: 'no node is up at the end' };
  const missing: Array<{ node: string; values: number[] }> = [];
  const missingCount = new Map<string, number>();
  for (const node of up) {
    const lost = acked.filter((v) => !node.state!.seen.has(v));
    if (lost.length > 0) {
      missing.push({ node: node.id, values: lost.slice(0, 10) });
      missingCount.set(node.id, lost.length);
    }
  }
  if (missing.length === 0) return { verdict: 'pass', detail: `${plural(acked.length, 'acknowledged value')} on ${up.length === 1 ? 'the one up node' : `all ${up.length} up nodes`}` };
  return {
    verdict: 'fail',
    detail: `of ${plural(acked.length, 'acknowledged value')}, ${missing
      .map((m) => {
        const count = missingCount.get(m.node)!;
        return `${m.node} misses ${count === 1 ? 'value' : `${count} values:`} ${m.values.join(', ')}${count > m.values.length ? ', ...' : ''}`;
      })
      .join('; ')}`,
    evidence: missing,
  };
}

export const definition: ProtocolDefinition<Options> = {
  name: 'broadcast',
  summary: 'gossip broadcast: every node eventually holds every broadcast value',
  models: ['broadcast'],
  flaws: [
    { name: 'no-retry', description: 'push each value once and never re-send: loss and partitions lose it for good', breaks: ['broadcast-delivered'] },
    { name: 'no-persist', description: 'keep values only in memory: a crash forgets them', breaks: ['broadcast-delivered'] },
  ],
  parseOptions: zodOptions(optionsSchema),
  space: {
    // The batch size stays at its default: a backlog drains by one batch per interval, and a small
    // batch cannot keep up with the fuzzer's workloads within the quiet period.
    dimensions: [{ name: 'gossipIntervalUs', values: [50_000, 10_000, 200_000] }],
  },
  // Every value a client was told was broadcast reaches every node, once faults heal.
  promises: ({ healed }) => ({ checks: ['invariants', ...(healed ? ['broadcast-delivered', 'converged', 'liveness'] : [])] }),
  create: ({ options, flaws }) => createBroadcast(options, flaws),
};
