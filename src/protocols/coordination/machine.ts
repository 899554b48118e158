/**
 * The coordination service's state machine, applied by Raft in log order on every replica (as
 * etcd's and ZooKeeper's are): sessions with a TTL, and locks (leader keys are locks whose holder
 * also names itself) held by a session. A grant's fencing token is the log index of the entry that
 * granted it, so tokens only grow (etcd's revision, ZooKeeper's zxid).
 *
 * Time is not in the state machine: replicas apply the same entries whatever their clocks say.
 * The leader decides when a session has gone quiet for its TTL and proposes an `expire` entry
 * (see expiry.ts); applying it deletes the session and frees its locks.
 *
 * Keys of the kv data: `session/<id>`, `lock/<name>`, and `deleted/<name>` (the revision, a log
 * index, at which the lock was last freed: what watches compare against, see watches.ts); a read
 * of `lock/<name>` returns its holder (or null), through Raft's read path (ReadIndex by default:
 * linearizable).
 */
import type { OpResult } from '../../core/ops.js';
import { cachedResult, type KvCommand, type KvMachine } from '../common/kv-machine.js';

export interface SessionRecord {
  readonly owner: string;
  readonly ttlUs: number;
}

export interface LockRecord {
  readonly session: string;
  readonly owner: string;
  /** Fencing token: the log index of the grant. */
  readonly token: number;
  /** What the holder says about itself (a leader key's holder names its node). */
  readonly value: unknown;
}

/** What a grant answers: the token, and the session's TTL the client's lease is computed from. */
export interface Grant {
  readonly token: number;
  readonly session: string;
  readonly ttlUs: number;
}

export const sessionKey = (id: string): string => `session/${id}`;
export const lockKey = (name: string): string => `lock/${name}`;
const deletedKey = (name: string): string => `deleted/${name}`;

/** The revision (log index) at which `lock` was last freed (released, or its session expired); 0: never. */
export function deletedRevision(kv: KvMachine, lock: string): number {
  return (kv.data[deletedKey(lock)] as number | undefined) ?? 0;
}

/** The refusal of an acquire while another session holds the lock: names the holder and its token. */
export function heldError(holder: LockRecord): string {
  return `held by ${holder.owner} (token ${holder.token})`;
}

/** The holder's token (its grant's revision) in an acquire's refusal, if it is one (see heldError). */
export function heldToken(error: string): number | undefined {
  const match = /^held by .* \(token (\d+)\)$/.exec(error);
  return match === null ? undefined : Number(match[1]);
}

function free(kv: KvMachine, name: string, index: number): void {
  delete kv.data[lockKey(name)];
  kv.data[deletedKey(name)] = index;
}

/** Sessions in the state machine, in creation order (ids are `s<index>`). */
export function sessionsOf(kv: KvMachine): Array<[string, SessionRecord]> {
  const out: Array<[string, SessionRecord]> = [];
  for (const key of Object.keys(kv.data)) if (key.startsWith('session/')) out.push([key.slice('session/'.length), kv.data[key] as SessionRecord]);
  return out;
}

/** The (client, seq) session table dedupes retried commands, as for the kv machine. */
export function applyCoordination(kv: KvMachine, command: KvCommand, index: number): OpResult {
  const cached = cachedResult(kv, command.client, command.seq);
  if (cached !== undefined) return cached;
  const result = execute(kv, command, index);
  kv.sessions[command.client] = { seq: command.seq, result };
  return result;
}

function execute(kv: KvMachine, command: KvCommand, index: number): OpResult {
  const { f, key, value } = command.op;
  const arg = (value ?? {}) as { readonly ttlUs?: unknown; readonly session?: unknown; readonly value?: unknown };
  switch (f) {
    case 'open': {
      const ttlUs = typeof arg.ttlUs === 'number' && arg.ttlUs > 0 ? arg.ttlUs : undefined;
      if (ttlUs === undefined) return { type: 'fail', error: 'open takes { ttlUs }' };
      const id = `s${index}`;
      kv.data[sessionKey(id)] = { owner: command.client, ttlUs } satisfies SessionRecord;
      return { type: 'ok', value: { session: id, ttlUs } };
    }
    case 'keepalive': {
      const session = kv.data[sessionKey(key ?? '')] as SessionRecord | undefined;
      if (session === undefined) return { type: 'fail', error: `session ${key} expired` };
      return { type: 'ok', value: { session: key, ttlUs: session.ttlUs } };
    }
    case 'acquire': {
      const sessionId = String(arg.session);
      const session = kv.data[sessionKey(sessionId)] as SessionRecord | undefined;
      if (session === undefined) return { type: 'fail', error: `session ${sessionId} expired` };
      const slot = lockKey(key ?? '');
      const held = kv.data[slot] as LockRecord | undefined;
      if (held !== undefined && held.session !== sessionId) return { type: 'fail', error: heldError(held) };
      const token = held?.token ?? index;
      if (held === undefined) kv.data[slot] = { session: sessionId, owner: command.client, token, value: arg.value ?? null } satisfies LockRecord;
      return { type: 'ok', value: { token, session: sessionId, ttlUs: session.ttlUs } satisfies Grant };
    }
    case 'release': {
      const slot = lockKey(key ?? '');
      const held = kv.data[slot] as LockRecord | undefined;
      if (held === undefined || held.session !== String(arg.session)) return { type: 'fail', error: `not held by session ${String(arg.session)}` };
      free(kv, key ?? '', index);
      return { type: 'ok', value: null };
    }
    case 'expire':
    case 'close': {
      const id = key ?? '';
      if (kv.data[sessionKey(id)] === undefined) return { type: 'ok', value: null };
      delete kv.data[sessionKey(id)];
      for (const k of Object.keys(kv.data)) if (k.startsWith('lock/') && (kv.data[k] as LockRecord).session === id) free(kv, k.slice('lock/'.length), index);
      return { type: 'ok', value: null };
    }
    case 'read':
      return { type: 'ok', value: kv.data[key ?? ''] ?? null };
    default:
      return { type: 'fail', error: `unknown op ${f} (expected open, keepalive, acquire, release, close, read)` };
  }
}
