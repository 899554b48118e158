/**
 * Findings: things a run discovered about the protocol under test (never about dsim itself).
 * A finding always carries the seed, the virtual time and the kernel event number, so
 * `dsim replay` can take anyone straight to it.
 */
export type FindingKind =
  /** A handler (or init) threw. */
  | 'handler-threw'
  /** A handler's effect the kernel cannot take: a persisted value or message that contains itself, a reply that is no OpResult. */
  | 'invalid-effect'
  /** The run used up its event budget: a livelock, a message storm, or a budget set too low. */
  | 'budget-exceeded'
  /** Pending events exceeded the queue bound: some node floods the network or arms timers in a loop. */
  | 'queue-overflow'
  /** One step sent more messages than the per-step bound. */
  | 'send-flood'
  /** Too many events at one virtual instant: time stopped advancing. */
  | 'livelock'
  /** A protocol invariant broke. */
  | 'invariant'
  /** A protocol call never returned (detected by the CLI's watchdog, which stops the run's worker). */
  | 'hang'
  /** The run needed more memory than its limit (the CLI's `--memory-limit`; its worker was stopped). */
  | 'out-of-memory'
  /** Protocol code ended its thread (process.exit in a worker). */
  | 'process-exit'
  /**
   * The run outlasted its wall-clock limit (the CLI's `--wall-limit`; its worker was stopped). Not
   * a finding about the protocol: it depends on the machine, so the run is inconclusive.
   */
  | 'wall-limit';

export interface Finding {
  readonly kind: FindingKind;
  /** The invariant's name, for kind 'invariant'. */
  readonly name?: string;
  readonly message: string;
  readonly node?: string;
  /** The kernel event being handled, described for humans ("deliver AppendEntries from n2"). */
  readonly event?: string;
  readonly timeUs: number;
  readonly eventIndex: number;
  readonly seed: string;
  /** Stack of a thrown error (first lines), for handler-threw. */
  readonly stack?: string;
}

/** Findings that end the run at once (an invariant violation is recorded and the run goes on). */
export function isFatal(kind: FindingKind): boolean {
  return kind !== 'invariant';
}

/**
 * A call a watchdog had to stop: what it reports instead of a run (which never finished).
 * `message` says what happened; node, event and time say where, as far as the watchdog could see.
 */
export interface UnfinishedCall {
  readonly kind: 'hang' | 'out-of-memory' | 'process-exit' | 'wall-limit';
  readonly message: string;
  readonly node?: string;
  readonly event?: string;
  readonly eventIndex: number;
  readonly timeUs: number;
}

/** Kinds a watchdog reports when it had to stop a run's thread: the run never finished (no trace, no report). */
export function isUnfinished(kind: FindingKind): kind is UnfinishedCall['kind'] {
  return kind === 'hang' || kind === 'out-of-memory' || kind === 'process-exit' || kind === 'wall-limit';
}

/** The trace hash of a run that never finished (there is none). */
export const UNFINISHED_TRACE_HASH = 'none (the run never finished)';
