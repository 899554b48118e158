/**
 * The change functions: read, write and cas are all a function from the register's current value
 * to its next one (CASPaxos), here with a per-key session so an op retried after an unanswered
 * accept takes effect once.
 */
import type { ClientRequest, OpResult } from '../../core/ops.js';
import { hashText, mixHash } from '../common/digest.js';
import type { Versioned } from './types.js';

export interface Change {
  readonly value: Versioned;
  readonly result: OpResult;
}

export function applyChange(current: Versioned, req: ClientRequest): Change {
  const { f, value } = req.op;
  if (f === 'read') return { value: current, result: { type: 'ok', value: current.data } };
  const applied = current.sessions[req.client];
  if (applied !== undefined && applied >= req.seq) {
    // An earlier attempt of this op (or a later op of this client) already took effect.
    const result: OpResult = applied > req.seq ? { type: 'info', error: `seq ${req.seq} of ${req.client} is older than its last applied op` } : { type: 'ok', value };
    return { value: current, result };
  }
  switch (f) {
    case 'write':
      return { value: next(current, req, value), result: { type: 'ok', value } };
    case 'cas': {
      if (!Array.isArray(value) || value.length !== 2) return { value: current, result: { type: 'fail', error: 'cas takes [expected, new]' } };
      if (current.data !== value[0]) return { value: current, result: { type: 'fail', error: `cas mismatch: current ${JSON.stringify(current.data)}` } };
      return { value: next(current, req, value[1]), result: { type: 'ok', value } };
    }
    default:
      return { value: current, result: { type: 'fail', error: `unknown op ${f}` } };
  }
}

function next(current: Versioned, req: ClientRequest, data: unknown): Versioned {
  const change = hashText(`${req.client}|${req.seq}|${req.op.f}|${JSON.stringify(req.op.value)}`);
  return Object.freeze({
    data,
    version: current.version + 1,
    digest: mixHash(current.digest, change),
    sessions: Object.freeze({ ...current.sessions, [req.client]: req.seq }),
  });
}
