/**
 * Client requests: writes go to the primary (others redirect to the primary they know); reads go
 * to the primary, or with `reads: replica` to whichever node the client asked (stale reads). With
 * a read lease the primary serves reads only while it holds the lease (lease.ts).
 */
import type { ClientRequest } from '../../core/ops.js';
import { answer } from './client-epochs.js';
import { fencedByClient } from './fencing.js';
import { readValue } from './kv.js';
import { holdsReadLease } from './lease.js';
import { appendWrite, confirmedSeq } from './replication.js';
import type { Ctx, Env, MsState } from './types.js';

export function onRequest(state: MsState, req: ClientRequest, ctx: Ctx, env: Env): void {
  if (fencedByClient(state, req, ctx, env)) return;
  switch (req.op.f) {
    case 'read':
      if (env.options.failover === 'coordinator' && env.options.reads === 'primary' && state.role === 'primary' && confirmedSeq(state, ctx, env) < state.appliedSeq) {
        // A new primary applied, as a replica, entries of earlier epochs that the mode has not
        // confirmed yet: another failover could still lose them (a node that lacks them takes
        // the key next), so a read must not see them until its replicas confirm them, as a Raft
        // leader serves reads only once an entry of its own term commits. Found by fuzzing
        // failover: coordinator (sync, seed 1, run 2648): a read saw a cas that was later lost.
        // (Automatic and manual failover keep the known limit in master-slave.md: their
        // scenarios' verdicts rest on a new primary answering reads at once.)
        answer(state, ctx, env, req.id, { type: 'fail', error: `${ctx.self} is primary of epoch ${state.epoch} but its replicas have not confirmed its log yet` });
      } else if (env.options.reads === 'replica' || holdsReadLease(state, ctx, env)) {
        answer(state, ctx, env, req.id, { type: 'ok', value: readValue(state, req.op.key ?? '') });
      } else if (state.role === 'primary') {
        // Read lease lapsed (or not yet granted in this epoch): a newer primary may exist, so the
        // read is definitely not served. No `to`: the client tries another node, or us again later.
        answer(state, ctx, env, req.id, { type: 'redirect', error: `${ctx.self} is primary of epoch ${state.epoch} but holds no read lease` });
      } else {
        redirect(state, req, ctx, env);
      }
      return;
    case 'write':
    case 'cas':
      if (state.role === 'primary') appendWrite(state, req, ctx, env);
      else redirect(state, req, ctx, env);
      return;
    default:
      answer(state, ctx, env, req.id, { type: 'fail', error: `master-slave serves read, write and cas, not ${req.op.f}` });
  }
}

function redirect(state: MsState, req: ClientRequest, ctx: Ctx, env: Env): void {
  const to = state.primary !== null && state.primary !== ctx.self ? state.primary : undefined;
  answer(state, ctx, env, req.id, to === undefined ? { type: 'redirect', error: `${ctx.self} is a ${state.role} and knows no primary` } : { type: 'redirect', to, error: `${ctx.self} is not the primary` });
}
