/**
 * Which choices commute, for sleep sets (search.ts): two choices are independent when taking them
 * in either order from a state reaches states with one fingerprint, and neither disables the
 * other. The relation here is static and conservative (a pair it calls independent always is;
 * some pairs it calls dependent commute too):
 *
 * - a delivery to node x, a timer of x and a crash of x happen at x: they touch x's state, its
 *   timers and disk, and add messages to the network (a multiset, so sends commute);
 * - an invocation and a reply's delivery to a client touch the history: they are dependent on
 *   each other (the history's order is part of the state) and on nothing at the nodes;
 * - choices at different nodes are independent, except: timers, when a timer moves the clock
 *   (`time: timers`: every later step sees another time) or the timer firings per path are
 *   bounded (one firing can use up the other's budget); crashes of two nodes (the crash budget);
 *   two deliveries that each overtake older messages on their link (the reorder budget);
 *   drops and duplicates (their budgets, and they concern another choice's message) depend on all.
 */
import { EventKind } from '../kernel/queue.js';
import type { Choice, ChoiceWorld } from '../runner/choices.js';

export interface Footprint {
  /** The node it happens at (index), or -1 for the clients' side (history). */
  readonly node: number;
  /** Dependent on every other choice. */
  readonly global: boolean;
  /** A budgeted kind whose choices depend on each other ('timer', 'crash', 'reorder'), if any. */
  readonly budget: 'timer' | 'crash' | 'reorder' | undefined;
}

export function footprint(choice: Choice, world: ChoiceWorld): Footprint {
  switch (choice.kind) {
    case 'invoke':
      return { node: -1, global: false, budget: undefined };
    case 'deliver': {
      // A delivery that overtakes older messages on its link spends the reorder budget.
      const budget = world.bounds.reorders !== Infinity && world.passedBy(choice.event!) > 0 ? 'reorder' : undefined;
      return choice.event!.kind === EventKind.Reply ? { node: -1, global: false, budget } : { node: choice.event!.target, global: false, budget };
    }
    case 'timer':
      return { node: choice.event!.target, global: world.bounds.time === 'timers', budget: world.bounds.timeouts === Infinity ? undefined : 'timer' };
    case 'crash':
      return { node: world.nodeIds.indexOf(choice.node!), global: false, budget: 'crash' };
    // Fair continuations (after `faults stop`) are not searched; were they, these would touch everything.
    case 'drop':
    case 'duplicate':
    case 'faults-stop':
    case 'resend':
      return { node: -1, global: true, budget: undefined };
  }
}

export function independent(a: Footprint, b: Footprint): boolean {
  if (a.global || b.global) return false;
  if (a.node === b.node) return false; // one node, or both on the clients' side
  return a.budget === undefined || a.budget !== b.budget;
}
