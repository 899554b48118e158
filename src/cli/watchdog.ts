/**
 * Runs work in a worker thread under a watchdog that judges one call at a time. JavaScript cannot
 * interrupt a loop, so the run marks every call into protocol code in shared memory (which node,
 * which event, which call; kernel/watch.ts). The watchdog reports a hang only when one call has
 * burned `hangTimeoutMs` of the worker's own CPU time without returning — never because the whole
 * run is slow or the machine is loaded — or has slept that long without the CPU (blocked on
 * something that never comes). The worker is resource-limited: past `memoryLimitMb` of heap it is
 * stopped and the run is an `out-of-memory` finding. Module loading runs under the same watch.
 *
 * `WatchedWorker` is the mechanism (one persistent worker, one request at a time); `dsim run` and
 * `dsim replay` use it through `WatchedRunner` (run-worker.ts), `dsim fuzz` through its own worker
 * (fuzz-worker.ts). Where /proc is missing (not Linux), the judge falls back to wall time.
 */
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism, totalmem } from 'node:os';
import { formatUs, parseDurationUs } from '../core/time.js';
import { CallKind, WATCH, WATCH_CELLS, enterCall, internedNames, leaveCall, type CallWatch } from '../kernel/watch.js';
import type { UnfinishedCall } from '../kernel/findings.js';
import { unfinishedRun, type RunResult } from '../runner/index.js';
import type { Scenario } from '../scenario/resolve.js';
import { ScenarioError, type ScenarioIssue } from '../scenario/issues.js';
import { describeCall, unfinishedCall, type CallReport } from './call-report.js';
import { UsageError } from './errors.js';
import type { RunJob, RunRow } from './run.js';
import { ownThreadStatPath, sampleThread } from './thread-clock.js';

/** The default `--hang-timeout`: CPU time one call may burn (generous: a correct handler takes microseconds). */
export const DEFAULT_HANG_TIMEOUT_MS = 30_000;

/** The default `--memory-limit` per run: 4 GB of heap, or less on a small machine. */
export const DEFAULT_MEMORY_LIMIT_MB = Math.max(256, Math.min(4096, Math.floor(totalmem() / (1 << 20) / 4)));

const POLL_MS = 250;

/**
 * How long a call may sleep without the CPU before it counts as blocked: ten times the hang
 * timeout, at least 10s. Loading a module legitimately waits on files and on tsx's compiler; a
 * handler never sleeps, but a loaded machine must not turn a slow load into a hang.
 */
export function blockedAfterMs(hangTimeoutMs: number): number {
  return Math.max(10 * hangTimeoutMs, 10_000);
}

/** `--hang-timeout`: a duration (`30s`, `500ms`) or seconds; 0 turns the watchdog off. */
export function parseHangTimeoutMs(text: string | undefined): number {
  return text === undefined ? DEFAULT_HANG_TIMEOUT_MS : durationOptionMs(text, '--hang-timeout expects a duration such as 30s (0 turns the watchdog off)');
}

/** A duration option's value in ms: `30s`, `500ms`, `10m`, or a bare number of seconds. */
function durationOptionMs(text: string, expects: string): number {
  const us = parseDurationUs(/^\d+(\.\d+)?$/.test(text) ? `${text}s` : text);
  if (us === undefined) throw new UsageError(`${expects}, got ${JSON.stringify(text)}`);
  return Math.round(us / 1000);
}

/** `--wall-limit`: a duration (`10m`, `90s`) or seconds; 0 (the default) for none. */
export function parseWallLimitMs(text: string | undefined): number {
  return text === undefined ? 0 : durationOptionMs(text, '--wall-limit expects a duration such as 10m or 90s (0: no limit)');
}

function formatMs(ms: number): string {
  return formatUs(ms * 1000);
}

/** `--memory-limit`: `2GB`, `512MB`, or a number of MB; 0 for no limit. */
export function parseMemoryLimitMb(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MEMORY_LIMIT_MB;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(mb|m|gb|g)?\s*$/i.exec(text);
  if (m === null) throw new UsageError(`--memory-limit expects a size such as 2GB or 512MB (0: no limit), got ${JSON.stringify(text)}`);
  const mb = Math.round(Number(m[1]) * (/^g/i.test(m[2] ?? 'mb') ? 1024 : 1));
  if (mb !== 0 && mb < 64) throw new UsageError(`--memory-limit must be at least 64MB (or 0 for no limit), got ${text}`);
  return mb;
}

