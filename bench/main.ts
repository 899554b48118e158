/**
 * `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run
 * (these machines are noisy; absolute numbers drift, ratios much less).
 */
import { benchKernel } from './kernel.js';
import { benchMemory } from './memory.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log('== kernel: message-heavy run vs a bare binary-heap loop (same event count) ==');
  const k = benchKernel();
  console.log(`kernel ${n(k.kernelEventsPerSec)} events/s, bare heap ${n(k.bareEventsPerSec)} events/s: ratio ${pct(k.ratio)} (goal >= 40%)`);

  console.log('\n== memory: a million-event scenario run, own process ==');
  const m = benchMemory();
  console.log(`${n(m.events)} events in ${n(m.wallMs)} ms (${n(m.events / (m.wallMs / 1000))} events/s), peak RSS ${m.maxRssMb.toFixed(0)} MB (goal < 200 MB), expectation ${m.expectation}`);

  console.log('\n== raft: 5 nodes under faults, simulated vs real time ==');
  (await import('./raft.js')).runBench();

  console.log('\n== linearizability checker: the conformance set vs Porcupine reference times ==');
  const lin = await import('./linearizability.js');
  console.log(lin.formatReport(await lin.benchLinearizability()));

  console.log('\n== isolation checker: 10k and 100k transactions vs a linear pass over the same history ==');
  const iso = await import('./isolation.js');
  console.log(iso.formatIsolationBench(iso.benchIsolation()));

  console.log('\n== fuzz: runs per second, one worker and two ==');
  const fuzz = await import('./fuzz.js');
  console.log(fuzz.formatFuzzBench(await fuzz.benchFuzz()));
}

await main();
