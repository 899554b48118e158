#!/usr/bin/env node
/**
 * The trace hash of every bundled scenario, one `file hash` line each, sorted: a refactor of the
 * kernel or runner that claims no behaviour change must leave this output identical.
 *
 *   npm run build && node scripts/trace-hashes.mjs > before.txt
 *   (change, rebuild) node scripts/trace-hashes.mjs > after.txt && diff before.txt after.txt
 *
 * Runs `dsim run scenarios --json` (the built CLI) with `--seed` when given.
 */
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const extra = seedAt >= 0 && args[seedAt + 1] !== undefined ? ['--seed', args[seedAt + 1]] : [];
let out;
try {
  out = execFileSync(process.execPath, ['dist/cli/main.js', 'run', 'scenarios', '--json', '--no-progress', ...extra], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
} catch (error) {
  // Exit 1 or 2 (a scenario's expectation not met) still printed every run.
  out = error.stdout ?? '';
  if (out === '') throw error;
}
const lines = out
  .split('\n')
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line))
  .map((r) => `${r.file} ${r.traceHash}`)
  .sort();
process.stdout.write(`${lines.join('\n')}\n`);
process.stderr.write(`${lines.length} scenarios\n`);
