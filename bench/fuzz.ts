/**
 * Fuzz throughput: runs per second of a fixed-size fuzz run, in this thread and with two worker
 * threads (piscina, as `dsim fuzz --workers 2` uses), and the ratio.
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
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { Piscina } from 'piscina';
import { protocolRegistry } from '../src/protocols/index.js';
import { fuzzRun, fuzzSetup, type FuzzRunOutcome } from '../src/fuzz/index.js';
import type { FuzzTask } from '../src/cli/fuzz-worker.js';

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
  const one = await measure(1, runs, async () => {
    for (let i = 0; i < runs; i++) outcomes.push(fuzzRun(setup, campaignSeed, i, { protocols, shrinkBudget: 0 }));
  });

  // Two workers: the compiled worker when dist/ is built, else the TypeScript source (through tsx).
  const compiled = fileURLToPath(new URL('../dist/cli/fuzz-worker.js', import.meta.url));
  const filename = existsSync(compiled) ? compiled : fileURLToPath(new URL('../src/cli/fuzz-worker.ts', import.meta.url));
  const pool = new Piscina({ filename, minThreads: 2, maxThreads: 2 });
  const task = (index: number): FuzzTask => ({ arbitrary, campaignSeed, index, shrinkBudget: 0 });
  try {
    await Promise.all(Array.from({ length: Math.min(100, runs) }, (_, i) => pool.run(task(runs + i))));
    const two = await measure(2, runs, async () => {
      await Promise.all(Array.from({ length: runs }, (_, i) => pool.run(task(i))));
    });
    const n = outcomes.length;
    return {
      protocol,
      standardRun: `${protocol}, ${NODES} nodes, ${DURATION_MS}ms main phase + ${setup.context.quiesceMs}ms quiet period, swarm faults (0-8), 1-5 clients at 10-200 ops/s, checks ${setup.context.checks.join(',')}`,
      meanEvents: Math.round(outcomes.reduce((s, o) => s + o.events, 0) / n),
      meanOps: Math.round(outcomes.reduce((s, o) => s + o.ops, 0) / n),
      meanFaults: Number((outcomes.reduce((s, o) => s + o.faults, 0) / n).toFixed(1)),
      failures: outcomes.filter((o) => o.status === 'failed').length,
      one,
      two,
      ratio: Number((two.runsPerSecond / one.runsPerSecond).toFixed(2)),
      cores: cpus().length,
    };
  } finally {
    await pool.destroy();
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
    `  ${l.workers} worker${l.workers > 1 ? 's' : ' '}  ${String(l.runsPerSecond).padStart(7)} runs/s  ${String(l.runsPerCpuSecond).padStart(7)} runs/CPU-s  (${l.runs} runs in ${l.wallMs}ms)`;
  return [
    `fuzz throughput, standard run: ${r.standardRun}`,
    `  per run: ${r.meanEvents} events, ${r.meanOps} ops, ${r.meanFaults} faults; ${r.failures} failures`,
    line(r.one),
    line(r.two),
    `  two workers / one: ${r.ratio}x on ${r.cores} cores (goal: 100 runs/s per core: ${r.one.runsPerCpuSecond >= 100 ? 'met' : 'NOT met'})`,
  ].join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const runs = process.env.BENCH_RUNS !== undefined ? Number(process.env.BENCH_RUNS) : undefined;
  const report = await benchFuzz(runs !== undefined ? { runs } : {});
  process.stdout.write((process.argv.includes('--json') ? JSON.stringify(report, null, 2) : formatFuzzBench(report)) + '\n');
}
