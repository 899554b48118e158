/**
 * Session guarantees, per client process, from the history alone (ops of one process are
 * sequential, so their order is the session order):
 * - read-your-writes: a read sees the process's own last acknowledged write (or something that may
 *   have superseded it), own acknowledged set adds, or at least its own counter adds;
 * - monotonic-reads: a read never goes back behind what an earlier read of the same process saw.
 *
 * "Superseded" is the real-time rule of crdt-checks.ts: a value whose write completed before the
 * other write began cannot have overwritten it. Models: kv (per key; arrays are siblings), set
 * (read returns the elements), counter (judged only when no add is negative).
 */
import { pairOperations, type History, type Operation } from '../core/history.js';
import type { CheckVerdict } from '../core/protocol.js';
import { WriteIndex, canonicalValue, isKvWrite, valuesOf } from './crdt-checks.js';

type SessionModel = 'kv' | 'set' | 'counter';

function inferModel(ops: readonly Operation[]): SessionModel {
  if (ops.some(isKvWrite)) return 'kv';
  const read = ops.find((op) => op.f === 'read' && op.outcome === 'ok');
  return read !== undefined && Array.isArray(read.output) ? 'set' : 'counter';
}

function byProcess(ops: readonly Operation[]): Map<number, Operation[]> {
  const out = new Map<number, Operation[]>();
  for (const op of ops) {
    let list = out.get(op.process);
    if (list === undefined) out.set(op.process, (list = []));
    list.push(op);
  }
  return out;
}

interface Violation {
  readonly process: number;
  readonly key?: string;
  readonly read: { readonly value: unknown; readonly invokedUs?: number; readonly node?: string };
  readonly expected: unknown;
}

const EVIDENCE_LIMIT = 10;

function verdict(name: string, violations: Violation[], reads: number): CheckVerdict {
  if (violations.length === 0) return { verdict: 'pass', detail: `${reads} reads checked: ${name} held for every process` };
  const v = violations[0]!;
  return {
    verdict: 'fail',
    detail: `${violations.length} read(s) broke ${name}; e.g. p${v.process}${v.key !== undefined ? ` read ${v.key}` : ' read'} = ${canonicalValue(v.read.value)} but expected ${canonicalValue(v.expected)}`,
    evidence: violations.slice(0, EVIDENCE_LIMIT),
  };
}

function readInfo(op: Operation): Violation['read'] {
  return { value: op.output ?? null, ...(op.invokeTimeUs !== undefined ? { invokedUs: op.invokeTimeUs } : {}), ...(op.node !== undefined ? { node: op.node } : {}) };
}

const amountOf = (op: Operation): number => (typeof op.input === 'number' ? op.input : 1);

export function checkReadYourWrites(history: History): CheckVerdict {
  const ops = pairOperations(history, { allowInvokeAfterInfo: true });
  const model = inferModel(ops);
  if (model === 'counter' && ops.some((op) => op.f === 'add' && amountOf(op) < 0)) {
    return { verdict: 'pass', detail: 'not applicable: negative counter adds make a lower bound meaningless' };
  }
  const writes = new WriteIndex(ops);
  const violations: Violation[] = [];
  let reads = 0;
  for (const [process, list] of byProcess(ops)) {
    const lastWrite = new Map<string, Operation>();
    const added: unknown[] = [];
    let ownSum = 0;
    for (const op of list) {
      if (op.outcome !== 'ok') continue;
      if (isKvWrite(op)) lastWrite.set(op.key ?? '', op);
      else if (op.f === 'add') {
        added.push(op.input);
        ownSum += amountOf(op);
      } else if (op.f === 'read') {
        reads++;
        if (model === 'kv') {
          const key = op.key ?? '';
          const w = lastWrite.get(key);
          if (w !== undefined && !writes.coversWrite(key, valuesOf(op.output), w)) violations.push({ process, key, read: readInfo(op), expected: w.f === 'cas' ? (w.input as unknown[])[1] : w.input });
        } else if (model === 'set') {
          const present = new Set(valuesOf(op.output).map(canonicalValue));
          const missing = added.filter((e) => !present.has(canonicalValue(e)));
          if (missing.length > 0) violations.push({ process, read: readInfo(op), expected: { including: missing } });
        } else if (typeof op.output === 'number' && op.output < ownSum) {
          violations.push({ process, read: readInfo(op), expected: { atLeast: ownSum } });
        }
      }
    }
  }
  return verdict('read-your-writes', violations, reads);
}

export function checkMonotonicReads(history: History): CheckVerdict {
  const ops = pairOperations(history, { allowInvokeAfterInfo: true });
  const model = inferModel(ops);
  if (model === 'counter' && ops.some((op) => op.f === 'add' && amountOf(op) < 0)) {
    return { verdict: 'pass', detail: 'not applicable: with negative adds a counter may legitimately go down' };
  }
  const writes = new WriteIndex(ops);
  const violations: Violation[] = [];
  let reads = 0;
  for (const [process, list] of byProcess(ops)) {
    const lastRead = new Map<string, Operation>();
    for (const op of list) {
      if (op.f !== 'read' || op.outcome !== 'ok') continue;
      reads++;
      const key = op.key ?? '';
      const previous = lastRead.get(key);
      lastRead.set(key, op);
      if (previous === undefined) continue;
      if (model === 'kv') {
        const now = valuesOf(op.output);
        for (const v of valuesOf(previous.output)) {
          const w = writes.writeOf(key, v);
          if (w !== undefined && !writes.coversWrite(key, now, w)) {
            violations.push({ process, key, read: readInfo(op), expected: { sawBefore: previous.output ?? null } });
            break;
          }
        }
      } else if (model === 'set') {
        const present = new Set(valuesOf(op.output).map(canonicalValue));
        const lostSight = valuesOf(previous.output).filter((e) => !present.has(canonicalValue(e)));
        if (lostSight.length > 0) violations.push({ process, read: readInfo(op), expected: { including: lostSight } });
      } else if (typeof op.output === 'number' && typeof previous.output === 'number' && op.output < previous.output) {
        violations.push({ process, read: readInfo(op), expected: { atLeast: previous.output } });
      }
    }
  }
  return verdict('monotonic-reads', violations, reads);
}
