/**
 * The kernel's vocabulary: its bounds, the options a simulation is built with, the counters it
 * keeps, and the shapes of what it reports to observers and clients.
 */
import type { NodeId } from '../core/ids.js';
import type { OpResult } from '../core/ops.js';
import type { AnyProtocol } from '../core/protocol.js';
import type { Rng } from '../rng/index.js';
import type { Network } from '../network/network.js';
import type { DropReason, TraceEvent, TraceSink } from '../trace/events.js';
import type { CallWatch } from './watch.js';

export interface KernelLimits {
  /** Events processed before the run ends with a budget-exceeded finding. */
  readonly maxEvents: number;
  /** Pending events at once. */
  readonly maxQueue: number;
  /** Messages one step may send. */
  readonly maxSendsPerStep: number;
  /** Events at one virtual instant before time is declared stuck. */
  readonly maxEventsPerInstant: number;
}

export const DEFAULT_LIMITS: KernelLimits = {
  maxEvents: 20_000_000,
  maxQueue: 2_000_000,
  maxSendsPerStep: 100_000,
  maxEventsPerInstant: 200_000,
};

export interface SimulationOptions {
  readonly seed: string;
  readonly rng: Rng;
  readonly protocol: AnyProtocol;
  /** Every node of the simulation, in order: n1, n2, ... */
  readonly nodeIds: readonly NodeId[];
  /** The nodes that boot at time 0 and form the initial membership. Others wait for startNode. */
  readonly members: readonly NodeId[];
  readonly network: Network;
  readonly limits?: Partial<KernelLimits>;
  readonly trace?: TraceSink;
  /** Check protocol invariants after every step (default true). */
  readonly checkInvariants?: boolean;
  /**
   * Called every PROGRESS_EVERY events with the event count: a heartbeat for watchdogs (the CLI
   * runs simulations in a worker and calls a handler that stops the heartbeat a hang). Must not
   * influence the run.
   */
  readonly onProgress?: (events: number) => void;
  /** Cells a watchdog in another thread reads: which call runs now (see watch.ts). Must not influence the run. */
  readonly callWatch?: CallWatch;
}

/** Events between progress callbacks. */
export const PROGRESS_EVERY = 4096;

/**
 * A protocol moment the kernel saw on a node, for faults triggered by protocol events (runner/
 * faults.ts) and for coverage feedback (fuzz/coverage.ts): `role` (detail: the new role, '' when
 * none), `persist`, `send` and `deliver` (detail: the message type), `timer` (detail: its name),
 * `reply` (detail: ok, fail, info or redirect), `note` (detail: the note's name), `crash`,
 * `restart`. Derived from what every protocol does, so a user's protocol gets them too.
 */
export type ObservedKind = 'role' | 'persist' | 'send' | 'deliver' | 'timer' | 'reply' | 'note' | 'crash' | 'restart';
export type StepObserver = (node: NodeId, kind: ObservedKind, detail: string) => void;

/**
 * Where an armed crash lands inside a step's effects (see `armCrashPoint`):
 * - `after-persist`: the next step that persists crashes right after its persist, before any of
 *   its messages, timers or replies leave;
 * - `partial-send`: the next step that sends two or more messages crashes after only some of them
 *   left (a partial broadcast), its persist done and its replies lost.
 */
export type CrashPoint = 'after-persist' | 'partial-send';

/** A client (or other actor) that receives replies. */
export interface ProcessHandler {
  onReply(requestId: string, result: OpResult, from: NodeId): void;
}

export interface SimStats {
  messagesSent: number;
  messagesDelivered: number;
  messagesDropped: number;
  dropsByReason: Record<DropReason, number>;
  messagesDuplicated: number;
  timersFired: number;
  requests: number;
  replies: number;
  steps: number;
  persists: number;
  /**
   * Virtual time during which no up node reported the role `leader` (counted from the start, for
   * protocols that report roles; leader-based protocols compare by it). Settled when read through
   * `Simulation.settleStats`.
   */
  leaderlessUs: number;
}

/** All counters at zero (a fresh run, or one that never started). */
export function emptySimStats(): SimStats {
  return {
    messagesSent: 0,
    messagesDelivered: 0,
    messagesDropped: 0,
    dropsByReason: { partition: 0, loss: 0, crashed: 0, cut: 0, stopped: 0 },
    messagesDuplicated: 0,
    timersFired: 0,
    requests: 0,
    replies: 0,
    steps: 0,
    persists: 0,
    leaderlessUs: 0,
  };
}

/** A trace event as the kernel's parts build it: the kernel adds its index and time. */
export type TraceEventInput = DistributiveOmit<TraceEvent, 'i' | 't'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
