/** Peak memory of a million-event run, measured in a child process running the compiled build. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface MemoryBench {
  events: number;
  wallMs: number;
  maxRssMb: number;
  expectation: string;
}

export function benchMemory(): MemoryBench {
  const child = fileURLToPath(new URL('./memory-child.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [child], { encoding: 'utf8' });
  return JSON.parse(out.trim()) as MemoryBench;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchMemory();
  console.log(`million-event run: ${r.events.toLocaleString()} events, peak RSS ${r.maxRssMb.toFixed(0)} MB (goal < 200 MB), ${(r.events / (r.wallMs / 1000)).toFixed(0)} events/s`);
}