/** `--workers`: at most the cores available, unless `force`d (more threads than cores only thrash). */
export function capWorkers(requested: number, force: boolean): { workers: number; capped: boolean } {
  const cores = availableParallelism();
  return !force && requested > cores ? { workers: cores, capped: true } : { workers: requested, capped: false };
}

export interface WatchLimits {
  /** CPU time one call may take before it is a hang; 0: not judged. */
  readonly hangTimeoutMs: number;
  /** Heap of the worker; 0: Node's default. */
  readonly memoryLimitMb: number;
  /** Wall-clock time one request (a run) may take, however busy the machine; 0 or absent: none. */
  readonly wallLimitMs?: number;
}

/** A message from a watched worker that is not its answer yet. */
export interface WorkerNote {
  readonly note: unknown;
}

/** How a watched request ended when it did not answer. */
export type Stopped =
  | { readonly status: 'hung'; readonly call: CallReport; readonly cpuMs: number; readonly blocked: boolean }
  | { readonly status: 'out-of-memory'; readonly call: CallReport; readonly limitMb: number }
  | { readonly status: 'exited'; readonly call: CallReport; readonly code: number }
  | { readonly status: 'wall-limit'; readonly call: CallReport; readonly limitMs: number };

export type Watched<Reply> = { readonly status: 'done'; readonly reply: Reply } | Stopped;

/** The finding-shaped account of a stopped request, and the message it carries. */
export function stoppedCall(stopped: Stopped, limits: WatchLimits): UnfinishedCall {
  switch (stopped.status) {
    case 'hung':
      return unfinishedCall(
        'hang',
        stopped.call,
        stopped.blocked
          ? `${stopped.call.what} waited ${blockedAfterMs(limits.hangTimeoutMs) / 1000}s without using the CPU and never returned (blocked on something that never happens?)`
          : `${stopped.call.what} did not return after ${limits.hangTimeoutMs / 1000}s of CPU time (an infinite loop?)`,
      );
    case 'out-of-memory':
      return unfinishedCall('out-of-memory', stopped.call, `the run needed more than its memory limit of ${stopped.limitMb} MB (--memory-limit), during ${stopped.call.what}`);
    case 'exited':
      return unfinishedCall('process-exit', stopped.call, `protocol code ended its thread (process.exit(${stopped.code})?) during ${stopped.call.what}`);
    case 'wall-limit':
      return unfinishedCall(
        'wall-limit',
        stopped.call,
        `the run did not finish within its wall-clock limit of ${formatMs(stopped.limitMs)} (--wall-limit); it was in ${stopped.call.what}. ` +
          'Not a finding about the protocol (a slower or busier machine gets less done in the same time): raise --wall-limit, or shorten the run',
      );
  }
}

interface Pending {
  resolve(value: Watched<unknown>): void;
  reject(error: unknown): void;
  onNote: ((note: unknown) => void) | undefined;
  startedMs: number;
  lastSeq: number;
  lastChangeMs: number;
  lastChangeCpuMs: number | undefined;
  /** Asleep at every poll since the last change (a blocked call, not a busy one). */
  sleeping: boolean;
}

/**
 * One persistent worker thread running `script`, one request at a time. A request ends with the
 * worker's first message that is not a `{ note }`, or when the watchdog stops it (a hang, the
 * memory limit, a thread that ended itself); the next request starts a fresh worker then.
 */
