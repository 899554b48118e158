/**
 * Runs work in a worker thread under a watchdog. The kernel beats a heartbeat every few thousand
 * events; a handler that never returns stops it. When the simulation phase makes no progress for
 * `hangTimeoutMs` of wall time, the worker is terminated and the run is reported as a `hang`
 * finding with its seed — the tool itself carries on with the next scenario.
 *
 * `WatchedWorker` is the mechanism (one persistent worker, one request at a time, a heartbeat in
 * shared memory); `dsim run` and `dsim replay` use it through `WatchedRunner` (run-worker.ts), and
 * `dsim fuzz` through its own worker (fuzz-worker.ts).
 */
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { parseDurationUs } from '../core/time.js';
import { unfinishedRun, type RunResult } from '../runner/index.js';
import type { Scenario } from '../scenario/resolve.js';
import { UsageError } from './errors.js';
import type { RunJob, RunRow } from './run.js';

export const HEARTBEAT_PHASE = 0;
export const HEARTBEAT_COUNTER = 1;
export const PHASE = { idle: 0, simulate: 1, check: 2 } as const;

/** The default `--hang-timeout`. */
export const DEFAULT_HANG_TIMEOUT_MS = 10_000;

const POLL_MS = 200;

/** `--hang-timeout`: a duration (`10s`, `500ms`) or seconds; 0 turns the watchdog off. */
export function parseHangTimeoutMs(text: string | undefined): number {
  if (text === undefined) return DEFAULT_HANG_TIMEOUT_MS;
  const us = parseDurationUs(/^\d+(\.\d+)?$/.test(text) ? `${text}s` : text);
  if (us === undefined) throw new UsageError(`--hang-timeout expects a duration such as 10s (0 turns the watchdog off), got ${JSON.stringify(text)}`);
  return Math.round(us / 1000);
}

/** A message from a watched worker that is not its answer yet (e.g. which candidate it runs). */
export interface WorkerNote {
  readonly note: unknown;
}

export type Watched<Reply> = { readonly status: 'done'; readonly reply: Reply } | { readonly status: 'hung'; readonly silentMs: number };

interface Pending {
  resolve(value: Watched<unknown>): void;
  reject(error: unknown): void;
  onNote: ((note: unknown) => void) | undefined;
  lastCount: number;
  lastChangeMs: number;
}

/**
 * One persistent worker thread running `script`, one request at a time. A request ends with the
 * worker's first message that is not a `{ note }`, or as `hung` when the worker stays in the
 * simulate phase without a heartbeat for `hangTimeoutMs`; a hung worker is terminated and the
 * next request starts a fresh one.
 */
export class WatchedWorker {
  private worker: Worker | undefined;
  private readonly heartbeat = new SharedArrayBuffer(8);
  private readonly beat = new Int32Array(this.heartbeat);
  private pending: Pending | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly script: URL,
    private readonly hangTimeoutMs: number,
  ) {}

  run<Reply>(message: unknown, options: { readonly signal?: AbortSignal; readonly onNote?: (note: unknown) => void } = {}): Promise<Watched<Reply>> {
    if (this.pending !== undefined) return Promise.reject(new Error('WatchedWorker: one request at a time'));
    if (options.signal?.aborted === true) return Promise.reject(abortError());
    const worker = this.ensureWorker();
    Atomics.store(this.beat, HEARTBEAT_PHASE, PHASE.idle);
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
        lastCount: Atomics.load(this.beat, HEARTBEAT_COUNTER),
        lastChangeMs: Date.now(),
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
    const count = Atomics.load(this.beat, HEARTBEAT_COUNTER);
    const phase = Atomics.load(this.beat, HEARTBEAT_PHASE);
    const now = Date.now();
    if (count !== pending.lastCount || phase !== PHASE.simulate) {
      pending.lastCount = count;
      pending.lastChangeMs = now;
      return;
    }
    if (now - pending.lastChangeMs >= this.hangTimeoutMs) {
      this.pending = undefined;
      this.kill();
      pending.resolve({ status: 'hung', silentMs: now - pending.lastChangeMs });
    }
  }

  private kill(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const workerData = { heartbeat: this.heartbeat };
    // A TypeScript worker (benchmarks run the sources through tsx) registers tsx's loader first.
    const worker = this.script.pathname.endsWith('.ts')
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(this.script.href)}); });`, { eval: true, workerData })
      : new Worker(this.script, { workerData });
    worker.unref();
    worker.on('message', (message: unknown) => {
      if (worker !== this.worker) return;
      const pending = this.pending;
      if (pending === undefined) return;
      if (typeof message === 'object' && message !== null && 'note' in message) {
        pending.onNote?.((message as WorkerNote).note);
        return;
      }
      this.pending = undefined;
      pending.resolve({ status: 'done', reply: message });
    });
    const fail = (error: Error): void => {
      if (worker !== this.worker) return;
      this.worker = undefined;
      const pending = this.pending;
      this.pending = undefined;
      pending?.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the worker thread exited unexpectedly (code ${code})`)));
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
 * Whether this thread is a worker the watchdog started (it hands each one a heartbeat). Modules
 * that serve tasks when loaded in a worker check this first: they are also imported, for their
 * exports, by threads that are not ours (a test runner's thread pool, say).
 */
export function isWatchedWorker(): boolean {
  return (workerData as { heartbeat?: unknown } | null | undefined)?.heartbeat instanceof SharedArrayBuffer;
}

/** Inside a watched worker: beats the heartbeat the main thread watches. */
export function workerHeartbeat(): { progress(phase: 'simulate' | 'check'): void; idle(): void } {
  const beat = new Int32Array((workerData as { heartbeat: SharedArrayBuffer }).heartbeat);
  return {
    progress(phase) {
      Atomics.store(beat, HEARTBEAT_PHASE, phase === 'simulate' ? PHASE.simulate : PHASE.check);
      Atomics.add(beat, HEARTBEAT_COUNTER, 1);
    },
    idle() {
      Atomics.store(beat, HEARTBEAT_PHASE, PHASE.idle);
    },
  };
}

/** Inside a watched worker: posts a note (not the answer) to the main thread. */
export function postNote(note: unknown): void {
  parentPort!.postMessage({ note } satisfies WorkerNote);
}

/** `dsim run`'s scenarios in a watched run-worker.js. */
export class WatchedRunner {
  private readonly worker: WatchedWorker;

  constructor(private readonly hangTimeoutMs: number) {
    this.worker = new WatchedWorker(new URL('./run-worker.js', import.meta.url), hangTimeoutMs);
  }

  async run(job: RunJob, scenario: Scenario): Promise<RunRow> {
    const started = Date.now();
    const answer = await this.worker.run<{ ok: true; row: RunRow } | { ok: false; message: string }>(job);
    if (answer.status === 'hung') return { result: hangResult(scenario, job, this.hangTimeoutMs), wallMs: Date.now() - started };
    if (answer.reply.ok) return answer.reply.row;
    throw new WorkerFailure(answer.reply.message);
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}

/** An error inside the worker that is not about the protocol (bad input or a dsim bug). */
export class WorkerFailure extends Error {}

function hangResult(scenario: Scenario, job: RunJob, hangTimeoutMs: number): RunResult {
  const seed = String(job.seed ?? scenario.seed);
  return unfinishedRun(scenario, { seed, timeoutMs: hangTimeoutMs, replay: `dsim run ${scenario.file} --seed ${seed}` });
}
