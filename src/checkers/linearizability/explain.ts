/**
 * Why a history is not linearizable, in the terms a reader needs: the linearization the search
 * found (the longest prefix), with the model state after each op; and for each op that cannot
 * follow it, the state it would need — the last point of the prefix whose state accepts it — and
 * the ops after that point that changed the state away from it (the ops it conflicts with).
 * Pure: evidence and model in, plain data out. Bounded: only the tail of a long prefix is kept.
 */
import type { Operation } from '../../core/history.js';
import type { AnyModel } from '../models/model.js';
import { showValue, toModelOp } from '../models/model.js';
import type { PartitionEvidence } from './check.js';

export interface LinearizedStep {
  /** 1-based position in the longest linearizable prefix. */
  readonly position: number;
  readonly op: Operation;
  /** The model state after this op, as the model describes it. */
  readonly stateAfter: string;
  /** True when this op changed the state. */
  readonly changed: boolean;
}

export interface StuckExplanation {
  readonly op: Operation;
  readonly why: 'rejected' | 'dead-end';
  /**
   * The last prefix position whose state accepts this op (0: the initial state), or undefined
   * when no state the prefix passed through does.
   */
  readonly acceptedAfter?: number;
  /** That state, described. */
  readonly acceptedState?: string;
  /** Positions of the ops after `acceptedAfter` that changed the state: what it conflicts with. */
  readonly conflicts: readonly number[];
}

export interface LinearizabilityExplanation {
  readonly key?: string;
  readonly initialState: string;
  /** Ops in the prefix: `steps` holds the last of them (and any a stuck op points back to). */
  readonly prefixLength: number;
  readonly steps: readonly LinearizedStep[];
  readonly stateAfterPrefix: string;
  readonly stuck: readonly StuckExplanation[];
}

/** Most prefix steps kept, counted back from the end. */
export const MAX_EXPLAINED_STEPS = 40;

export function explainEvidence(evidence: PartitionEvidence, whole: AnyModel): LinearizabilityExplanation {
  // A partitioned model checks each partition with its simpler model (a kv key is a register).
  const model = evidence.key !== undefined && whole.partitionModel !== undefined ? whole.partitionModel : whole;
  const describe = (state: unknown): string => model.describeState?.(state) ?? showValue(state);
  const initial = model.init();
  const states: unknown[] = [initial];
  const changed: boolean[] = [false];
  let state = initial;
  for (const op of evidence.longestPrefix) {
    const next = model.step(state, toModelOp(op));
    // The search accepted this sequence; a model that now disagrees is left as it was.
    const after = next.ok ? next.nextState : state;
    changed.push(!equal(model, state, after));
    states.push(after);
    state = after;
  }
  const length = evidence.longestPrefix.length;
  const stuck = evidence.cannotPlace.map(({ op, why }): StuckExplanation => {
    let acceptedAfter: number | undefined;
    for (let p = length; p >= 0; p--) {
      if (model.step(states[p], toModelOp(op)).ok) {
        acceptedAfter = p;
        break;
      }
    }
    const conflicts: number[] = [];
    if (acceptedAfter !== undefined) for (let p = acceptedAfter + 1; p <= length; p++) if (changed[p]) conflicts.push(p);
    return {
      op,
      why,
      ...(acceptedAfter !== undefined ? { acceptedAfter, acceptedState: describe(states[acceptedAfter]) } : {}),
      conflicts,
    };
  });
  const wanted = new Set<number>();
  for (let p = Math.max(1, length - MAX_EXPLAINED_STEPS + 1); p <= length; p++) wanted.add(p);
  for (const s of stuck) {
    if (s.acceptedAfter !== undefined && s.acceptedAfter > 0) wanted.add(s.acceptedAfter);
    for (const p of s.conflicts.slice(0, MAX_EXPLAINED_STEPS)) wanted.add(p);
  }
  const steps = [...wanted]
    .sort((a, b) => a - b)
    .map((p) => ({ position: p, op: evidence.longestPrefix[p - 1]!, stateAfter: describe(states[p]), changed: changed[p]! }));
  return {
    ...(evidence.key !== undefined ? { key: evidence.key } : {}),
    initialState: describe(initial),
    prefixLength: length,
    steps,
    stateAfterPrefix: evidence.stateAfterPrefix,
    stuck,
  };
}

/**
 * Why a stuck op cannot follow the prefix, in one clause: `it needs the state 12, as after #12
 * (write k2 12); then #13 write k2 13, #14 write k2 14 changed it`. `name` describes a prefix op.
 */
export function whyStuck(stuck: StuckExplanation, x: Pick<LinearizabilityExplanation, 'initialState' | 'steps'>, name: (op: Operation) => string): string {
  if (stuck.acceptedAfter === undefined) return `no state the linearization passed through accepts it (from ${x.initialState} on)`;
  if (stuck.conflicts.length === 0) return `it fits the state ${stuck.acceptedState}, but every way on from there dead-ends`;
  const stepAt = new Map(x.steps.map((s) => [s.position, s]));
  const named = (p: number): string => (stepAt.has(p) ? `#${p} ${name(stepAt.get(p)!.op)}` : `#${p}`);
  const since = stuck.acceptedAfter === 0 ? 'initially' : `after #${stuck.acceptedAfter}${stepAt.has(stuck.acceptedAfter) ? ` (${name(stepAt.get(stuck.acceptedAfter)!.op)})` : ''}`;
  const more = stuck.conflicts.length > MAX_NAMED_CONFLICTS ? ` and ${stuck.conflicts.length - MAX_NAMED_CONFLICTS} more` : '';
  return `it needs the state ${stuck.acceptedState}, as ${since}; then ${stuck.conflicts.slice(0, MAX_NAMED_CONFLICTS).map(named).join(', ')}${more} changed it`;
}

/** Conflicting ops a sentence names; the rest are counted. */
const MAX_NAMED_CONFLICTS = 3;

function equal(model: AnyModel, a: unknown, b: unknown): boolean {
  if (model.equal !== undefined) return model.equal(a, b);
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
