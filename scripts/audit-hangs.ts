/**
 * The hang audit of issue #19: the same seeds of a bundled scenario in several `dsim run --seeds`
 * processes at once, under `nice`, with CPU burners competing at normal priority on top of whatever
 * else loads the machine. Counts every run reported as a hang (or out-of-memory) — none of a
 * correct scenario's runs is one — and checks that each seed gave the same trace hash in every
 * process (the determinism audit comes free).
 *
 *   npm run build && npx tsx scripts/audit-hangs.ts [--seeds 10000] [--processes 2] [--burners 2]
 *       [--nice 10] [--hang-timeout 2s] [--scenario scenarios/broadcast/partition.yaml]
 *
 * Slow (an hour or more on a busy two-core machine): a script, not part of `npm test`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const seeds = Number(option('seeds', '10000'));
const processes = Number(option('processes', '2'));
const burners = Number(option('burners', '2'));
const niceness = option('nice', '10');
const hangTimeout = option('hang-timeout', '2s');
const scenario = option('scenario', 'scenarios/broadcast/partition.yaml');

interface Tally {
  runs: number;
  expectations: Record<string, number>;
  stopped: Record<string, number>;
  hashes: Map<number, string>;
  stderr: string;
}

function audit(index: number): Promise<Tally> {
  const tally: Tally = { runs: 0, expectations: {}, stopped: {}, hashes: new Map(), stderr: '' };
  const child = spawn('nice', ['-n', niceness, process.execPath, join(root, 'dist/cli/main.js'), 'run', scenario, '--seeds', `1..${seeds}`, '--json', '--hang-timeout', hangTimeout, '--no-progress'], { cwd: root });
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const run = JSON.parse(line) as { seed: string; traceHash: string; expectation: string; findings: Array<{ kind: string; message: string }> };
      tally.runs++;
      tally.expectations[run.expectation] = (tally.expectations[run.expectation] ?? 0) + 1;
      for (const f of run.findings) {
        if (f.kind === 'hang' || f.kind === 'out-of-memory' || f.kind === 'process-exit') {
          tally.stopped[f.kind] = (tally.stopped[f.kind] ?? 0) + 1;
          console.log(`process ${index}: seed ${run.seed}: ${f.kind}: ${f.message}`);
        }
      }
      tally.hashes.set(Number(run.seed), run.traceHash);
      if (tally.runs % 1000 === 0) console.error(`process ${index}: ${tally.runs} runs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => void (tally.stderr += chunk));
  return new Promise((resolve) => child.on('exit', () => resolve(tally)));
}

const burning: ChildProcess[] = Array.from({ length: burners }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const started = Date.now();
console.log(`audit: ${scenario}, seeds 1..${seeds}, ${processes} processes at nice ${niceness}, --hang-timeout ${hangTimeout}, ${burners} CPU burners at nice 0, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
try {
  const tallies = await Promise.all(Array.from({ length: processes }, (_, i) => audit(i)));
  const minutes = (Date.now() - started) / 60_000;
  let mismatched = 0;
  for (const [seed, hash] of tallies[0]!.hashes) if (tallies.some((t) => t.hashes.get(seed) !== hash)) mismatched++;
  for (const [i, t] of tallies.entries()) {
    console.log(`process ${i}: ${t.runs} runs; expectations ${JSON.stringify(t.expectations)}; stopped by the watchdog ${JSON.stringify(t.stopped)}${t.stderr.trim() !== '' ? `; stderr: ${t.stderr.trim().slice(0, 300)}` : ''}`);
  }
  const total = tallies.reduce((n, t) => n + t.runs, 0);
  const stopped = tallies.reduce((n, t) => n + Object.values(t.stopped).reduce((a, b) => a + b, 0), 0);
  console.log(`total: ${total} runs in ${minutes.toFixed(1)} min; ${stopped} reported as hang/out-of-memory; ${mismatched} seeds whose trace hash differed between processes; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  for (const b of burning) b.kill();
}
