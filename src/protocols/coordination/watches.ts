/**
 * Watches: a client asks to be told when a lock is freed, instead of polling for it.
 *
 * `{ f: 'watch', key: LOCK, value: { since: REVISION } }` is answered once, when the node's applied
 * state shows the lock freed at a revision (log index) above `since`: `ok { lock, event: 'delete',
 * revision }`. One-shot, as ZooKeeper's watches are, and not a stream as etcd's: a service call
 * gets one answer (core/services.ts), so a one-shot watch is an ordinary request that is answered
 * late, cut by partitions like any other, with no new kind of message in the contract. The client
 * re-registers after each event, and that same step is how a watch outlives its node: a client
 * that reconnects elsewhere (a crashed node, a leader change that moved its session's traffic)
 * registers again with the last revision it has seen, and a freeing it missed in between, being
 * above that revision, is answered at once (etcd's watch from a start revision). So no event is
 * lost, and events reach a client in revision order: each names its revision and a client ignores
 * one at or below the last it saw.
 *
 * Any replica serves watches from its applied state, as every ZooKeeper server and etcd member
 * does: an event is a hint to try again, never a grant (the acquire that follows goes through the
 * log). Watches are volatile (a restart forgets them; clients re-register) and bounded: one per
 * client per node, and MAX_WATCHES in all.
 */
import type { ClientRequest, OpResult } from '../../core/ops.js';
import type { KvMachine } from '../common/kv-machine.js';
import { deletedRevision } from './machine.js';

export interface Watch {
  readonly requestId: string;
  readonly client: string;
  readonly lock: string;
  readonly since: number;
}

export interface Watches {
  list: Watch[];
  /** The applied index the list was last compared against. */
  checkedIndex: number;
}

/** Most watches one node holds; past it a registration is refused (the client polls instead). */
export const MAX_WATCHES = 10_000;

export const newWatches = (): Watches => ({ list: [], checkedIndex: 0 });

export interface WatchEvent {
  readonly lock: string;
  readonly event: 'delete';
  readonly revision: number;
}

function eventFor(kv: KvMachine, watch: Pick<Watch, 'lock' | 'since'>): WatchEvent | undefined {
  const revision = deletedRevision(kv, watch.lock);
  return revision > watch.since ? { lock: watch.lock, event: 'delete', revision } : undefined;
}

/** Where answers go: the node's context. */
interface Replier {
  reply(requestId: string, result: OpResult): void;
  note(event: string, data?: Readonly<Record<string, unknown>>): void;
}

/**
 * Registers a watch (replacing the client's previous one on this node), or answers it at once if
 * the lock was freed after `since` already.
 */
export function registerWatch(watches: Watches, kv: KvMachine, request: ClientRequest, to: Replier): void {
  const since = (request.op.value as { since?: unknown } | null)?.since;
  const lock = request.op.key;
  if (lock === undefined || typeof since !== 'number') {
    to.reply(request.id, { type: 'fail', error: 'watch takes key: LOCK and value: { since: REVISION }' });
    return;
  }
  const event = eventFor(kv, { lock, since });
  if (event !== undefined) {
    // Freed after the revision the client last saw: an event it missed (while it watched at a node
    // that crashed, say), answered at once.
    to.note('watch-caught-up', { client: request.client, lock, since, revision: event.revision });
    to.reply(request.id, { type: 'ok', value: event });
    return;
  }
  watches.list = watches.list.filter((w) => w.client !== request.client);
  if (watches.list.length >= MAX_WATCHES) {
    to.reply(request.id, { type: 'fail', error: `this node holds ${MAX_WATCHES} watches` });
    return;
  }
  watches.list.push({ requestId: request.id, client: request.client, lock, since });
}

/** Answers the watches whose lock was freed since they were registered (after each step that applied entries). */
export function fireWatches(watches: Watches, kv: KvMachine, appliedIndex: number, to: Replier): void {
  if (watches.list.length === 0 || appliedIndex === watches.checkedIndex) return;
  watches.checkedIndex = appliedIndex;
  const waiting: Watch[] = [];
  for (const watch of watches.list) {
    const event = eventFor(kv, watch);
    if (event === undefined) waiting.push(watch);
    else to.reply(watch.requestId, { type: 'ok', value: event });
  }
  watches.list = waiting;
}
