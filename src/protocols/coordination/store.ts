/**
 * `store`: the resource a lock protects, a single-node register that lock holders write. With
 * fencing on, each write carries its holder's fencing token and the store refuses a write whose
 * token is lower than the highest it has seen (Kleppmann, "How to do distributed locking"): a
 * client that lost its lock without knowing it (paused past its lease, its write delayed in the
 * network) cannot overwrite its successor's writes. The highest token seen is persisted with the
 * value, so a restart does not forget it.
 *
 * Writes: `{ f: 'write', key, value: { token, by } }`; reads: `{ f: 'read', key }`.
 */
import { z } from 'zod';
import type { Invariant, Protocol, ProtocolDefinition } from '../../core/protocol.js';
import { zodOptions } from '../common/options.js';

const optionsSchema = z.strictObject({
  /** Refuse writes whose token is below the highest seen. Off: the unsafe resource that trusts its clients. */
  fencing: z.boolean().default(true),
});
export type StoreOptions = z.output<typeof optionsSchema>;

export interface StoreDurable {
  readonly data: Readonly<Record<string, unknown>>;
  /** Highest token applied or seen, per key. */
  readonly maxToken: Readonly<Record<string, number>>;
}

export interface StoreState {
  data: Record<string, unknown>;
  maxToken: Record<string, number>;
  /** Writes applied, and refused as fenced. */
  applied: number;
  fenced: number;
  /** The first write applied after a write with a higher token (only possible without fencing). */
  staleWrite: { readonly key: string; readonly token: number; readonly after: number; readonly by: string } | null;
}

const fencedWrites: Invariant<StoreState> = {
  name: 'fenced-writes',
  description: 'the resource never applies a write whose fencing token is lower than one it applied before (a holder whose lock had passed on)',
  monitor: () => (cluster) => {
    const nodes = cluster.changed !== undefined ? [cluster.changed] : cluster.nodes;
    for (const node of nodes) {
      const stale = node.state?.staleWrite;
      if (stale != null) return `${node.id} applied ${stale.by}'s write to ${stale.key} with token ${stale.token} after a write with token ${stale.after}`;
    }
    return undefined;
  },
};

export function createStore(options: StoreOptions): Protocol<StoreState, never, StoreDurable> {
  return {
    name: 'store',
    init: (_ctx, durable) => ({ data: { ...(durable?.data ?? {}) }, maxToken: { ...(durable?.maxToken ?? {}) }, applied: 0, fenced: 0, staleWrite: null }),
    onMessage() {},
    onTimer() {},
    onRequest(state, request, ctx) {
      const { f, key = '', value } = request.op;
      if (f === 'read') {
        ctx.reply(request.id, { type: 'ok', value: state.data[key] ?? null });
        return;
      }
      if (f !== 'write') {
        ctx.reply(request.id, { type: 'fail', error: `unknown op ${f} (expected read, write)` });
        return;
      }
      const write = (value ?? {}) as { readonly token?: unknown; readonly by?: unknown };
      const token = typeof write.token === 'number' ? write.token : 0;
      const highest = state.maxToken[key] ?? 0;
      if (token < highest) {
        if (options.fencing) {
          state.fenced++;
          ctx.reply(request.id, { type: 'fail', error: `fenced: token ${token} is below ${highest}` });
          return;
        }
        state.staleWrite ??= { key, token, after: highest, by: String(write.by ?? request.client) };
      }
      state.data[key] = value;
      state.maxToken[key] = Math.max(highest, token);
      state.applied++;
      ctx.persist({ data: { ...state.data }, maxToken: { ...state.maxToken } });
      ctx.reply(request.id, { type: 'ok', value });
    },
    role: () => 'store',
    summary: (s) => `${s.applied} writes applied, ${s.fenced} fenced`,
    view: (s) => s.data,
    invariants: [fencedWrites],
  };
}

export const storeDefinition: ProtocolDefinition<StoreOptions> = {
  name: 'store',
  summary: 'a resource protected by a lock: a single-node register that, with fencing on, refuses writes whose fencing token is below the highest it has seen',
  models: ['kv'],
  parseOptions: zodOptions(optionsSchema),
  promises: () => ({ checks: ['invariants'] }),
  create: ({ options }) => createStore(options),
};
