/**
 * A replicated key-value state machine with a client session table, for the log-based consensus
 * protocols (Raft, Multi-Paxos). A session remembers each client's last applied seq and its
 * result, so a command retried after a redirect, a timeout on a deposed leader, or placed in the
 * log twice by two leaders, takes effect once: the same seq returns the cached result; an older seq
 * is skipped (its client has moved on and was told `info`).
 */
import type { OpResult } from '../../core/ops.js';

/** A client operation as it travels through a log. */
export interface KvCommand {
  readonly client: string;
  readonly seq: number;
  readonly op: { readonly f: string; readonly key?: string; readonly value: unknown };
}

/** What a client session remembers: the last applied seq and its result, for retried commands. */
export interface Session {
  readonly seq: number;
  readonly result: OpResult;
}

export interface KvMachine {
  data: Record<string, unknown>;
  sessions: Record<string, Session>;
}

/** The command a client request asks for (without the request id, which differs per attempt). */
export function commandOf(req: { readonly client: string; readonly seq: number; readonly op: { readonly f: string; readonly key?: string; readonly value: unknown } }): KvCommand {
  const op = req.op;
  return { client: req.client, seq: req.seq, op: op.key === undefined ? { f: op.f, value: op.value } : { f: op.f, value: op.value, key: op.key } };
}

export function readValue(kv: KvMachine, key: string | undefined): unknown {
  const value = kv.data[key ?? ''];
  return value === undefined ? null : value;
}

/** The cached result when (client, seq) was already applied, else undefined. */
export function cachedResult(kv: KvMachine, client: string, seq: number): OpResult | undefined {
  const session = kv.sessions[client];
  if (session === undefined || seq > session.seq) return undefined;
  if (seq === session.seq) return session.result;
  return { type: 'info', error: `seq ${seq} of ${client} is older than its last applied op ${session.seq}` };
}

/** Applies one command exactly once per (client, seq); returns the client's answer. */
export function applyCommand(kv: KvMachine, command: KvCommand): OpResult {
  const cached = cachedResult(kv, command.client, command.seq);
  if (cached !== undefined) return cached;
  const result = execute(kv, command);
  kv.sessions[command.client] = { seq: command.seq, result };
  return result;
}

function execute(kv: KvMachine, command: KvCommand): OpResult {
  const { f, key, value } = command.op;
  const slot = key ?? '';
  switch (f) {
    case 'read':
      return { type: 'ok', value: readValue(kv, key) };
    case 'write':
      kv.data[slot] = value;
      return { type: 'ok', value };
    case 'add': {
      // A counter: what a command applied twice shows (a register write applied twice often does not).
      const current = kv.data[slot];
      kv.data[slot] = (typeof current === 'number' ? current : 0) + (typeof value === 'number' ? value : 1);
      return { type: 'ok', value };
    }
    case 'cas': {
      if (!Array.isArray(value) || value.length !== 2) return { type: 'fail', error: 'cas takes [expected, new]' };
      const current = readValue(kv, key);
      if (current !== value[0]) return { type: 'fail', error: `cas mismatch: current ${JSON.stringify(current)}` };
      kv.data[slot] = value[1];
      return { type: 'ok', value };
    }
    default:
      return { type: 'fail', error: `unknown op ${f}` };
  }
}
