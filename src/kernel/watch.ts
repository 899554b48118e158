/**
 * Which call is running, for a watchdog in another thread. JavaScript cannot interrupt a loop, so
 * a watchdog judges from outside: before every call into protocol code (a handler, an invariant,
 * role(), a check, view()) and after it returns, the run writes into shared memory what it is
 * about to call and bumps a sequence number. A sequence that stops moving while the thread burns
 * CPU is a call that does not return — and the cells say which node, which event, which call.
 *
 * Plain stores into an Int32Array: a few nanoseconds per call, no strings on the hot path (names
 * are interned once and announced through `named`).
 */

/** Cell indices into `CallWatch.cells`. */
export const WATCH = {
  /** Bumped when a call starts, when it returns, and every few thousand kernel events. */
  seq: 0,
  /** What runs: a CallKind. */
  kind: 1,
  /** Node index (n1 = 0), or -1. */
  node: 2,
  /** Kernel event number (wraps at 2^31). */
  event: 3,
  /** Interned name of what is being handled (message type, timer, check, invariant...), or -1. */
  name: 4,
  /** Interned name of the sender (node or client), or -1. */
  from: 5,
  /** Virtual time in ms (µs / 1000, truncated): enough to find the moment again. */
  timeMs: 6,
  /** Step kind of a handler call (see CALL_STEP). */
  step: 7,
} as const;
export const WATCH_CELLS = 8;

/** What the watched thread is doing. Idle and tool work are not judged by a hang watchdog. */
export const CallKind = {
  idle: 0,
  /** A protocol handler on a node (init, message, request, timer, command). */
  handler: 1,
  /** A protocol invariant after a step. */
  invariant: 2,
  /** role() or summary() of a node. */
  role: 3,
  /** An end-of-run check. */
  check: 4,
  /** A protocol's view() of a node (convergence checks). */
  view: 5,
  /** Loading a user's protocol module and the scenario files (import, create, parseOptions). */
  load: 6,
  /** The kernel between calls (scheduling, network, the workload): dsim's own code. */
  kernel: 7,
} as const;
export type CallKind = (typeof CallKind)[keyof typeof CallKind];

/** Handler steps, as the kernel numbers them. */
export const CALL_STEP = ['deliver', 'request', 'timer', 'init (first boot)', 'init (restart)', 'command', 'scenario event'] as const;

export interface CallWatch {
  /** Shared with the watchdog: WATCH_CELLS 32-bit cells. */
  readonly cells: Int32Array;
  /** The id a name is written as; the watcher learns each name before its id first appears. */
  nameId(name: string): number;
}

/**
 * Names interned for a watcher: the table lives as long as the watched thread, so ids never
 * change between runs, and `announce` tells the watcher each new one (once).
 */
export function internedNames(announce: (id: number, name: string) => void): (name: string) => number {
  const ids = new Map<string, number>();
  return (name) => {
    let id = ids.get(name);
    if (id === undefined) {
      id = ids.size;
      ids.set(name, id);
      announce(id, name);
    }
    return id;
  };
}

/** `watch.nameId` with a one-entry cache: consecutive calls mostly share a message type or sender. */
export function cachedNameId(watch: CallWatch): (name: string) => number {
  let lastName: string | undefined;
  let lastId = -1;
  return (name) => {
    if (name !== lastName) {
      lastId = watch.nameId(name);
      lastName = name;
    }
    return lastId;
  };
}

/** Marks the start of a call of `kind` (node, name as ids; -1 when none). */
export function enterCall(cells: Int32Array, kind: CallKind, node: number, name: number): void {
  cells[WATCH.kind] = kind;
  cells[WATCH.node] = node;
  cells[WATCH.name] = name;
  cells[WATCH.seq] = (cells[WATCH.seq]! + 1) | 0;
}

/** Marks that the call returned: back to `kind` (the kernel, or idle). */
export function leaveCall(cells: Int32Array, kind: CallKind): void {
  cells[WATCH.kind] = kind;
  cells[WATCH.seq] = (cells[WATCH.seq]! + 1) | 0;
}

/** Progress without a call boundary (a long check that reports its own progress). */
export function beat(cells: Int32Array): void {
  cells[WATCH.seq] = (cells[WATCH.seq]! + 1) | 0;
}
