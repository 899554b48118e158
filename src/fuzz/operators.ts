/**
 * Operator actions drawn like faults: membership changes, leadership transfers, manual promotions
 * — whatever the protocol's configuration accepts through `onCommand` (its `operatorActions`).
 * A gene names a time, an action (a raw choice among those the configuration offers) and raw
 * choices for the action's arguments; the action turns them into scenario entries.
 */
import fc from 'fast-check';
import type { Chooser, OperatorAction } from '../core/protocol.js';
import { CHOICE_RANGE, pickIndex } from './configuration.js';

/** Raw choices an action's arguments may consume; further picks take the first alternative. */
const ARG_CHOICES = 4;

export interface OperatorGene {
  /** When, in thousandths of the main phase. */
  readonly atPm: number;
  /** Which action (raw choice among the configuration's). */
  readonly action: number;
  readonly args: readonly number[];
}

export function operatorGeneArbitrary(): fc.Arbitrary<OperatorGene> {
  const raw = fc.noBias(fc.integer({ min: 0, max: CHOICE_RANGE - 1 }));
  return fc.record({
    atPm: fc.integer({ min: 0, max: 999 }),
    action: raw,
    args: fc.array(raw, { minLength: ARG_CHOICES, maxLength: ARG_CHOICES }),
  });
}

/** Most spares any of these actions starts. */
export function sparesFor(actions: readonly OperatorAction[]): number {
  return actions.reduce((most, a) => Math.max(most, a.spares ?? 0), 0);
}

/** The scenario entries of the genes, in time order; times stay inside the main phase. */
export function operatorEntries(options: {
  readonly genes: readonly OperatorGene[];
  readonly actions: readonly OperatorAction[];
  readonly nodes: number;
  readonly spares: number;
  readonly durationMs: number;
}): Record<string, unknown>[] {
  const { genes, actions, nodes, spares, durationMs } = options;
  if (actions.length === 0) return [];
  const cluster = {
    nodes: Array.from({ length: nodes }, (_, i) => `n${i + 1}`),
    spares: Array.from({ length: spares }, (_, i) => `n${nodes + i + 1}`),
  };
  const entries: Array<{ atMs: number; entry: Record<string, unknown> }> = [];
  for (const gene of genes) {
    const action = actions[pickIndex(gene.action, actions.length)]!;
    let next = 0;
    const choose: Chooser = {
      pick: <T>(values: readonly T[]): T => {
        if (values.length === 0) throw new Error(`operator action ${action.name} picked from no alternatives`);
        const raw = gene.args[next++] ?? 0;
        return values[pickIndex(raw, values.length)]!;
      },
    };
    const startMs = Math.floor((gene.atPm * durationMs) / 1000);
    for (const step of action.steps(choose, cluster)) {
      // Every entry fires before the heal, so the heal phase judges what the actions left behind.
      const atMs = Math.min(durationMs - 1, startMs + Math.max(0, Math.floor(step.afterMs ?? 0)));
      const entry: Record<string, unknown> =
        'start' in step ? { at: `${atMs}ms`, start: step.start } : { at: `${atMs}ms`, command: step.command, target: step.target, ...(step.args !== undefined && Object.keys(step.args).length > 0 ? { args: { ...step.args } } : {}) };
      entries.push({ atMs, entry });
    }
  }
  return entries.sort((a, b) => a.atMs - b.atMs).map((e) => e.entry);
}
