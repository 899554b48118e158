/**
 * Fuzz throughput: runs per second of a fixed-size fuzz run, in this thread (unwatched, as
 * `--hang-timeout 0`), and in one and two watched worker threads (as `dsim fuzz` and
 * `dsim fuzz --workers 2` run: a persistent worker per thread, a message per run, a heartbeat
 * watchdog), and the ratio of two workers to one.
 *
 *   npx tsx bench/fuzz.ts               # the report
 *   npx tsx bench/fuzz.ts --json
 *   BENCH_RUNS=1000 npx tsx bench/fuzz.ts
 *
 * The standard run: Raft if it is registered, else gossip broadcast; 5 nodes; a 1s main phase and
 * the protocol's quiet period (broadcast 2s, raft 3s) after the heal; swarm faults of every kind
 * (0-8 per run); 1-5 clients at 10-200 ops/s; the protocol's correct configuration, so no run
 * shrinks. Each run is generated, simulated and judged (all the protocol's fuzz checks).
 * Runs per CPU-second is the per-core figure (it does not depend on other load on the machine).
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { protocolRegistry } from '../src/protocols/index.js';
import { fuzzRun, fuzzSetup, type FuzzRunOutcome } from '../src/fuzz/index.js';
import type { FuzzTask } from '../src/cli/fuzz-worker.js';
import { watchedExecutor } from '../src/cli/fuzz.js';
import { DEFAULT_HANG_TIMEOUT_MS, DEFAULT_MEMORY_LIMIT_MB } from '../src/cli/watchdog.js';

export interface FuzzBenchOptions {
  /** Measured runs per configuration (default 400). */
  readonly runs?: number;
  /** Protocol (default: raft if registered, else broadcast). */
  readonly protocol?: string;
  readonly campaignSeed?: number;
}

export interface FuzzBenchLine {
  readonly workers: number;
  readonly runs: number;
  readonly wallMs: number;
  readonly runsPerSecond: number;
  /** Runs per CPU-second over all threads: throughput per core. */
  readonly runsPerCpuSecond: number;
}

export interface FuzzBenchReport {
  readonly protocol: string;
  readonly standardRun: string;
  readonly meanEvents: number;
  readonly meanOps: number;
  readonly meanFaults: number;
  readonly failures: number;
  /** In this thread, no watchdog. */
  readonly inThread: FuzzBenchLine;
  /** One watched worker (the default `dsim fuzz`). */
  readonly one: FuzzBenchLine;
  readonly two: FuzzBenchLine;
  /** two.runsPerSecond / one.runsPerSecond (2.0 would be perfect scaling). */
  readonly ratio: number;
  readonly cores: number;
}

const NODES = 5;
const DURATION_MS = 1000;

export async function benchFuzz(options: FuzzBenchOptions = {}): Promise<FuzzBenchReport> {
  const protocols = protocolRegistry();
  const protocol = options.protocol ?? (protocols.has('raft') ? 'raft' : 'broadcast');
  const runs = options.runs ?? 400;
  const campaignSeed = options.campaignSeed ?? 1;
  const arbitrary: FuzzTask['arbitrary'] = { protocol, profile: { nodes: { min: NODES, max: NODES }, durationMs: { min: DURATION_MS, max: DURATION_MS } } };
  const setup = fuzzSetup({ ...arbitrary, protocols });

  // One thread: warm up the JIT on runs outside the measured range, then measure.
  for (let i = 0; i < Math.min(50, runs); i++) fuzzRun(setup, campaignSeed, runs + i, { protocols });
  const outcomes: FuzzRunOutcome[] = [];
  const inThread = await measure(0, runs, async () => {
    for (let i = 0; i < runs; i++) outcomes.push(fuzzRun(setup, campaignSeed, i, { protocols, shrinkBudget: 0 }));
  });

  // Watched workers, as `dsim fuzz` runs them (the worker is the TypeScript source, through tsx).
  const task = (index: number): FuzzTask => ({ arbitrary, campaignSeed, index, shrinkBudget: 0 });
  const watched = async (workers: number): Promise<FuzzBenchLine> => {
    const executor = watchedExecutor(workers, { hangTimeoutMs: DEFAULT_HANG_TIMEOUT_MS, memoryLimitMb: DEFAULT_MEMORY_LIMIT_MB });
    try {
      // Each worker keeps `workers` tasks in flight, as the campaign does; warm up first.
      const drive = async (from: number, count: number): Promise<void> => {
        let next = 0;
        await Promise.all(
          Array.from({ length: workers }, async () => {
            while (next < count) await executor.run(task(from + next++));
          }),
        );
      };
      await drive(runs, Math.min(100, runs));
      return await measure(workers, runs, () => drive(0, runs));
    } finally {
      await executor.close();
    }
  };
  {
    const one = await watched(1);
    const two = await watched(2);
    const n = outcomes.length;
    return {
      protocol,
      standardRun: `${protocol}, ${NODES} nodes, ${DURATION_MS}ms main phase + ${setup.context.quiesceMs}ms quiet period, swarm faults (0-8), 1-5 clients at 10-200 ops/s, checks ${setup.context.checks.join(',')}`,
      meanEvents: Math.round(outcomes.reduce((s, o) => s + o.events, 0) / n),
      meanOps: Math.round(outcomes.reduce((s, o) => s + o.ops, 0) / n),
      meanFaults: Number((outcomes.reduce((s, o) => s + o.faults, 0) / n).toFixed(1)),
      failures: outcomes.filter((o) => o.status === 'failed').length,
      inThread,
      one,
      two,
      ratio: Number((two.runsPerSecond / one.runsPerSecond).toFixed(2)),
      cores: cpus().length,
    };
  }
}

async function measure(workers: number, runs: number, body: () => Promise<void>): Promise<FuzzBenchLine> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await body();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    workers,
    runs,
    wallMs: Math.round(wallMs),
    runsPerSecond: Number((runs / (wallMs / 1000)).toFixed(1)),
    runsPerCpuSecond: Number((runs / cpuSeconds).toFixed(1)),
  };
}

export function formatFuzzBench(r: FuzzBenchReport): string {
  const line = (l: FuzzBenchLine): string =>
    `  ${l.workers === 0 ? 'in thread' : `${l.workers} worker${l.workers > 1 ? 's' : ' '}`}  ${String(l.runsPerSecond).padStart(7)} runs/s  ${String(l.runsPerCpuSecond).padStart(7)} runs/CPU-s  (${l.runs} runs in ${l.wallMs}ms)`;
  return [
    `fuzz throughput, standard run: ${r.standardRun}`,
    `  per run: ${r.meanEvents} events, ${r.meanOps} ops, ${r.meanFaults} faults; ${r.failures} failures`,
    line(r.inThread),
    line(r.one),
    line(r.two),
    `  two workers / one: ${r.ratio}x on ${r.cores} cores (goal: 100 runs/s per core, watched: ${r.one.runsPerCpuSecond >= 100 ? 'met' : 'NOT met'})`,
  ].join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const runs = process.env.BENCH_RUNS !== undefined ? Number(process.env.BENCH_RUNS) : undefined;
  const report = await benchFuzz(runs !== undefined ? { runs } : {});
  process.stdout.write((process.argv.includes('--json') ? JSON.stringify(report, null, 2) : formatFuzzBench(report)) + '\n');
}
