/**
 * `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run
 * (these machines are noisy; absolute numbers drift, ratios much less).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchKernel } from './kernel.js';
import { benchMemory } from './memory.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log('== kernel: message-heavy run vs a bare binary-heap loop (same event count) ==');
  const k = benchKernel();
  console.log(`kernel ${n(k.kernelEventsPerSec)} events/s, bare heap ${n(k.bareEventsPerSec)} events/s: ratio ${pct(k.ratio)} (goal >= 40%)`);

  console.log('\n== memory: a million-event scenario run, own process ==');
  const m = benchMemory();
  console.log(`${n(m.events)} events in ${n(m.wallMs)} ms (${n(m.events / (m.wallMs / 1000))} events/s), peak RSS ${m.maxRssMb.toFixed(0)} MB (goal < 200 MB), expectation ${m.expectation}`);

  // Benchmarks of later modules, each run when present.
  for (const [file, title] of [
    ['./raft.ts', 'raft: 5 nodes under faults, simulated vs real time'],
    ['./linearizability.ts', 'linearizability checker vs Porcupine reference times'],
    ['./fuzz.ts', 'fuzz: runs per second, one worker and two'],
  ] as const) {
    if (!existsSync(here(file))) continue;
    console.log(`\n== ${title} ==`);
    const mod = (await import(file.replace(/\.ts$/, '.js'))) as { runBench?: () => Promise<void> | void };
    if (typeof mod.runBench === 'function') await mod.runBench();
    else console.log(`(${file} exports no runBench)`);
  }
}

await main();
