/**
 * `npm run bench -- --scaling`: how the cost of a run grows along each dimension — run length,
 * request rate, cluster size — with the growth exponent of CPU time between the smallest and the
 * largest point (1.0 is linear; log(t_last / t_first) / log(x_last / x_first)). CPU time of this
 * process (process.cpuUsage), not wall time: the machines these run on are shared. Each point is
 * one run after a warm-up run of the smallest point; no garbage collection is forced between runs
 * (that discards compiled code and distorts the next figure).
 *
 * Runs are streamed (`stream`: the soak mode's bounded-memory checks), so the history size column
 * is what was judged, not what was kept.
 */
import { resolveScenario } from '../src/scenario/index.js';
import { runScenario } from '../src/runner/index.js';
import { RAFT_BENCH_SCENARIO } from './raft.js';

export interface ScalingPoint {
  readonly x: number;
  readonly cpuMs: number;
  readonly events: number;
  readonly historyOps: number;
  readonly virtualSeconds: number;
  readonly expectation: string;
  /** The largest window the streamed linearizability check searched (ops), when it ran. */
  readonly largestWindow?: number;
}

export interface ScalingSeries {
  readonly dimension: string;
  readonly unit: string;
  readonly points: readonly ScalingPoint[];
  /** CPU-time growth exponent between the first and last point. */
  readonly exponent: number;
}


/** The bench's Raft scenario (bench/raft.ts) at a size: its fault cycle repeats every 60 s of the run. */
function raft(options: { seconds: number; rate: number; nodes: number; keys?: number }): unknown {
  const faults = [];
  for (let base = 0; base + 60 <= options.seconds; base += 60) for (const f of RAFT_BENCH_SCENARIO.faults) faults.push({ ...f, at: `${base + Number.parseInt(f.at, 10)}s` });
  return {
    name: `raft-${options.nodes}n-${options.seconds}s-${options.rate}`,
    protocol: 'raft',
    nodes: options.nodes,
    duration: `${options.seconds}s`,
    network: RAFT_BENCH_SCENARIO.network,
    workload: { model: 'kv', clients: clientsAt(options.rate), keys: options.keys ?? 5, rate: `${options.rate}/s` },
    faults: options.seconds >= 60 ? faults : [],
    limits: { events: 1_000_000_000 },
    heal: { quiesce: '5s' },
    checks: ['linearizable', 'durable', 'converged', 'liveness', 'invariants'],
  };
}

/** Closed-loop clients enough for the rate: one per 20 ops/s, at least 5. */
function clientsAt(rate: number): number {
  return Math.max(5, Math.round(rate / 20));
}

function masterSlave(seconds: number): unknown {
  return {
    name: `ms-${seconds}s`,
    protocol: 'master-slave',
    options: { mode: 'semi-sync', failover: 'automatic' },
    nodes: 3,
    duration: `${seconds}s`,
    network: { latency: { dist: 'exponential', mean: '5ms', min: '1ms' } },
    workload: { model: 'kv', clients: 4, keys: 3, rate: '200/s', route: 'leader' },
    limits: { events: 1_000_000_000 },
    checks: ['linearizable', 'durable', 'converged', 'invariants'],
  };
}

function leaderless(nodes: number, seconds = 20): unknown {
  return {
    name: `leaderless-${nodes}n-${seconds}s`,
    protocol: 'leaderless',
    nodes,
    duration: `${seconds}s`,
    network: { latency: { dist: 'exponential', mean: '5ms', min: '1ms' } },
    workload: { model: 'kv', clients: 8, keys: 50, rate: '200/s' },
    limits: { events: 1_000_000_000 },
    // N = 3 of the nodes hold each key: the generic 'converged' (every node's store equal) does not
    // apply past 3 nodes; 'replicas-converged' judges each key's N replicas.
    checks: ['replicas-converged', 'invariants'],
  };
}

function measure(raw: unknown, x: number): ScalingPoint {
  const scenario = resolveScenario(raw, 'scaling');
  const before = process.cpuUsage();
  const result = runScenario(scenario, { stream: {} });
  const cpu = process.cpuUsage(before);
  const largest = /the largest ([\d,]+) ops?/.exec(result.checks.find((c) => c.name === 'linearizable')?.detail ?? '')?.[1];
  return {
    x,
    cpuMs: (cpu.user + cpu.system) / 1000,
    events: result.events,
    historyOps: result.ops.invoked,
    virtualSeconds: result.virtualTimeUs / 1e6,
    expectation: result.expectation,
    ...(largest !== undefined ? { largestWindow: Number(largest.replaceAll(',', '')) } : {}),
  };
}

