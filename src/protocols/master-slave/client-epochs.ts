/**
 * Epochs checked by clients (`clientEpochs: true`): the epoch is the fencing token, and replicas
 * are not the only ones who check it. Every answer carries the answering node's epoch; a client
 * remembers the highest it has seen and sends it with each request (workload/clients.ts), and it
 * does not believe an answer from a lower epoch. A node asked by a client that has seen a newer
 * epoch than its own learns from the client that it was deposed (or is behind): it adopts that
 * epoch, steps down if it was primary, and redirects the request (Kafka's leader epoch in fetch
 * requests, FENCED_LEADER_EPOCH). So a deposed primary that still answers (its lease ran longer
 * than its session: a slow clock, a pause) is not believed by any client that has heard from its
 * successor, and stops serving everyone the first time such a client reaches it (the node's side:
 * fencing.ts, fencedByClient).
 */
import type { OpResult } from '../../core/ops.js';
import type { Ctx, Env, MsState } from './types.js';

/** Answers a client; with `clientEpochs`, the answer carries this node's epoch. */
export function answer(state: MsState, ctx: Ctx, env: Env, requestId: string, result: OpResult): void {
  ctx.reply(requestId, env.options.clientEpochs ? { ...result, epoch: state.epoch } : result);
}
