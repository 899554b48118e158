/**
 * Runs scenarios in a worker thread under a watchdog. The kernel beats a heartbeat every few
 * thousand events; a handler that never returns stops it. When the simulation phase makes no
 * progress for `hangTimeoutMs` of wall time, the worker is terminated and the run is reported as a
 * `hang` finding with its seed — the tool itself carries on with the next scenario.
 */
import { Worker } from 'node:worker_threads';
import type { RunResult } from '../runner/index.js';
import type { Scenario } from '../scenario/resolve.js';
import type { RunJob, RunRow } from './run.js';

export const HEARTBEAT_PHASE = 0;
export const HEARTBEAT_COUNTER = 1;
export const PHASE = { idle: 0, simulate: 1, check: 2 } as const;

const POLL_MS = 200;

export class WatchedRunner {
  private worker: Worker | undefined;
  private readonly heartbeat = new SharedArrayBuffer(8);
  private readonly beat = new Int32Array(this.heartbeat);

  constructor(private readonly hangTimeoutMs: number) {}

  async run(job: RunJob, scenario: Scenario): Promise<RunRow> {
    const worker = this.ensureWorker();
    Atomics.store(this.beat, HEARTBEAT_PHASE, PHASE.idle);
    return new Promise<RunRow>((resolve, reject) => {
      let lastCount = Atomics.load(this.beat, HEARTBEAT_COUNTER);
      let lastChangeMs = Date.now();
      const timer = setInterval(() => {
        const count = Atomics.load(this.beat, HEARTBEAT_COUNTER);
        const phase = Atomics.load(this.beat, HEARTBEAT_PHASE);
        if (count !== lastCount || phase !== PHASE.simulate) {
          lastCount = count;
          lastChangeMs = Date.now();
          return;
        }
        if (Date.now() - lastChangeMs >= this.hangTimeoutMs) {
          cleanup();
          void worker.terminate();
          this.worker = undefined;
          resolve({ result: hangResult(scenario, job, this.hangTimeoutMs), wallMs: Date.now() - started });
        }
      }, POLL_MS);
      const started = Date.now();
      const onMessage = (message: { ok: true; row: RunRow } | { ok: false; message: string }): void => {
        cleanup();
        if (message.ok) resolve(message.row);
        else reject(new WorkerFailure(message.message));
      };
      const onError = (error: Error): void => {
        cleanup();
        this.worker = undefined;
        reject(error);
      };
      const cleanup = (): void => {
        clearInterval(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private ensureWorker(): Worker {
    if (this.worker === undefined) {
      this.worker = new Worker(new URL('./run-worker.js', import.meta.url), { workerData: { heartbeat: this.heartbeat } });
      this.worker.unref();
    }
    return this.worker;
  }
}

/** An error inside the worker that is not about the protocol (bad input or a dsim bug). */
export class WorkerFailure extends Error {}

function hangResult(scenario: Scenario, job: RunJob, hangTimeoutMs: number): RunResult {
  const seed = String(job.seed ?? scenario.seed);
  const message = `a handler did not return within ${hangTimeoutMs / 1000}s of wall time (an infinite loop?); replay: dsim run ${scenario.file} --seed ${seed}`;
  return {
    scenario: scenario.name,
    file: scenario.file,
    protocol: scenario.protocol.name,
    options: scenario.options,
    flaws: scenario.flaws,
    seed,
    nodes: scenario.nodes,
    traceHash: '(none: the run never finished)',
    events: 0,
    virtualTimeUs: 0,
    faults: [],
    ops: { invoked: 0, ok: 0, fail: 0, info: 0, shed: 0, redirects: 0 },
    latency: {},
    messages: {
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
    },
    findings: [{ kind: 'hang', message, timeUs: 0, eventIndex: 0, seed }],
    checks: [{ name: 'health', verdict: 'fail', detail: `hang: ${message}` }],
    expected: scenario.expect,
    expectation: 'broken',
    history: [],
  };
}
