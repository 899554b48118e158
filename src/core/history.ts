/**
 * Client histories with Jepsen's semantics.
 *
 * Every operation is an `invoke` event followed by exactly one completion: `ok` (it took effect;
 * `value` holds its result), `fail` (it definitely did not take effect) or `info` (unknown: it may
 * take effect at any time after its invocation, or never). A process whose op ended `info` never
 * invokes again; a fresh process id takes its place. An op with no completion at the end of a
 * history is treated as `info`.
 */

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

/** One line of a history. Values are plain JSON data. */
export interface HistoryEvent {
  /** Position in the history, 0-based, strictly increasing. */
  readonly index: number;
  readonly type: EventType;
  /** The logical single-threaded client (Jepsen's :process). */
  readonly process: number;
  /** Operation name: read, write, cas, get, put, append, add, ... */
  readonly f: string;
  /** Key for per-key models (kv); absent for single-object models (register, counter, set). */
  readonly key?: string;
  /**
   * Invocation: the argument (write: the value; cas: [expected, new]; read: null).
   * ok: the result (read: the value read; write: the value written).
   */
  readonly value: unknown;
  /** Virtual time of the event, microseconds. Optional for imported histories. */
  readonly timeUs?: number;
  /** The node that handled the op, where known. */
  readonly node?: string;
  /** Why an op failed or is indeterminate (timeout, crashed, redirect-exhausted, ...). */
  readonly error?: string;
}

export type History = readonly HistoryEvent[];

/** An invocation paired with its completion: the unit checkers reason about. */
export interface Operation {
  /** Sequential id in invocation order. */
  readonly id: number;
  readonly process: number;
  readonly f: string;
  readonly key?: string;
  /** Argument at invocation. */
  readonly input: unknown;
  /** Result at completion (ok only). */
  readonly output: unknown;
  /** ok, fail or info (an op left open at the end of the history is info). */
  readonly outcome: 'ok' | 'fail' | 'info';
  /** History index of the invocation and completion; completion is Infinity for open ops. */
  readonly invokeIndex: number;
  readonly completeIndex: number;
  readonly invokeTimeUs?: number;
  readonly completeTimeUs?: number;
  readonly error?: string;
  readonly node?: string;
}

export interface PairOptions {
  /**
   * Accept a process invoking again after an op of its ended `info` (default false: that is an
   * error). Real Jepsen histories do it after timed-out reads; the info op stays indeterminate.
   */
  readonly allowInvokeAfterInfo?: boolean;
}

/**
 * Pairs invocations with completions. Throws a HistoryError if a process invokes while it has an
 * op open, completes without an open op, or (unless allowed) invokes again after an info.
 */
export function pairOperations(history: History, options: PairOptions = {}): Operation[] {
  const open = new Map<number, { id: number; event: HistoryEvent }>();
  const crashed = new Set<number>();
  const ops: (Operation | undefined)[] = [];
  let nextId = 0;
  for (const event of history) {
    if (event.type === 'invoke') {
      if (open.has(event.process)) {
        throw new HistoryError(event.index, `process ${event.process} invokes while its previous op is still open`);
      }
      if (crashed.has(event.process) && options.allowInvokeAfterInfo !== true) {
        throw new HistoryError(event.index, `process ${event.process} invokes after an op that ended info`);
      }
      open.set(event.process, { id: nextId, event });
      ops.push(undefined);
      nextId++;
      continue;
    }
    const invocation = open.get(event.process);
    if (invocation === undefined) {
      throw new HistoryError(event.index, `process ${event.process} completes an op it never invoked`);
    }
    open.delete(event.process);
    if (event.type === 'info') crashed.add(event.process);
    ops[invocation.id] = makeOperation(invocation.id, invocation.event, event);
  }
  for (const { id, event } of open.values()) ops[id] = makeOperation(id, event, undefined);
  return ops as Operation[];
}

/**
 * pairOperations one event at a time, for histories too long to keep: `push` returns the op an
 * event completes (ids in invocation order, as pairOperations gives them); `open` lists the ops
 * still open, which end as info. Memory: the open ops only. Same errors as pairOperations.
 */
export class OperationStream {
  private readonly openOps = new Map<number, { id: number; event: HistoryEvent }>();
  private readonly crashed = new Set<number>();
  private nextId = 0;

  /** The op this event completes, or undefined for an invocation. */
  push(event: HistoryEvent): Operation | undefined {
    if (event.type === 'invoke') {
      if (this.openOps.has(event.process)) throw new HistoryError(event.index, `process ${event.process} invokes while its previous op is still open`);
      if (this.crashed.has(event.process)) throw new HistoryError(event.index, `process ${event.process} invokes after an op that ended info`);
      this.openOps.set(event.process, { id: this.nextId++, event });
      return undefined;
    }
    const invocation = this.openOps.get(event.process);
    if (invocation === undefined) throw new HistoryError(event.index, `process ${event.process} completes an op it never invoked`);
    this.openOps.delete(event.process);
    // A retired process never invokes again: remembering it is one number per indeterminate op.
    if (event.type === 'info') this.crashed.add(event.process);
    return makeOperation(invocation.id, invocation.event, event);
  }

  /** The ops still open, as info (the end of a history), in invocation order. */
  open(): Operation[] {
    return [...this.openOps.values()].sort((a, b) => a.id - b.id).map(({ id, event }) => makeOperation(id, event, undefined));
  }
}

function makeOperation(id: number, invoke: HistoryEvent, complete: HistoryEvent | undefined): Operation {
  const outcome = complete === undefined ? 'info' : (complete.type as 'ok' | 'fail' | 'info');
  const op: {
    -readonly [K in keyof Operation]: Operation[K];
  } = {
    id,
    process: invoke.process,
    f: invoke.f,
    input: invoke.value,
    output: outcome === 'ok' ? complete?.value : undefined,
    outcome,
    invokeIndex: invoke.index,
    completeIndex: complete === undefined || outcome === 'info' ? Infinity : complete.index,
  };
  if (invoke.key !== undefined) op.key = invoke.key;
  if (invoke.timeUs !== undefined) op.invokeTimeUs = invoke.timeUs;
  if (complete?.timeUs !== undefined) op.completeTimeUs = complete.timeUs;
  const error = complete?.error ?? (complete === undefined ? 'no completion' : undefined);
  if (error !== undefined) op.error = error;
  const node = complete?.node ?? invoke.node;
  if (node !== undefined) op.node = node;
  return op;
}

/** A malformed history: names the event (0-based history index) at fault. */
export class HistoryError extends Error {
  constructor(
    readonly eventIndex: number,
    message: string,
  ) {
    super(`event ${eventIndex}: ${message}`);
    this.name = 'HistoryError';
  }
}