export class WatchedWorker {
  private worker: Worker | undefined;
  private readonly shared = new SharedArrayBuffer(WATCH_CELLS * 4);
  private readonly cells = new Int32Array(this.shared);
  private readonly names = new Map<number, string>();
  private statPath: string | undefined;
  private pending: Pending | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly script: URL,
    private readonly limits: WatchLimits,
  ) {}

  run<Reply>(message: unknown, options: { readonly signal?: AbortSignal; readonly onNote?: (note: unknown) => void } = {}): Promise<Watched<Reply>> {
    if (this.pending !== undefined) return Promise.reject(new Error('WatchedWorker: one request at a time'));
    if (options.signal?.aborted === true) return Promise.reject(abortError());
    const worker = this.ensureWorker();
    // One timer per worker, for its lifetime; it holds the process open only while a request is out.
    this.timer ??= setInterval(() => this.poll(), POLL_MS);
    this.timer.ref();
    return new Promise<Watched<Reply>>((resolve, reject) => {
      const settled = (): void => {
        options.signal?.removeEventListener('abort', onAbort);
        this.timer?.unref();
      };
      const onAbort = (): void => {
        this.pending = undefined;
        this.kill();
        settled();
        reject(abortError());
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        resolve: (value) => {
          settled();
          resolve(value as Watched<Reply>);
        },
        reject: (error) => {
          settled();
          reject(error);
        },
        onNote: options.onNote,
        startedMs: Date.now(),
        lastSeq: this.cells[WATCH.seq]!,
        lastChangeMs: Date.now(),
        lastChangeCpuMs: undefined,
        sleeping: true,
      };
      worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private poll(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    const now = Date.now();
    const wallLimitMs = this.limits.wallLimitMs ?? 0;
    if (wallLimitMs > 0 && now - pending.startedMs >= wallLimitMs) {
      const call = describeCall(this.cells, this.names);
      this.pending = undefined;
      this.kill();
      pending.resolve({ status: 'wall-limit', call, limitMs: wallLimitMs });
      return;
    }
    if (this.limits.hangTimeoutMs <= 0) return;
    const seq = this.cells[WATCH.seq]!;
    const kind = this.cells[WATCH.kind]!;
    const sample = this.statPath !== undefined ? sampleThread(this.statPath) : undefined;
    if (seq !== pending.lastSeq || kind === CallKind.idle) {
      pending.lastSeq = seq;
      pending.lastChangeMs = now;
      pending.lastChangeCpuMs = sample?.cpuMs;
      pending.sleeping = true;
      return;
    }
    const wallMs = now - pending.lastChangeMs;
    let hung: { cpuMs: number; blocked: boolean } | undefined;
    if (sample !== undefined && pending.lastChangeCpuMs !== undefined) {
      // Judged by the CPU this one call burned: a loaded machine slows a call, it does not make it spin.
      const cpuMs = sample.cpuMs - pending.lastChangeCpuMs;
      if (sample.state !== 'S') pending.sleeping = false;
      if (cpuMs >= this.limits.hangTimeoutMs) hung = { cpuMs, blocked: false };
      else if (pending.sleeping && wallMs >= blockedAfterMs(this.limits.hangTimeoutMs)) hung = { cpuMs, blocked: true };
    } else if (sample !== undefined) {
      pending.lastChangeCpuMs = sample.cpuMs; // the worker's thread id arrived since the last change
    } else if (this.statPath === undefined && wallMs >= this.limits.hangTimeoutMs) {
      hung = { cpuMs: wallMs, blocked: false }; // no /proc: wall time is all there is
    }
    if (hung !== undefined) {
      const call = describeCall(this.cells, this.names);
      this.pending = undefined;
      this.kill();
      pending.resolve({ status: 'hung', call, ...hung });
    }
  }

  private kill(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    this.cells.fill(0);
    this.names.clear();
    this.statPath = undefined;
    const workerData = { cells: this.shared };
    const resourceLimits = this.limits.memoryLimitMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryLimitMb } } : {};
    // A TypeScript worker (benchmarks run the sources through tsx) registers tsx's loader first.
    const worker = this.script.pathname.endsWith('.ts')
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(this.script.href)}); });`, { eval: true, workerData, ...resourceLimits })
      : new Worker(this.script, { workerData, ...resourceLimits });
    worker.unref();
    worker.on('message', (message: unknown) => {
      if (worker !== this.worker) return;
      if (typeof message === 'object' && message !== null && 'note' in message) {
        const note = (message as WorkerNote).note as { watchName?: [number, string]; statPath?: string };
        if (note?.watchName !== undefined) this.names.set(note.watchName[0], note.watchName[1]);
        else if (note?.statPath !== undefined) this.statPath = note.statPath;
        else this.pending?.onNote?.(note);
        return;
      }
      const pending = this.pending;
      if (pending === undefined) return;
      this.pending = undefined;
      pending.resolve({ status: 'done', reply: message });
    });
    const stopped = (how: (call: CallReport) => Stopped | undefined, error: Error): void => {
      if (worker !== this.worker) return;
      this.worker = undefined;
      const pending = this.pending;
      this.pending = undefined;
      const outcome = how(describeCall(this.cells, this.names));
      if (outcome !== undefined) pending?.resolve(outcome);
      else pending?.reject(error);
    };
    worker.on('error', (error: Error & { code?: string }) =>
      stopped((call) => (error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { status: 'out-of-memory', call, limitMb: this.limits.memoryLimitMb } : undefined), error),
    );
    worker.on('exit', (code) =>
      stopped(
        // An exit while protocol code runs is the protocol's doing (process.exit in a worker ends the thread).
        (call) => (call.kind !== CallKind.idle ? { status: 'exited', call, code } : undefined),
        new Error(`the worker thread exited unexpectedly (code ${code})`),
      ),
    );
    this.worker = worker;
    return worker;
  }
}

function abortError(): Error {
  const error = new Error('aborted');
  error.name = 'AbortError';
  return error;
}

/**
 * Whether this thread is a worker the watchdog started (it hands each one its call cells). Modules
 * that serve tasks when loaded in a worker check this first: they are also imported, for their
 * exports, by threads that are not ours (a test runner's thread pool, say).
 */
export function isWatchedWorker(): boolean {
  return (workerData as { cells?: unknown } | null | undefined)?.cells instanceof SharedArrayBuffer;
}

/** Inside a watched worker: the call watch the run writes, and the worker's own marks. */
export interface WorkerWatch {
  readonly watch: CallWatch;
  /** Runs `fn` (loading a module, parsing files) marked as loading `what`. */
  load<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** Between requests: not judged. */
  idle(): void;
}

export function workerWatch(): WorkerWatch {
  const cells = new Int32Array((workerData as { cells: SharedArrayBuffer }).cells);
  const watch: CallWatch = { cells, nameId: internedNames((id, name) => postNote({ watchName: [id, name] })) };
  const statPath = ownThreadStatPath();
  if (statPath !== undefined) postNote({ statPath });
  return {
    watch,
    async load(what, fn) {
      enterCall(cells, CallKind.load, -1, watch.nameId(what));
      try {
        return await fn();
      } finally {
        leaveCall(cells, CallKind.kernel);
      }
    },
    idle: () => leaveCall(cells, CallKind.idle),
  };
}

/** Inside a watched worker: posts a note (not the answer) to the main thread. */
export function postNote(note: unknown): void {
  parentPort!.postMessage({ note } satisfies WorkerNote);
}

/** `dsim run`'s scenarios in a watched run-worker.js. */
export class WatchedRunner {
  private readonly worker: WatchedWorker;

  constructor(private readonly limits: WatchLimits) {
    this.worker = new WatchedWorker(new URL('./run-worker.js', import.meta.url), limits);
  }

  async run(job: RunJob, scenario: Scenario): Promise<RunRow> {
    const started = Date.now();
    const answer = await this.worker.run<{ ok: true; row: RunRow } | { ok: false; message: string; scenarioError?: { file: string; issues: ScenarioIssue[] } }>(job);
    if (answer.status !== 'done') return { result: stoppedResult(scenario, job, stoppedCall(answer, this.limits)), wallMs: Date.now() - started };
    if (answer.reply.ok) return answer.reply.row;
    if (answer.reply.scenarioError !== undefined) throw new ScenarioError(answer.reply.scenarioError.file, answer.reply.scenarioError.issues);
    throw new WorkerFailure(answer.reply.message);
  }

  /** The `index`th trace event of this worker's last determinism-checked run, described. */
  async traceEvent(index: number): Promise<string> {
    const answer = await this.worker.run<{ ok: boolean; text?: string }>({ traceEvent: index });
    return answer.status === 'done' && answer.reply.text !== undefined ? answer.reply.text : '(not available)';
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}

/** A runner for these limits, or none (run in this thread) when both are off. */
export function watchedRunner(limits: WatchLimits): WatchedRunner | undefined {
  return limits.hangTimeoutMs > 0 || limits.memoryLimitMb > 0 || (limits.wallLimitMs ?? 0) > 0 ? new WatchedRunner(limits) : undefined;
}

/** An error inside the worker that is not about the protocol (bad input or a dsim bug). */
export class WorkerFailure extends Error {}

function stoppedResult(scenario: Scenario, job: RunJob, stop: UnfinishedCall): RunResult {
  const seed = String(job.seed ?? scenario.seed);
  return unfinishedRun(scenario, { seed, stop, replay: `dsim run ${scenario.file} --seed ${seed}` });
}
