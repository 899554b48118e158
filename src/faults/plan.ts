/**
 * The fault plan as data: actions at virtual times. Targets are resolved when the fault fires,
 * because "the leader" or "a random node" means whoever it is at that moment.
 */
import type { NodeId } from '../core/ids.js';

/**
 * Who a fault hits: a node id (`n3`), `random` (a random node that is up), `random-other`
 * (random, but not the leader/primary), a role the protocol reports (`leader`, `primary`),
 * `@name`: the node an earlier crash or pause with `remember: name` hit, or `trigger`: in a
 * triggered fault, the node the triggering event happened on.
 */
export type TargetSpec = string;

/** Where a crash lands inside a step (see CrashPoint in kernel/simulation.ts). */
export type CrashPointName = 'after-persist' | 'partial-send';

/**
 * A protocol moment that fires a triggered fault, derived from what every protocol does:
 * a role change (`role`: detail is the new role), a persist, a message sent or delivered (detail:
 * its type), a reply to a client (detail: ok, fail, info, redirect), a `ctx.note` (detail: its
 * name), a crash or a restart. `detail` undefined matches any; `node` limits it to one node.
 */
export interface TriggerSpec {
  readonly event: 'role' | 'persist' | 'send' | 'deliver' | 'reply' | 'note' | 'crash' | 'restart';
  readonly detail?: string;
  readonly node?: TargetSpec;
}

export type PartitionRequest =
  | { readonly kind: 'isolate'; readonly target: TargetSpec }
  | { readonly kind: 'split'; readonly groups: readonly (readonly NodeId[])[] }
  /** A minority of floor((n-1)/2) nodes cut from the majority; `minorityWith` forces a node in. */
  | { readonly kind: 'majority-minority'; readonly minorityWith?: TargetSpec }
  | { readonly kind: 'one-way'; readonly from: readonly TargetSpec[]; readonly to: readonly TargetSpec[] }
  /** `bridge` reaches both halves; the halves cannot reach each other. Random halves when not given. */
  | { readonly kind: 'bridge'; readonly bridge: TargetSpec; readonly left?: readonly NodeId[]; readonly right?: readonly NodeId[] };

export interface NetworkChange {
  readonly loss?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  /** The extra delay range of reordered messages (long reordering: 200ms to 2200ms, say). */
  readonly reorderMinUs?: number;
  readonly reorderDelayUs?: number;
}

export type FaultAction =
  | { readonly kind: 'partition'; readonly partition: PartitionRequest; readonly name?: string }
  /** Heals the named partition, or all. */
  | { readonly kind: 'heal'; readonly name?: string }
  /**
   * `remember` names the node hit so a later action can target it as `@name` (used by `for:`).
   * `point` crashes it inside its next step that reaches that point (instead of now), and
   * `restartAfterUs` then restarts it that long after the crash. `wipe` replaces its disk by an
   * empty one: permanent node loss, as when a machine is replaced.
   */
  | {
      readonly kind: 'crash';
      readonly target: TargetSpec;
      readonly remember?: string;
      readonly point?: CrashPointName;
      readonly wipe?: boolean;
      readonly restartAfterUs?: number;
    }
  /** Restarts a crashed node; `all` restarts every crashed node. */
  | { readonly kind: 'restart'; readonly target: TargetSpec }
  | { readonly kind: 'pause'; readonly target: TargetSpec; readonly remember?: string }
  | { readonly kind: 'resume'; readonly target: TargetSpec }
  /** Clock faults: a jump, a rate error, a coarse resolution (readings rounded down to it). */
  | { readonly kind: 'clock'; readonly target: TargetSpec; readonly offsetUs?: number; readonly drift?: number; readonly resolutionUs?: number }
  | { readonly kind: 'command'; readonly target: TargetSpec; readonly name: string; readonly args: Readonly<Record<string, unknown>> }
  /** Boots a node that was not an initial member (for membership changes). */
  | { readonly kind: 'start'; readonly target: NodeId }
  /**
   * A lying disk: the target's persists reach the disk only `unsyncedUs` later, and a crash before
   * then loses them (0 restores an honest disk). Models fsync that returns before the data is safe.
   */
  | { readonly kind: 'disk'; readonly target: TargetSpec; readonly unsyncedUs: number; readonly remember?: string }
  /** Changes loss / duplication / reordering from now on (a burst, until the next change). */
  | { readonly kind: 'network'; readonly change: NetworkChange | 'reset' }
  /**
   * Slow links: every message between `target` and each of `to` (default: every other node), in
   * both directions, takes `delayUs` longer. `remember` names it for `unslow`.
   */
  | { readonly kind: 'slow'; readonly target: TargetSpec; readonly to?: readonly TargetSpec[]; readonly delayUs: number; readonly remember: string }
  | { readonly kind: 'unslow'; readonly name: string }
  /**
   * Arms `action` to fire on a protocol moment (see TriggerSpec) from now until the heal, at most
   * `times` times: each time it happens, the action runs after a delay drawn in [minUs, maxUs],
   * with target `trigger` bound to the node it happened on; `undo` follows `afterUs` later.
   */
  | {
      readonly kind: 'trigger';
      readonly on: TriggerSpec;
      readonly delay: { readonly minUs: number; readonly maxUs: number };
      readonly times: number;
      readonly action: FaultAction;
      readonly undo?: { readonly afterUs: number; readonly action: FaultAction };
    };

export interface FaultEvent {
  readonly atUs: number;
  readonly action: FaultAction;
}

export type FaultKind = FaultAction['kind'];
