/**
 * The fault plan as data: actions at virtual times. Targets are resolved when the fault fires,
 * because "the leader" or "a random node" means whoever it is at that moment.
 */
import type { NodeId } from '../core/ids.js';

/**
 * Who a fault hits: a node id (`n3`), `random` (a random node that is up), `random-other`
 * (random, but not the leader/primary), a role the protocol reports (`leader`, `primary`), or
 * `@name`: the node an earlier crash or pause with `remember: name` hit.
 */
export type TargetSpec = string;

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
}

export type FaultAction =
  | { readonly kind: 'partition'; readonly partition: PartitionRequest; readonly name?: string }
  /** Heals the named partition, or all. */
  | { readonly kind: 'heal'; readonly name?: string }
  /** `remember` names the node hit so a later action can target it as `@name` (used by `for:`). */
  | { readonly kind: 'crash'; readonly target: TargetSpec; readonly remember?: string }
  /** Restarts a crashed node; `all` restarts every crashed node. */
  | { readonly kind: 'restart'; readonly target: TargetSpec }
  | { readonly kind: 'pause'; readonly target: TargetSpec; readonly remember?: string }
  | { readonly kind: 'resume'; readonly target: TargetSpec }
  | { readonly kind: 'clock'; readonly target: TargetSpec; readonly offsetUs?: number; readonly drift?: number }
  | { readonly kind: 'command'; readonly target: TargetSpec; readonly name: string; readonly args: Readonly<Record<string, unknown>> }
  /** Boots a node that was not an initial member (for membership changes). */
  | { readonly kind: 'start'; readonly target: NodeId }
  /**
   * A lying disk: the target's persists reach the disk only `unsyncedUs` later, and a crash before
   * then loses them (0 restores an honest disk). Models fsync that returns before the data is safe.
   */
  | { readonly kind: 'disk'; readonly target: TargetSpec; readonly unsyncedUs: number; readonly remember?: string }
  /** Changes loss / duplication / reordering from now on (a burst, until the next change). */
  | { readonly kind: 'network'; readonly change: NetworkChange | 'reset' };

export interface FaultEvent {
  readonly atUs: number;
  readonly action: FaultAction;
}

export type FaultKind = FaultAction['kind'];
