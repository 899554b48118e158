/**
 * `--check-determinism`: the reported run against a fresh one. The fresh run executes in a new
 * worker — a fresh instance of the protocol module — so what differs is either nondeterminism
 * (Math.random, Date, iteration order the run does not set) or state the module carried over from
 * an earlier run in the reported run's process; both make "same seed, same run" false. Each run
 * keeps a digest per trace event; the first differing event is described from both runs' traces.
 */
import { hashString } from '../trace/hash.js';
import { describeTraceEvent, type TraceEvent, type TraceSink } from '../trace/events.js';
import { jsonText } from '../core/short-json.js';
import type { Scenario } from '../scenario/resolve.js';
import type { Determinism, RunJob, RunRow } from './run.js';
import { WatchedRunner, type WatchLimits } from './watchdog.js';

/** Most trace lines kept to describe a divergence (the digests cover every event). */
const MAX_LINES = 5_000_000;

/** The trace of this thread's last determinism-checked run, to describe a divergence in it. */
let lastLines: string[] = [];

/** The `index`th trace event of this thread's last checked run, described. */
export function lastTraceEvent(index: number): string {
  const line = lastLines[index];
  return line === undefined ? '(no event: the trace ended)' : describeTraceEvent(JSON.parse(line) as TraceEvent);
}

/** Records a digest of every trace event (and the events, for describing where runs part). */
export class TraceDigests implements TraceSink {
  private digests = new Int32Array(1 << 16);
  private count = 0;
  private readonly lines: string[] = [];

  event(event: TraceEvent): void {
    const line = jsonText(event);
    if (this.count === this.digests.length) {
      const grown = new Int32Array(this.digests.length * 2);
      grown.set(this.digests);
      this.digests = grown;
    }
    this.digests[this.count++] = hashString(line);
    if (this.lines.length < MAX_LINES) this.lines.push(line);
  }

  /** The digests; the lines stay in this thread for `lastTraceEvent`. */
  take(): Int32Array {
    lastLines = this.lines;
    return this.digests.slice(0, this.count);
  }
}

/** The first index where two digest lists differ, or -1. */
export function firstDifference(a: Int32Array, b: Int32Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * Runs `job` again in a fresh worker and compares it with the reported row. `reported` is the
 * runner that made the row (its thread still holds the trace), or undefined when it ran here.
 */
export async function compareWithFresh(job: RunJob, scenario: Scenario, row: RunRow, options: { limits: WatchLimits; reported: WatchedRunner | undefined }): Promise<Determinism> {
  const freshRunner = new WatchedRunner(options.limits);
  try {
    const fresh = await freshRunner.run({ ...job, timeline: false }, scenario);
    const a = row.digests;
    const b = fresh.digests;
    if (a === undefined || b === undefined) {
      return { diverged: true, message: `determinism: NOT CHECKED: ${a === undefined ? 'the reported run' : 'the fresh run'} never finished (${fresh.result.findings[0]?.kind ?? row.result.findings[0]?.kind ?? 'stopped'})` };
    }
    const at = firstDifference(a, b);
    if (at >= 0) {
      const reported = options.reported !== undefined ? await options.reported.traceEvent(at) : lastTraceEvent(at);
      const again = await freshRunner.traceEvent(at);
      return {
        diverged: true,
        message:
          `determinism: DIVERGED: a fresh run of the same seed parts from the reported run at trace event ${at}:\n` +
          `  reported: ${reported}\n  fresh:    ${again}\n` +
          '  (module state carried over from an earlier run in the same process, or nondeterminism: Math.random, Date, an order the run does not set)',
      };
    }
    if (fresh.result.traceHash !== row.result.traceHash) {
      return { diverged: true, message: `determinism: DIVERGED: the same ${a.length} trace events, but hashes ${row.result.traceHash} (reported) and ${fresh.result.traceHash} (fresh): contents no trace event shows (persisted data?) differ` };
    }
    return { diverged: false, message: `determinism: a fresh run (a new worker, fresh module state) gave the same ${a.length} trace events and hash ${row.result.traceHash} as the reported run` };
  } finally {
    await freshRunner.close();
  }
}
