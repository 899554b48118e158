/**
 * Convergence-family checks for stores that keep replicas apart for a while (leaderless quorums,
 * multi-leader, CRDTs): did every acknowledged update survive into the final state? Pure functions
 * of the client history and the final views the caller hands over (one view per replica).
 *
 * Values written by the workload are unique, so a value in a final state names its write. For kv a
 * final value that is an array is a set of siblings (concurrent versions kept side by side).
 *
 * "Causally superseded" is judged from the history, which knows real time but not what each node
 * had seen: a write W' may have seen W unless W' completed before W was invoked. So an acknowledged
 * write W is lost when the final state holds neither W's value nor any value whose write was
 * not over before W began: the state went back past W. Last-writer-wins with true clocks never does
 * that (a later write gets a later timestamp); with a clock running behind it does, silently.
 */
import { pairOperations, type History, type Operation } from '../core/history.js';
import type { CheckVerdict } from '../core/protocol.js';
import { canonicalJson } from '../core/canonical.js';
import { plural } from '../core/plural.js';

/** A kv node view: key → value, or the sorted array of siblings. */
export type KvView = Readonly<Record<string, unknown>>;

/** JSON with sorted object keys: equal data, equal text. */
export const canonicalValue = canonicalJson;

/** The values a kv read result or final value stands for: none for null, the siblings of an array. */
export function valuesOf(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The value a write-like op leaves (write: its argument; cas: the new value). */
export function writtenValue(op: Operation): unknown {
  if (op.f === 'cas' && Array.isArray(op.input)) return op.input[1];
  return op.input;
}

export function isKvWrite(op: Operation): boolean {
  return op.f === 'write' || op.f === 'put' || op.f === 'cas';
}

/** a finished before b began: nothing in b could have been seen by a, and a could not see b. */
export function realTimeBefore(a: Operation, b: Operation): boolean {
  return a.completeIndex < b.invokeIndex;
}

/** Every write that may have taken effect (ok or info), by key and value. */
export class WriteIndex {
  private readonly byKeyValue = new Map<string, Operation>();
  constructor(ops: readonly Operation[]) {
    for (const op of ops) if (isKvWrite(op) && op.outcome !== 'fail') this.byKeyValue.set(`${op.key ?? ''}\u0000${canonicalValue(writtenValue(op))}`, op);
  }
  writeOf(key: string, value: unknown): Operation | undefined {
    return this.byKeyValue.get(`${key}\u0000${canonicalValue(value)}`);
  }
  /** Whether `values` hold `w`'s value or a value whose write may have seen `w`. */
  coversWrite(key: string, values: readonly unknown[], w: Operation): boolean {
    const mine = canonicalValue(writtenValue(w));
    for (const v of values) {
      if (canonicalValue(v) === mine) return true;
      const source = this.writeOf(key, v);
      if (source !== undefined && !realTimeBefore(source, w)) return true;
    }
    return false;
  }
}

function describeOp(op: Operation): Record<string, unknown> {
  return {
    process: op.process,
    f: op.f,
    ...(op.key !== undefined ? { key: op.key } : {}),
    value: op.f === 'read' ? op.output : op.input,
    outcome: op.outcome,
    ...(op.invokeTimeUs !== undefined ? { invokedUs: op.invokeTimeUs } : {}),
    ...(op.completeTimeUs !== undefined ? { completedUs: op.completeTimeUs } : {}),
    ...(op.node !== undefined ? { node: op.node } : {}),
  };
}

const EVIDENCE_LIMIT = 10;

/**
 * lost-updates (kv): every acknowledged write is in each final view or causally superseded there
 * (see the module comment). Values in a final view that no write produced are reported too.
 */
export function checkLostUpdates(history: History, finalViews: readonly KvView[]): CheckVerdict {
  const ops = pairOperations(history, { allowInvokeAfterInfo: true });
  if (finalViews.length === 0) return { verdict: 'unknown', detail: 'no final view to judge (every replica down?)' };
  const writes = new WriteIndex(ops);
  const acked = ops.filter((op) => isKvWrite(op) && op.outcome === 'ok');
  const lost: unknown[] = [];
  const phantoms: unknown[] = [];
  finalViews.forEach((view, viewIndex) => {
    for (const w of acked) {
      const key = w.key ?? '';
      const values = valuesOf(view[key]);
      if (!writes.coversWrite(key, values, w)) lost.push({ view: viewIndex, key, write: describeOp(w), finalValue: view[key] ?? null });
    }
    for (const key of Object.keys(view).sort()) {
      for (const v of valuesOf(view[key])) if (writes.writeOf(key, v) === undefined) phantoms.push({ view: viewIndex, key, value: v });
    }
  });
  if (lost.length > 0) {
    const first = lost[0] as { key: string; write: { value: unknown; process: number }; finalValue: unknown };
    return {
      verdict: 'fail',
      detail: `${lost.length} acknowledged write(s) lost; e.g. key ${first.key}: write ${canonicalValue(first.write.value)} by p${first.write.process} was acknowledged, the final state holds ${canonicalValue(first.finalValue)}, written before it began`,
      evidence: lost.slice(0, EVIDENCE_LIMIT),
    };
  }
  if (phantoms.length > 0) {
    return { verdict: 'fail', detail: `${phantoms.length} final value(s) no write produced`, evidence: phantoms.slice(0, EVIDENCE_LIMIT) };
  }
  return { verdict: 'pass', detail: `${plural(acked.length, 'acknowledged write')}, each present or superseded in ${plural(finalViews.length, 'final view')}` };
}

/** The amount an add carries (default 1). */
function addAmount(op: Operation): number {
  return typeof op.input === 'number' ? op.input : 1;
}

/**
 * counter-bounds: each final value lies between what the acknowledged adds force and what the
 * acknowledged plus indeterminate adds allow (an `info` add may or may not have counted).
 */
export function checkCounterBounds(history: History, finalValues: readonly number[]): CheckVerdict {
  const ops = pairOperations(history, { allowInvokeAfterInfo: true });
  if (finalValues.length === 0) return { verdict: 'unknown', detail: 'no final value to judge (every replica down?)' };
  let lower = 0;
  let upper = 0;
  let acked = 0;
  let indeterminate = 0;
  for (const op of ops) {
    if (op.f !== 'add' || op.outcome === 'fail') continue;
    const amount = addAmount(op);
    if (op.outcome === 'ok') {
      acked++;
      lower += amount;
      upper += amount;
    } else {
      indeterminate++;
      if (amount >= 0) upper += amount;
      else lower += amount;
    }
  }
  const outside = finalValues.map((value, view) => ({ view, value })).filter(({ value }) => !(value >= lower && value <= upper));
  const range = `[${lower}, ${upper}] (${acked} acknowledged adds, ${indeterminate} indeterminate)`;
  if (outside.length > 0) {
    return { verdict: 'fail', detail: `final value ${outside[0]!.value} outside ${range}`, evidence: { lower, upper, outside } };
  }
  return { verdict: 'pass', detail: `${plural(finalValues.length, 'final value')} (${[...new Set(finalValues)].join(', ')}) within ${range}` };
}

/** set-complete: every acknowledged add is in each final set, and nothing appears that was never added. */
export function checkSetComplete(history: History, finalSets: readonly (readonly unknown[])[]): CheckVerdict {
  const ops = pairOperations(history, { allowInvokeAfterInfo: true });
  if (finalSets.length === 0) return { verdict: 'unknown', detail: 'no final set to judge (every replica down?)' };
  const adds = ops.filter((op) => op.f === 'add');
  const acked = adds.filter((op) => op.outcome === 'ok');
  const attempted = new Set(adds.filter((op) => op.outcome !== 'fail').map((op) => canonicalValue(op.input)));
  const missing: unknown[] = [];
  const phantoms: unknown[] = [];
  finalSets.forEach((set, view) => {
    const present = new Set(set.map(canonicalValue));
    for (const op of acked) if (!present.has(canonicalValue(op.input))) missing.push({ view, add: describeOp(op) });
    for (const e of set) if (!attempted.has(canonicalValue(e))) phantoms.push({ view, element: e });
  });
  if (missing.length > 0) {
    const first = missing[0] as { add: { value: unknown; process: number } };
    return {
      verdict: 'fail',
      detail: `${missing.length} acknowledged add(s) missing from the final set(s); e.g. ${canonicalValue(first.add.value)} added by p${first.add.process}`,
      evidence: missing.slice(0, EVIDENCE_LIMIT),
    };
  }
  if (phantoms.length > 0) return { verdict: 'fail', detail: `${phantoms.length} element(s) nobody added`, evidence: phantoms.slice(0, EVIDENCE_LIMIT) };
  return { verdict: 'pass', detail: `${plural(acked.length, 'acknowledged add')} present in ${plural(finalSets.length, 'final set')}` };
}
