/**
 * What the kernel keeps per node: status, volatile and durable state, the lying disk's unsynced
 * writes, timers, the clock, the events held while paused, an armed crash point, and what was last
 * reported about its role and summary.
 */
import type { NodeId } from '../core/ids.js';
import type { NodeContext, NodeStatus, NodeView } from '../core/protocol.js';
import type { Rng } from '../rng/index.js';
import { trueClock, type Clock } from './clock.js';
import type { SimEvent } from './queue.js';
import type { CrashPoint } from './types.js';

/**
 * A node's timer of one name. Protocols re-arm timers far more often than they fire (Raft resets
 * its election timer on every AppendEntries), so re-arming to a later deadline leaves the queued
 * event where it is: when it comes up early it moves itself to the deadline, with the sequence
 * number reserved when it was armed, so it fires exactly when and in the order it would have, had
 * every re-arm queued a fresh event.
 */
export class TimerRecord {
  armed = false;
  /** True time it fires. */
  dueUs = 0;
  /** Queue sequence reserved when last armed: the tie-break among events at dueUs. */
  seq = 0;
  /** Id of the queued event that stands for this timer (0: none); other events of it are stale. */
  token = 0;
  /** Time of that queued event (at or before dueUs). */
  queuedUs = 0;
}

/** Per-node bookkeeping. Also serves as the node's NodeView for invariants (no copies per step). */
export class NodeSlot implements NodeView<unknown> {
  status: NodeStatus = 'stopped';
  state: unknown = undefined;
  durable: unknown = undefined;
  hasDurable = false;
  /**
   * A lying disk (fault `disk`): a persist reaches the platter only `unsyncedUs` after the step
   * that wrote it; a crash before then loses it. 0 is an honest disk.
   */
  unsyncedUs = 0;
  /** Persists not yet synced, oldest first, with the time each becomes durable. */
  unsynced: Array<{ value: unknown; syncedAtUs: number }> = [];
  incarnation = 0;
  readonly timers = new Map<string, TimerRecord>();
  /** Events that arrived while paused, delivered in order on resume. */
  paused: SimEvent[] = [];
  readonly clock: Clock = trueClock();
  /** An armed crash point (undefined almost always: one check per step). */
  crashPoint: { readonly point: CrashPoint; readonly onCrash: (() => void) | undefined } | undefined = undefined;
  /** The role last reported to the step observer. */
  observedRole: string | undefined = undefined;
  lastRole: string | undefined = undefined;
  /** Up and in the role `leader` (counted in Simulation.leaders). */
  leading = false;
  lastSummary: string | undefined = undefined;
  ctx!: NodeContext<unknown, unknown>;
  constructor(
    readonly id: NodeId,
    readonly index: number,
    readonly rng: Rng,
  ) {}
}
