/**
 * The report's view of a linearizability failure, Porcupine-style: the linearization the checker
 * found so far (the tail of the longest linearizable prefix, numbered, with the model state after
 * each op), and each op that cannot follow it with the reason — the state it would need, where
 * the prefix last had it, and the ops that changed it since (its conflicts). Clients are named as
 * their lanes are. Reads the explanation the runner attaches to the check's evidence.
 */
import type { Operation } from '../core/history.js';
import { showValue, whyStuck } from '../checkers/linearizability/index.js';
import type { LinearizabilityExplanation } from '../checkers/linearizability/index.js';

export type OpRole = 'prefix' | 'conflict' | 'accepted' | 'stuck';

export interface LinearizationRow {
  readonly position: number;
  /** Ops of the linearization between the previous row shown (or the start) and this one, not shown. */
  readonly skippedBefore: number;
  readonly client: string;
  readonly op: string;
  readonly returned: string;
  readonly stateAfter: string;
  readonly role: Exclude<OpRole, 'stuck'>;
  readonly timeUs: number | null;
}

export interface StuckRow {
  readonly client: string;
  readonly op: string;
  readonly returned: string;
  /** Why it cannot follow, in one sentence. */
  readonly why: string;
  readonly timeUs: number | null;
}

export interface LinearizationView {
  readonly check: string;
  readonly key: string | null;
  readonly prefixLength: number;
  readonly initialState: string;
  readonly stateAfterPrefix: string;
  readonly rows: readonly LinearizationRow[];
  readonly stuck: readonly StuckRow[];
}

/** What each op of the history plays in the explanation, by (process, invoke index). */
export type RoleOf = Map<string, { readonly role: OpRole; readonly order?: number }>;

export const opId = (op: Pick<Operation, 'process' | 'invokeIndex'>): string => `${op.process}:${op.invokeIndex}`;

/** `write k2 14`, `read k2`, `cas k1 3 4`. */
export function opText(op: Pick<Operation, 'f' | 'key' | 'input'>): string {
  const input = op.f === 'read' || op.input === null || op.input === undefined ? '' : Array.isArray(op.input) && op.f === 'cas' ? ` ${op.input.map(showValue).join(' ')}` : ` ${showValue(op.input)}`;
  return `${op.f}${op.key !== undefined ? ` ${op.key}` : ''}${input}`;
}

/** What the client saw: the value a read returned, `ok`, `fail`, or `info (unknown)`. */
export function returnedText(op: Pick<Operation, 'f' | 'outcome' | 'output'>): string {
  if (op.outcome === 'info') return 'info (unknown)';
  if (op.outcome === 'fail') return 'fail';
  return op.f === 'read' ? showValue(op.output) : 'ok';
}

/**
 * The view of the first explained violation among the failing checks' evidence, and the role of
 * every op it names; null when no check carries an explanation.
 */
export function linearizationView(checks: ReadonlyArray<{ readonly name: string; readonly verdict: string; readonly evidence?: unknown }>, clientOf: (process: number) => string): { view: LinearizationView; roles: RoleOf } | null {
  for (const check of checks) {
    if (check.verdict !== 'fail' || !Array.isArray(check.evidence)) continue;
    const explanation = (check.evidence as Array<{ explanation?: LinearizabilityExplanation }>).find((e) => e?.explanation !== undefined)?.explanation;
    if (explanation === undefined) continue;
    return build(check.name, explanation, clientOf);
  }
  return null;
}

/** Rows of the linearization shown before the first op that matters to the stuck ops. */
const CONTEXT_ROWS = 3;

function build(check: string, x: LinearizabilityExplanation, clientOf: (process: number) => string): { view: LinearizationView; roles: RoleOf } {
  const roles: RoleOf = new Map();
  const conflicts = new Set(x.stuck.flatMap((s) => s.conflicts));
  const accepted = new Set(x.stuck.map((s) => s.acceptedAfter).filter((p): p is number => p !== undefined && p > 0));
  const name = (op: Operation): string => `${clientOf(op.process)} ${opText(op)}`;
  // From a few ops before the state the stuck ops need (or before the end) on: the rest is context.
  const anchors = x.stuck.flatMap((st) => (st.acceptedAfter !== undefined && st.acceptedAfter > 0 ? [st.acceptedAfter] : st.conflicts.slice(0, 1)));
  const from = Math.min(x.prefixLength, ...anchors) - CONTEXT_ROWS;
  let previous = 0;
  const rows = x.steps
    .filter((step) => step.position >= from)
    .map((step): LinearizationRow => {
      const role = conflicts.has(step.position) ? 'conflict' : accepted.has(step.position) ? 'accepted' : 'prefix';
      roles.set(opId(step.op), { role, order: step.position });
      const skippedBefore = step.position - previous - 1;
      previous = step.position;
      return { position: step.position, skippedBefore, client: clientOf(step.op.process), op: opText(step.op), returned: returnedText(step.op), stateAfter: step.stateAfter, role, timeUs: step.op.invokeTimeUs ?? null };
    });
  const stuck = x.stuck.map((s): StuckRow => {
    roles.set(opId(s.op), { role: 'stuck' });
    const why = whyStuck(s, x, name);
    return { client: clientOf(s.op.process), op: opText(s.op), returned: returnedText(s.op), why, timeUs: s.op.invokeTimeUs ?? null };
  });
  return {
    view: { check, key: x.key ?? null, prefixLength: x.prefixLength, initialState: x.initialState, stateAfterPrefix: x.stateAfterPrefix, rows, stuck },
    roles,
  };
}
