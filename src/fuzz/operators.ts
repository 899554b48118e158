/**
 * Operator actions drawn like faults: membership changes, leadership transfers, manual promotions
 * — whatever the protocol's configuration accepts through `onCommand` (its `operatorActions`).
 * A gene names a time, an action (a raw choice among those the configuration offers) and raw
 * choices for the action's arguments; the action turns them into scenario entries.
 */
import fc from 'fast-check';
import type { Chooser, OperatorAction } from '../core/protocol.js';
import { CHOICE_RANGE, pickIndex } from './configuration.js';
import { triggerOn, type MomentNames, type TriggerGene } from './moments.js';

/** Raw choices an action's arguments may consume; further picks take the first alternative. */
const ARG_CHOICES = 4;

export interface OperatorGene {
  /** When, in thousandths of the main phase. */
  readonly atPm: number;
  /** Which action (raw choice among the configuration's). */
  readonly action: number;
  readonly args: readonly number[];
  /**
   * A protocol moment the action waits for, from its time on (null or absent: it runs at its
   * time): each command of the action then fires that long after the first such moment (a
   * membership change right after a leader change, two of them racing a new leader's first commit).
   */
  readonly trigger?: TriggerGene | null;
}

/** `trigger`: the moments actions may wait for (a constant null where no action exists, so runs draw as before). */
export function operatorGeneArbitrary(trigger: fc.Arbitrary<TriggerGene | null> = fc.constant(null)): fc.Arbitrary<OperatorGene> {
  const raw = fc.noBias(fc.integer({ min: 0, max: CHOICE_RANGE - 1 }));
  return fc.record({
    atPm: fc.integer({ min: 0, max: 999 }),
    action: raw,
    args: fc.array(raw, { minLength: ARG_CHOICES, maxLength: ARG_CHOICES }),
    trigger,
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
  /** Role and note names a triggered action's moment is chosen among. */
  readonly moments?: MomentNames;
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
    const trigger = gene.trigger ?? null;
    for (const step of action.steps(choose, cluster)) {
      // Every entry fires before the heal, so the heal phase judges what the actions left behind.
      const afterMs = Math.max(0, Math.floor(step.afterMs ?? 0));
      const atMs = Math.min(durationMs - 1, startMs + (trigger === null ? afterMs : 0));
      const args = !('start' in step) && step.args !== undefined && Object.keys(step.args).length > 0 ? { args: { ...step.args } } : {};
      // A triggered action's commands keep their spacing after the moment (`after:`); a spare it
      // starts is started when the action is armed (a start cannot wait for a moment).
      const entry: Record<string, unknown> =
        'start' in step
          ? { at: `${atMs}ms`, start: step.start }
          : trigger === null
            ? { at: `${atMs}ms`, command: step.command, target: step.target, ...args }
            : { at: `${atMs}ms`, command: step.command, target: step.target, ...args, on: triggerOn(trigger, options.moments ?? {}), ...(afterMs > 0 ? { after: `${afterMs}ms` } : {}) };
      entries.push({ atMs, entry });
    }
  }
  return entries.sort((a, b) => a.atMs - b.atMs).map((e) => e.entry);
}
