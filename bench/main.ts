/**
 * `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run
 * (these machines are noisy; absolute numbers drift, ratios much less).
 *
 *   npm run bench                      # the tables
 *   npm run bench -- --json out.json   # and every report as one JSON object, to compare commits
 *   npm run bench -- --scaling [--json out.json]   # only the scaling table (CPU time per dimension)
 */
import { writeFileSync } from 'node:fs';
import { benchKernel } from './kernel.js';
import { benchMemory } from './memory.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const reports: Record<string, unknown> = {};
  if (args.includes('--scaling')) {
    console.log('== scaling: CPU time along each dimension, with growth exponents ==');
    const scaling = await import('./scaling.js');
    const report = scaling.benchScaling();
    reports.scaling = report;
    console.log(scaling.formatScaling(report));
    console.log('\n== runs with a goal: big clusters for a minute, master-slave for an hour (goal: under 10 s of CPU each) ==');
    const goals = scaling.benchGoalRuns();
    reports.goalRuns = goals;
    console.log(scaling.formatScaling(goals));
    writeJson(args, jsonAt, reports);
    return;
  }

  console.log('== kernel: message-heavy run vs a bare binary-heap loop (same event count) ==');
  const k = benchKernel();
  reports.kernel = k;
  console.log(`kernel ${n(k.kernelEventsPerSec)} events/s, bare heap ${n(k.bareEventsPerSec)} events/s: ratio ${pct(k.ratio)} (goal >= 40%)`);
  const step = k.protocolStep;
  console.log('\n== kernel: protocol steps (timers armed and cancelled, persists, replies, an invariant) vs the same protocol hand-written ==');
  console.log(
    `kernel ${n(step.kernelStepsPerCpuSec)} steps/s, hand-written loop ${n(step.handStepsPerCpuSec)} steps/s (CPU time, ${n(step.kernelSteps)} and ${n(step.handSteps)} steps in ${step.virtualUs / 1e6} s virtual): ratio ${step.ratio.toFixed(2)} (goal >= 0.5)`,
  );

  console.log('\n== memory: a million-event scenario run, own process ==');
  const m = benchMemory();
  reports.memory = m;
  console.log(`${n(m.events)} events in ${n(m.wallMs)} ms (${n(m.events / (m.wallMs / 1000))} events/s), peak RSS ${m.maxRssMb.toFixed(0)} MB (goal < 200 MB), expectation ${m.expectation}`);

  console.log('\n== raft: 5 nodes under faults, simulated vs real time ==');
  reports.raft = (await import('./raft.js')).runBench();

  console.log('\n== linearizability checker vs Porcupine, measured side by side (CPU time) ==');
  const lin = await import('./linearizability.js');
  // Optional data: say what is skipped and go on with the other benchmarks.
  const missing = (await import('./conformance-data.js')).conformanceMissing();
  if (missing === undefined) {
    const linReport = await lin.benchLinearizability();
    reports.linearizability = linReport;
    console.log(lin.formatReport(linReport));
  } else {
    console.log(`skipped: ${missing}`);
  }

  console.log('\n== isolation checker: 10k and 100k transactions vs a linear pass over the same history ==');
  const iso = await import('./isolation.js');
  console.log(iso.formatIsolationBench(iso.benchIsolation()));

  console.log('\n== fuzz: runs per second, one worker and two ==');
  const fuzz = await import('./fuzz.js');
  const fuzzReport = await fuzz.benchFuzz();
  reports.fuzz = fuzzReport;
  console.log(fuzz.formatFuzzBench(fuzzReport));

  writeJson(args, jsonAt, reports);
}

function writeJson(args: readonly string[], jsonAt: number, reports: Record<string, unknown>): void {
  if (jsonAt >= 0 && args[jsonAt + 1] !== undefined) {
    writeFileSync(args[jsonAt + 1]!, `${JSON.stringify(reports, null, 2)}\n`);
    console.log(`\nwrote ${args[jsonAt + 1]}`);
  }
}

await main();