function series(dimension: string, unit: string, xs: readonly number[], build: (x: number) => unknown): ScalingSeries {
  measure(build(xs[0]!), xs[0]!); // warm-up
  const points = xs.map((x) => measure(build(x), x));
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return { dimension, unit, points, exponent: Math.log(last.cpuMs / first.cpuMs) / Math.log(last.x / first.x) };
}

export function benchScaling(): ScalingSeries[] {
  return [
    series('raft run length (5 nodes, 100 ops/s, faults)', 's', [60, 240, 960], (s) => raft({ seconds: s, rate: 100, nodes: 5 })),
    series('raft request rate (5 nodes, 60 s, faults)', 'ops/s', [100, 400, 1600], (r) => raft({ seconds: 60, rate: r, nodes: 5 })),
    // The same, with as many keys as clients: the clients per key (the concurrency the
    // linearizability search faces on a key) stay the same as the rate grows.
    series('raft request rate, keys grow with the clients (5 nodes, 60 s, faults)', 'ops/s', [100, 400, 1600], (r) => raft({ seconds: 60, rate: r, nodes: 5, keys: clientsAt(r) })),
    series('raft cluster size (20 s, 100 ops/s)', 'nodes', [5, 11, 21, 41, 101], (n) => raft({ seconds: 20, rate: 100, nodes: n })),
    series('master-slave run length (semi-sync, 200 ops/s)', 's', [25, 100, 400], (s) => masterSlave(s)),
    series('leaderless cluster size (20 s, 200 ops/s)', 'nodes', [8, 32, 64, 128, 257], (n) => leaderless(n)),
  ];
}

/**
 * The runs issue #14 set a goal for, each under 10 s of CPU: a 101-node Raft cluster at 100 ops/s
 * under the bench's fault cycle and a 257-node leaderless ring at 200 ops/s, a minute of virtual
 * time each; an hour of master-slave (semi-sync, 200 ops/s). One run each after the scaling
 * series (which warmed the protocols up).
 */
export function benchGoalRuns(): ScalingSeries[] {
  const one = (dimension: string, unit: string, x: number, raw: unknown): ScalingSeries => ({ dimension, unit, points: [measure(raw, x)], exponent: Number.NaN });
  return [
    one('raft, 101 nodes, 60 s virtual, 100 ops/s, faults', 'nodes', 101, raft({ seconds: 60, rate: 100, nodes: 101 })),
    one('leaderless, 257 nodes, 60 s virtual, 200 ops/s', 'nodes', 257, leaderless(257, 60)),
    one('master-slave, 3 nodes, 1 hour virtual, 200 ops/s', 's', 3600, masterSlave(3600)),
  ];
}

export function formatScaling(all: readonly ScalingSeries[]): string {
  const lines: string[] = [];
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  for (const s of all) {
    lines.push(Number.isNaN(s.exponent) ? `${s.dimension}:` : `${s.dimension}: CPU time grows as x^${s.exponent.toFixed(2)}`);
    lines.push(`  ${'x'.padStart(11)}  ${'CPU ms'.padStart(9)}  ${'events'.padStart(11)}  ${'µs/event'.padStart(8)}  ${'history ops'.padStart(11)}  ${'largest window'.padStart(14)}  ${'virtual s'.padStart(9)}  expectation`);
    for (const p of s.points) {
      const window = p.largestWindow === undefined ? '-' : n(p.largestWindow);
      // CPU per event: flat when the cost grows only with the events a run makes.
      const perEvent = p.events === 0 ? '-' : ((p.cpuMs * 1000) / p.events).toFixed(2);
      lines.push(
        `  ${`${n(p.x)} ${s.unit}`.padStart(11)}  ${n(p.cpuMs).padStart(9)}  ${n(p.events).padStart(11)}  ${perEvent.padStart(8)}  ${n(p.historyOps).padStart(11)}  ${window.padStart(14)}  ${p.virtualSeconds.toFixed(0).padStart(9)}  ${p.expectation}`,
      );
    }
  }
  return lines.join('\n');
}
